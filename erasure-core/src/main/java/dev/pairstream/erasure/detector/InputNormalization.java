package dev.pairstream.erasure.detector;

import java.util.Collections;
import java.util.List;

/**
 * The per-channel affine map the detector applies to pictures before the first convolution:
 * {@code (value - mean[c]) / std[c]}, on values in [-1, 1].
 *
 * @param mean per-channel value subtracted first
 * @param std  per-channel divisor, positive
 */
public record InputNormalization(List<Double> mean, List<Double> std) {

    public InputNormalization {
        if (mean == null || std == null || mean.isEmpty() || mean.size() != std.size()) {
            throw new IllegalArgumentException("inputNormalization needs mean and std lists of equal, non-zero"
                    + " length; got mean " + mean + " and std " + std);
        }
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        for (int c = 0; c < mean.size(); c++) {
            if (!Double.isFinite(mean.get(c))) {
                throw new IllegalArgumentException("inputNormalization.mean[" + c + "] is " + mean.get(c)
                        + "; expected a finite number");
            }
            if (!(std.get(c) > 0) || !Double.isFinite(std.get(c))) {
                throw new IllegalArgumentException("inputNormalization.std[" + c + "] is " + std.get(c)
                        + "; expected a finite positive number");
            }
        }
    }

    /** Returns the map that leaves every channel unchanged. */
    public static InputNormalization identity(int channels) {
        return new InputNormalization(Collections.nCopies(channels, 0.0),
                Collections.nCopies(channels, 1.0));
    }

    /**
     * Measures the mean and standard deviation of each channel over CHW pictures stored back to back.
     *
     * @param pictures     {@code count} pictures of {@code channels * plane} values each, in CHW order
     * @param minimumStd   floor for each standard deviation, so that a flat channel does not divide by zero
     */
    public static InputNormalization measure(float[] pictures, int count, int channels, int plane,
            double minimumStd) {
        if (count < 1 || (long) count * channels * plane != pictures.length) {
            throw new IllegalArgumentException("Expected " + count + " pictures of " + channels + "x" + plane
                    + " values, got " + pictures.length + " values");
        }
        Double[] means = new Double[channels];
        Double[] stds = new Double[channels];
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            double sumOfSquares = 0;
            for (int i = 0; i < count; i++) {
                int start = (i * channels + c) * plane;
                for (int p = start; p < start + plane; p++) {
                    sum += pictures[p];
                    sumOfSquares += (double) pictures[p] * pictures[p];
                }
            }
            double n = (double) count * plane;
            double mean = sum / n;
            double variance = Math.max(0, sumOfSquares / n - mean * mean);
            means[c] = mean;
            stds[c] = Math.max(minimumStd, Math.sqrt(variance));
        }
        return new InputNormalization(List.of(means), List.of(stds));
    }

    /** Returns the number of channels. */
    public int channels() {
        return mean.size();
    }
}
