package dev.pairstream.erasure.eval;

/**
 * Structural similarity (SSIM) of two pictures, as defined by Wang, Bovik, Sheikh and Simoncelli (IEEE Transactions on
 * Image Processing 13(4), 2004): local means, variances and covariance under an 11x11 Gaussian window with a standard
 * deviation of 1.5 pixels, constants {@code C1 = (0.01 L)^2} and {@code C2 = (0.03 L)^2} for a dynamic range
 * {@code L = 1}, averaged over every window position that fits inside the picture and over the colour channels.
 */
public final class Ssim {

    /** Side of the Gaussian window in pixels. */
    public static final int WINDOW = 11;
    /** Standard deviation of the Gaussian window in pixels. */
    public static final double SIGMA = 1.5;

    private static final double C1 = 0.01 * 0.01;
    private static final double C2 = 0.03 * 0.03;
    private static final double[] KERNEL = gaussianKernel();

    private Ssim() {
    }

    /**
     * Returns the mean SSIM of two CHW pictures with values in [-1, 1], which are mapped to [0, 1] first.
     *
     * @throws IllegalArgumentException when the sizes do not match {@code channels * height * width} or the picture
     *                                  is smaller than the window
     */
    public static double of(float[] first, float[] second, int channels, int height, int width) {
        int plane = height * width;
        if (first.length != channels * plane || second.length != channels * plane) {
            throw new IllegalArgumentException("SSIM needs two pictures of " + channels + "x" + height + "x" + width
                    + " values; got " + first.length + " and " + second.length);
        }
        if (height < WINDOW || width < WINDOW) {
            throw new IllegalArgumentException("SSIM needs pictures of at least " + WINDOW + "x" + WINDOW
                    + " pixels; got " + height + "x" + width);
        }
        double total = 0;
        for (int channel = 0; channel < channels; channel++) {
            total += channelSsim(first, second, channel * plane, height, width);
        }
        return total / channels;
    }

    private static double channelSsim(float[] first, float[] second, int offset, int height, int width) {
        double sum = 0;
        int count = 0;
        for (int top = 0; top + WINDOW <= height; top++) {
            for (int left = 0; left + WINDOW <= width; left++) {
                double meanX = 0;
                double meanY = 0;
                double squareX = 0;
                double squareY = 0;
                double product = 0;
                for (int dy = 0; dy < WINDOW; dy++) {
                    for (int dx = 0; dx < WINDOW; dx++) {
                        double weight = KERNEL[dy] * KERNEL[dx];
                        int index = offset + (top + dy) * width + left + dx;
                        double x = (first[index] + 1.0) / 2.0;
                        double y = (second[index] + 1.0) / 2.0;
                        meanX += weight * x;
                        meanY += weight * y;
                        squareX += weight * x * x;
                        squareY += weight * y * y;
                        product += weight * x * y;
                    }
                }
                double varianceX = squareX - meanX * meanX;
                double varianceY = squareY - meanY * meanY;
                double covariance = product - meanX * meanY;
                sum += (2 * meanX * meanY + C1) * (2 * covariance + C2)
                        / ((meanX * meanX + meanY * meanY + C1) * (varianceX + varianceY + C2));
                count++;
            }
        }
        return sum / count;
    }

    private static double[] gaussianKernel() {
        double[] kernel = new double[WINDOW];
        double sum = 0;
        int centre = WINDOW / 2;
        for (int i = 0; i < WINDOW; i++) {
            kernel[i] = Math.exp(-((i - centre) * (i - centre)) / (2 * SIGMA * SIGMA));
            sum += kernel[i];
        }
        for (int i = 0; i < WINDOW; i++) {
            kernel[i] /= sum;
        }
        return kernel;
    }
}
