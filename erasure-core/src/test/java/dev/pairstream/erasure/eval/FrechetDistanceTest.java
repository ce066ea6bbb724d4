package dev.pairstream.erasure.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrechetDistanceTest {

    @Test
    void sameSetHasZeroDistance() {
        // Given
        float[][] set = gaussian(200, 6, 1.0, 0.0, 1);

        // When
        double distance = FrechetDistance.between(set, set);

        // Then
        assertEquals(0.0, distance, 1e-9);
    }

    @Test
    void oneDimensionMatchesClosedForm() {
        // Given: in one dimension the distance is (mu1 - mu2)^2 + (sigma1 - sigma2)^2 with sample statistics
        float[][] first = {{1f}, {2f}, {3f}, {6f}};
        float[][] second = {{0f}, {4f}, {8f}};
        double mean1 = 3.0;
        double var1 = ((1 - 3.0) * (1 - 3.0) + (2 - 3.0) * (2 - 3.0) + 0 + (6 - 3.0) * (6 - 3.0)) / 3;
        double mean2 = 4.0;
        double var2 = (16.0 + 0 + 16.0) / 2;
        double expected = (mean1 - mean2) * (mean1 - mean2) + Math.pow(Math.sqrt(var1) - Math.sqrt(var2), 2);

        // When
        double distance = FrechetDistance.between(first, second);

        // Then
        assertEquals(expected, distance, 1e-9);
    }

    @Test
    void diagonalCovariancesMatchClosedForm() {
        // Given: independent coordinates, so the distance is the sum over coordinates of the one-dimensional formula
        float[][] first = gaussian(4000, 3, 1.0, 0.0, 2);
        float[][] second = gaussian(4000, 3, 2.0, 1.0, 3);
        double expected = 0;
        for (int d = 0; d < 3; d++) {
            double[] a = column(first, d);
            double[] b = column(second, d);
            expected += Math.pow(mean(a) - mean(b), 2);
            expected += Math.pow(Math.sqrt(variance(a)) - Math.sqrt(variance(b)), 2);
        }

        // When
        double distance = FrechetDistance.between(first, second);

        // Then: sample cross-covariances are small but not zero, hence the tolerance
        assertEquals(expected, distance, 0.02 * expected);
        assertEquals(6.0, distance, 0.3);
    }

    @Test
    void eigenvaluesOfKnownMatrix() {
        // Given: [[2, 1], [1, 2]] has eigenvalues 1 and 3
        double[][] matrix = {{2, 1}, {1, 2}};

        // When
        double[] values = FrechetDistance.eigenvalues(matrix);
        Arrays.sort(values);

        // Then
        assertArrayEquals(new double[] {1.0, 3.0}, values, 1e-12);
    }

    @Test
    void squareRootSquaresBack() {
        // Given
        double[][] matrix = {{4, 1, 0}, {1, 3, 1}, {0, 1, 2}};

        // When
        double[][] root = FrechetDistance.squareRoot(matrix);

        // Then
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double product = 0;
                for (int k = 0; k < 3; k++) {
                    product += root[i][k] * root[k][j];
                }
                assertEquals(matrix[i][j], product, 1e-10);
            }
        }
    }

    @Test
    void setsOfOneVectorAreRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> FrechetDistance.between(new float[][] {{1f}}, new float[][] {{1f}, {2f}}));

        // Then
        assertEquals("The Fréchet distance needs at least two vectors per set; got 1 and 2", error.getMessage());
    }

    private static float[][] gaussian(int count, int width, double sigma, double mean, long seed) {
        Random random = new Random(seed);
        float[][] vectors = new float[count][width];
        for (float[] vector : vectors) {
            for (int d = 0; d < width; d++) {
                vector[d] = (float) (mean + sigma * random.nextGaussian());
            }
        }
        return vectors;
    }

    private static double[] column(float[][] vectors, int d) {
        double[] values = new double[vectors.length];
        for (int i = 0; i < vectors.length; i++) {
            values[i] = vectors[i][d];
        }
        return values;
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElseThrow();
    }

    private static double variance(double[] values) {
        double mean = mean(values);
        return Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / (values.length - 1);
    }
}
