package dev.pairstream.erasure.emoji;

/** Scales RGBA images by area averaging, the standard box filter for downsampling. */
final class Resampler {

    private Resampler() {
    }

    /**
     * Scales a square image to {@code side x side} and returns premultiplied RGBA in [0, 1], four values per pixel,
     * row by row. Each output pixel is the average of the source area it covers, weighted by overlap, so the
     * result is exact for integer ratios and smooth for fractional ones. Enlarging works too, but then each output
     * pixel copies one source pixel, like nearest-neighbour scaling.
     */
    static double[] scalePremultiplied(EmojiImage image, int side) {
        if (side < 1) {
            throw new IllegalArgumentException("Target side must be at least 1 pixel, got " + side);
        }
        int sourceWidth = image.width();
        int sourceHeight = image.height();
        double[] premultiplied = premultiply(image);
        Weights columns = Weights.of(sourceWidth, side);
        Weights rows = Weights.of(sourceHeight, side);

        // Horizontal pass: every source row scaled to the target width.
        double[] horizontal = new double[sourceHeight * side * 4];
        for (int y = 0; y < sourceHeight; y++) {
            for (int x = 0; x < side; x++) {
                int out = 4 * (y * side + x);
                for (int k = 0; k < columns.count(x); k++) {
                    int in = 4 * (y * sourceWidth + columns.first(x) + k);
                    double weight = columns.weight(x, k);
                    for (int c = 0; c < 4; c++) {
                        horizontal[out + c] += weight * premultiplied[in + c];
                    }
                }
            }
        }

        // Vertical pass over the horizontally scaled rows.
        double[] scaled = new double[side * side * 4];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int out = 4 * (y * side + x);
                for (int k = 0; k < rows.count(y); k++) {
                    int in = 4 * ((rows.first(y) + k) * side + x);
                    double weight = rows.weight(y, k);
                    for (int c = 0; c < 4; c++) {
                        scaled[out + c] += weight * horizontal[in + c];
                    }
                }
            }
        }
        return scaled;
    }

    private static double[] premultiply(EmojiImage image) {
        double[] result = new double[image.width() * image.height() * 4];
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                int argb = image.argb(x, y);
                double alpha = ((argb >>> 24) & 0xff) / 255.0;
                int i = 4 * (y * image.width() + x);
                result[i] = ((argb >> 16) & 0xff) / 255.0 * alpha;
                result[i + 1] = ((argb >> 8) & 0xff) / 255.0 * alpha;
                result[i + 2] = (argb & 0xff) / 255.0 * alpha;
                result[i + 3] = alpha;
            }
        }
        return result;
    }

    /** For each output index, the source indices it covers and the share of each; shares sum to 1. */
    private static final class Weights {

        private final int[] first;
        private final double[][] weights;

        private Weights(int[] first, double[][] weights) {
            this.first = first;
            this.weights = weights;
        }

        static Weights of(int sourceLength, int targetLength) {
            double scale = (double) sourceLength / targetLength;
            int[] first = new int[targetLength];
            double[][] weights = new double[targetLength][];
            for (int i = 0; i < targetLength; i++) {
                double start = i * scale;
                double end = (i + 1) * scale;
                int from = (int) Math.floor(start);
                int to = Math.min(sourceLength, (int) Math.ceil(end));
                first[i] = from;
                weights[i] = new double[to - from];
                for (int j = from; j < to; j++) {
                    double overlap = Math.min(end, j + 1) - Math.max(start, j);
                    weights[i][j - from] = Math.max(0.0, overlap) / scale;
                }
            }
            return new Weights(first, weights);
        }

        int first(int index) {
            return first[index];
        }

        int count(int index) {
            return weights[index].length;
        }

        double weight(int index, int k) {
            return weights[index][k];
        }
    }
}
