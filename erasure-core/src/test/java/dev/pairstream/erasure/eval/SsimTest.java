package dev.pairstream.erasure.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SsimTest {

    @Test
    void identicalPicturesScoreOne() {
        // Given
        float[] picture = random(3 * 32 * 32, 1);

        // When
        double ssim = Ssim.of(picture, picture.clone(), 3, 32, 32);

        // Then
        assertEquals(1.0, ssim, 1e-12);
    }

    @Test
    void constantPicturesFollowLuminanceTerm() {
        // Given: two flat pictures, 0.25 and 0.75 after mapping [-1, 1] to [0, 1]; every window then has zero variance,
        // so SSIM = (2 x y + C1) / (x^2 + y^2 + C1)
        float[] dark = new float[3 * 16 * 16];
        float[] light = new float[3 * 16 * 16];
        Arrays.fill(dark, -0.5f);
        Arrays.fill(light, 0.5f);
        double c1 = 0.0001;
        double expected = (2 * 0.25 * 0.75 + c1) / (0.25 * 0.25 + 0.75 * 0.75 + c1);

        // When
        double ssim = Ssim.of(dark, light, 3, 16, 16);

        // Then
        assertEquals(expected, ssim, 1e-9);
    }

    @Test
    void noiseLowersScore() {
        // Given
        float[] picture = random(3 * 32 * 32, 2);
        float[] noisy = picture.clone();
        Random random = new Random(3);
        for (int i = 0; i < noisy.length; i++) {
            noisy[i] = Math.max(-1f, Math.min(1f, noisy[i] + 0.3f * (float) random.nextGaussian()));
        }

        // When
        double ssim = Ssim.of(picture, noisy, 3, 32, 32);

        // Then
        assertTrue(ssim < 0.9, "SSIM of a noisy copy: " + ssim);
        assertTrue(ssim > 0.0, "SSIM of a noisy copy: " + ssim);
    }

    @Test
    void mismatchedSizesAreRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> Ssim.of(new float[12], new float[3 * 32 * 32], 3, 32, 32));

        // Then
        assertEquals("SSIM needs two pictures of 3x32x32 values; got 12 and 3072", error.getMessage());
    }

    private static float[] random(int size, long seed) {
        Random random = new Random(seed);
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }
}
