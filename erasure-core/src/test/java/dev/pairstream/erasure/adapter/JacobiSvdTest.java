package dev.pairstream.erasure.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class JacobiSvdTest {

    private static final double TOLERANCE = 1e-12;

    @Test
    void knownMatrixHasKnownSingularValues() {
        // Given: M^T M = [[25, 20], [20, 25]] has eigenvalues 45 and 5
        double[][] matrix = {{3, 0}, {4, 5}};

        // When
        JacobiSvd.Result result = JacobiSvd.decompose(matrix);

        // Then
        assertArrayEquals(new double[] {Math.sqrt(45), Math.sqrt(5)}, result.singularValues(), TOLERANCE);
        assertReconstructs(matrix, result);
    }

    @Test
    void scaledPermutationHasItsScalesAsSingularValues() {
        // Given: a 3x2 matrix with one non-zero per column, so its singular values are |-3| and |2|
        double[][] matrix = {{0, 2}, {-3, 0}, {0, 0}};

        // When
        JacobiSvd.Result result = JacobiSvd.decompose(matrix);

        // Then: sorted descending, and the sign rule makes the largest entry of each V column positive
        assertArrayEquals(new double[] {3, 2}, result.singularValues(), TOLERANCE);
        assertArrayEquals(new double[] {1, 0}, column(result.v(), 0), TOLERANCE);
        assertArrayEquals(new double[] {0, -1, 0}, column(result.u(), 0), TOLERANCE);
        assertArrayEquals(new double[] {0, 1}, column(result.v(), 1), TOLERANCE);
        assertArrayEquals(new double[] {1, 0, 0}, column(result.u(), 1), TOLERANCE);
    }

    @Test
    void rankDeficientMatrixHasZeroSingularValue() {
        // Given: the second row is twice the first, so M = [1, 2]^T [1, 2] with singular values 5 and 0
        double[][] matrix = {{1, 2}, {2, 4}};

        // When
        JacobiSvd.Result result = JacobiSvd.decompose(matrix);

        // Then
        assertArrayEquals(new double[] {5, 0}, result.singularValues(), TOLERANCE);
        assertReconstructs(matrix, result);
    }

    @Test
    void randomTallAndWideMatricesAreReconstructed() {
        Random random = new Random(17);
        for (int[] size : new int[][] {{9, 4}, {4, 9}, {6, 6}, {1, 5}, {40, 24}}) {
            // Given
            double[][] matrix = new double[size[0]][size[1]];
            for (double[] row : matrix) {
                for (int column = 0; column < row.length; column++) {
                    row[column] = random.nextGaussian();
                }
            }

            // When
            JacobiSvd.Result result = JacobiSvd.decompose(matrix);

            // Then
            int k = Math.min(size[0], size[1]);
            assertEquals(k, result.singularValues().length);
            for (int index = 1; index < k; index++) {
                assertTrue(result.singularValues()[index - 1] >= result.singularValues()[index],
                        "singular values must descend");
            }
            assertReconstructs(matrix, result);
            assertOrthonormalColumns(result.u(), k);
            assertOrthonormalColumns(result.v(), k);
        }
    }

    @Test
    void singularValuesOfKnownFactorsAreRecovered() {
        // Given: M = Q1 diag(7, 2, 0.5) Q2^T with rotations Q1 (4x3 orthonormal columns) and Q2 (3x3)
        double[] sigma = {7, 2, 0.5};
        double c = Math.cos(0.4);
        double s = Math.sin(0.4);
        double[][] q1 = {{c, -s, 0}, {s, c, 0}, {0, 0, 0.6}, {0, 0, 0.8}};
        double[][] q2 = {{1, 0, 0}, {0, 0.8, -0.6}, {0, 0.6, 0.8}};
        double[][] matrix = new double[4][3];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 3; k++) {
                    matrix[i][j] += q1[i][k] * sigma[k] * q2[j][k];
                }
            }
        }

        // When
        JacobiSvd.Result result = JacobiSvd.decompose(matrix);

        // Then
        assertArrayEquals(sigma, result.singularValues(), TOLERANCE);
        assertReconstructs(matrix, result);
    }

    @Test
    void invalidMatricesAreRejected() {
        assertEquals("Matrix entry [1][0] is NaN; expected a finite number", assertThrows(
                IllegalArgumentException.class, () -> JacobiSvd.decompose(new double[][] {{1, 2}, {Double.NaN, 3}}))
                .getMessage());
        assertEquals("Matrix row 1 has 1 entries; expected 2 like row 0", assertThrows(
                IllegalArgumentException.class, () -> JacobiSvd.decompose(new double[][] {{1, 2}, {3}}))
                .getMessage());
        assertEquals("Cannot decompose an empty matrix", assertThrows(IllegalArgumentException.class,
                () -> JacobiSvd.decompose(new double[0][0])).getMessage());
    }

    private static void assertReconstructs(double[][] matrix, JacobiSvd.Result result) {
        int k = result.singularValues().length;
        for (int i = 0; i < matrix.length; i++) {
            for (int j = 0; j < matrix[0].length; j++) {
                double value = 0;
                for (int r = 0; r < k; r++) {
                    value += result.u()[i][r] * result.singularValues()[r] * result.v()[j][r];
                }
                assertEquals(matrix[i][j], value, TOLERANCE * 10, "entry [" + i + "][" + j + "]");
            }
        }
    }

    private static void assertOrthonormalColumns(double[][] factor, int k) {
        for (int first = 0; first < k; first++) {
            for (int second = 0; second < k; second++) {
                double dot = 0;
                for (double[] row : factor) {
                    dot += row[first] * row[second];
                }
                assertEquals(first == second ? 1.0 : 0.0, dot, 1e-10, "columns " + first + " and " + second);
            }
        }
    }

    private static double[] column(double[][] matrix, int column) {
        double[] values = new double[matrix.length];
        for (int row = 0; row < matrix.length; row++) {
            values[row] = matrix[row][column];
        }
        return values;
    }
}
