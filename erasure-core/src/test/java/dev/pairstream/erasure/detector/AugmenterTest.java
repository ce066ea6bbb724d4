package dev.pairstream.erasure.detector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Disturbs small synthetic pictures and checks each disturbance against values worked out independently. */
class AugmenterTest {

    private static final int SIZE = 8;
    private static final int PLANE = SIZE * SIZE;

    /** Returns a 3x8x8 picture whose value encodes channel, row and column, all inside [-1, 1]. */
    private static float[] gradient() {
        float[] values = new float[3 * PLANE];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    values[c * PLANE + y * SIZE + x] = (c * 64 + y * 8 + x) / 192f - 0.5f;
                }
            }
        }
        return values;
    }

    private static float[] augment(AugmentationSettings settings, float[] source, long seed) {
        float[] target = new float[source.length];
        new Augmenter(settings, 3, SIZE).augment(source, 0, target, 0, new SplittableRandom(seed));
        return target;
    }

    /** Shifts a picture by (dx, dy), repeating border pixels, the way the test expects it. */
    private static float[] shifted(float[] source, int dx, int dy) {
        float[] values = new float[source.length];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    int sx = Math.max(0, Math.min(SIZE - 1, x - dx));
                    int sy = Math.max(0, Math.min(SIZE - 1, y - dy));
                    values[c * PLANE + y * SIZE + x] = source[c * PLANE + sy * SIZE + sx];
                }
            }
        }
        return values;
    }

    @Test
    void cleanPictureIsCopiedUnchanged() {
        // Given
        float[] source = gradient();

        // When
        float[] result = augment(new AugmentationSettings(1.0, 1, 1.0, 0.5, 0.9, 0.1, 0.1, 0.1), source, 1L);

        // Then
        assertArrayEquals(source, result);
    }

    @Test
    void jitterIsWholePixelShiftWithinOne() {
        // Given
        float[] source = gradient();
        AugmentationSettings jitterOnly = new AugmentationSettings(0, 1, 0, 0, 0, 0, 0, 0);
        boolean[] seen = new boolean[9];

        for (long seed = 0; seed < 200; seed++) {
            // When
            float[] result = augment(jitterOnly, source, seed);

            // Then
            int match = -1;
            for (int dy = -1; dy <= 1 && match < 0; dy++) {
                for (int dx = -1; dx <= 1 && match < 0; dx++) {
                    if (Arrays.equals(shifted(source, dx, dy), result)) {
                        match = (dy + 1) * 3 + dx + 1;
                    }
                }
            }
            assertTrue(match >= 0, "seed " + seed + " gave no shift of at most one pixel");
            seen[match] = true;
        }
        for (int i = 0; i < 9; i++) {
            assertTrue(seen[i], "shift " + (i % 3 - 1) + "," + (i / 3 - 1) + " never drawn in 200 pictures");
        }
    }

    @Test
    void blurSpreadsPointByGaussianWeights() {
        // Given: one bright pixel at (4, 4) on a dark picture, blurred with sigma exactly 0.5
        float[] source = new float[3 * PLANE];
        Arrays.fill(source, -1f);
        source[4 * SIZE + 4] = 1f;
        AugmentationSettings blurOnly = new AugmentationSettings(0, 0, 1.0, 0.5, 0.5, 0, 0, 0);
        // radius ceil(2 * 0.5) = 1, weights exp(-i^2 / (2 * 0.25)) for i = -1, 0, 1, normalised
        double side = Math.exp(-2.0);
        double centreWeight = 1 / (1 + 2 * side);
        double sideWeight = side / (1 + 2 * side);

        // When
        float[] result = augment(blurOnly, source, 3L);

        // Then: background -1 plus 2 x (separable weight product) at each neighbour
        assertEquals(-1 + 2 * centreWeight * centreWeight, result[4 * SIZE + 4], 1e-6);
        assertEquals(-1 + 2 * centreWeight * sideWeight, result[4 * SIZE + 5], 1e-6);
        assertEquals(-1 + 2 * sideWeight * sideWeight, result[5 * SIZE + 5], 1e-6);
        assertEquals(-1.0, result[4 * SIZE + 6], 1e-6);
    }

    @Test
    void noiseStaysWithinConfiguredSigma() {
        // Given: a mid-grey picture, so that clamping never cuts the noise
        float[] source = new float[3 * PLANE];
        AugmentationSettings noiseOnly = new AugmentationSettings(0, 0, 0, 0, 0, 0, 0, 0.1);
        double largestStd = 0;

        for (long seed = 0; seed < 50; seed++) {
            // When
            float[] result = augment(noiseOnly, source, seed);

            // Then
            double sumOfSquares = 0;
            for (float value : result) {
                sumOfSquares += value * value;
            }
            largestStd = Math.max(largestStd, Math.sqrt(sumOfSquares / result.length));
        }
        assertThat(largestStd).isBetween(0.05, 0.13);
    }

    @Test
    void valuesAreClampedToPictureRange() {
        // Given: a white picture with strong colour offsets and noise
        float[] source = new float[3 * PLANE];
        Arrays.fill(source, 1f);
        AugmentationSettings strong = new AugmentationSettings(0, 0, 0, 0, 0, 0.5, 0.5, 1.0);

        // When
        float[] result = augment(strong, source, 9L);

        // Then
        for (int i = 0; i < result.length; i++) {
            assertThat(result[i]).as("value %d", i).isBetween(-1f, 1f);
        }
    }

    @Test
    void sameSeedGivesSameOutput() {
        // Given
        float[] source = gradient();
        AugmentationSettings settings = AugmentationSettings.defaults();

        // When
        float[] first = augment(settings, source, 42L);
        float[] second = augment(settings, source, 42L);
        float[] other = augment(settings, source, 43L);

        // Then
        assertArrayEquals(first, second);
        assertFalse(Arrays.equals(first, other), "seeds 42 and 43 gave the same picture");
    }
}
