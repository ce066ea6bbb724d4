package dev.pairstream.erasure.detector;

import java.util.SplittableRandom;

/**
 * Disturbs CHW pictures the way generated pictures differ from clean renders: a shift of a pixel or so, a mild
 * Gaussian blur, a small per-channel contrast and offset change and additive Gaussian noise, then clamps the
 * values to [-1, 1]. Shifts and blurs repeat the border pixels, which show the background. An instance is not
 * thread-safe, because it reuses its work buffers.
 */
final class Augmenter {

    private final AugmentationSettings settings;
    private final int channels;
    private final int size;
    private final float[] shifted;
    private final float[] horizontal;
    private final float[] blurred;

    Augmenter(AugmentationSettings settings, int channels, int size) {
        this.settings = settings;
        this.channels = channels;
        this.size = size;
        this.shifted = new float[channels * size * size];
        this.horizontal = new float[size * size];
        this.blurred = new float[channels * size * size];
    }

    /**
     * Writes a disturbed copy of one picture; all draws come from {@code random}, so the same generator state
     * gives the same output.
     */
    void augment(float[] source, int sourceOffset, float[] target, int targetOffset, SplittableRandom random) {
        int length = shifted.length;
        if (random.nextDouble() < settings.cleanProbability()) {
            System.arraycopy(source, sourceOffset, target, targetOffset, length);
            return;
        }
        int jitter = settings.jitterPixels();
        int dx = jitter == 0 ? 0 : random.nextInt(-jitter, jitter + 1);
        int dy = jitter == 0 ? 0 : random.nextInt(-jitter, jitter + 1);
        shift(source, sourceOffset, dx, dy);
        float[] current = shifted;
        if (random.nextDouble() < settings.blurProbability()) {
            blur(uniform(random, settings.blurSigmaMin(), settings.blurSigmaMax()));
            current = blurred;
        }
        int plane = size * size;
        double noiseSigma = uniform(random, 0, settings.noiseSigmaMax());
        for (int c = 0; c < channels; c++) {
            double gain = 1 + uniform(random, -settings.colourGainMax(), settings.colourGainMax());
            double offset = uniform(random, -settings.colourOffsetMax(), settings.colourOffsetMax());
            for (int p = c * plane; p < (c + 1) * plane; p++) {
                double value = current[p] * gain + offset;
                if (noiseSigma > 0) {
                    value += random.nextGaussian() * noiseSigma;
                }
                target[targetOffset + p] = (float) Math.max(-1, Math.min(1, value));
            }
        }
    }

    /** Copies the picture into {@link #shifted}, moved by (dx, dy), repeating the border pixels. */
    private void shift(float[] source, int offset, int dx, int dy) {
        int plane = size * size;
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < size; y++) {
                int sourceY = clamp(y - dy);
                for (int x = 0; x < size; x++) {
                    shifted[c * plane + y * size + x] = source[offset + c * plane + sourceY * size + clamp(x - dx)];
                }
            }
        }
    }

    /** Blurs {@link #shifted} into {@link #blurred} with a separable Gaussian of the given standard deviation. */
    private void blur(double sigma) {
        if (sigma <= 0) {
            System.arraycopy(shifted, 0, blurred, 0, shifted.length);
            return;
        }
        int radius = Math.max(1, Math.min(3, (int) Math.ceil(2 * sigma)));
        double[] kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
            sum += kernel[i + radius];
        }
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] /= sum;
        }
        int plane = size * size;
        for (int c = 0; c < channels; c++) {
            int base = c * plane;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    double value = 0;
                    for (int k = -radius; k <= radius; k++) {
                        value += kernel[k + radius] * shifted[base + y * size + clamp(x + k)];
                    }
                    horizontal[y * size + x] = (float) value;
                }
            }
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    double value = 0;
                    for (int k = -radius; k <= radius; k++) {
                        value += kernel[k + radius] * horizontal[clamp(y + k) * size + x];
                    }
                    blurred[base + y * size + x] = (float) value;
                }
            }
        }
    }

    private int clamp(int coordinate) {
        return Math.max(0, Math.min(size - 1, coordinate));
    }

    private static double uniform(SplittableRandom random, double low, double high) {
        return high > low ? low + (high - low) * random.nextDouble() : low;
    }
}
