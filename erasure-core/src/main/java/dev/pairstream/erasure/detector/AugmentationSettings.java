package dev.pairstream.erasure.detector;

/**
 * The disturbances applied to training pictures so that the detector also recognises generated pictures, which
 * are slightly blurred, noisy and off-colour. Values are on the picture scale [-1, 1]. Each disturbance strength
 * is drawn uniformly per picture, up to its maximum.
 *
 * @param cleanProbability    chance that a picture is used as rendered, with no disturbance at all
 * @param jitterPixels        largest shift in x and in y, in whole pixels, with the border pixels repeated
 * @param blurProbability     chance of a Gaussian blur
 * @param blurSigmaMin        smallest blur standard deviation, in pixels
 * @param blurSigmaMax        largest blur standard deviation, in pixels
 * @param colourGainMax       largest relative change of each channel's contrast, such as 0.1 for +-10%
 * @param colourOffsetMax     largest shift of each channel's values
 * @param noiseSigmaMax       largest standard deviation of the additive Gaussian noise
 */
public record AugmentationSettings(double cleanProbability, int jitterPixels, double blurProbability,
        double blurSigmaMin, double blurSigmaMax, double colourGainMax, double colourOffsetMax,
        double noiseSigmaMax) {

    public AugmentationSettings {
        requireProbability("cleanProbability", cleanProbability);
        requireProbability("blurProbability", blurProbability);
        if (jitterPixels < 0 || jitterPixels > 4) {
            throw new IllegalArgumentException("augmentation.jitterPixels is " + jitterPixels
                    + "; expected 0 to 4");
        }
        if (!(blurSigmaMin >= 0) || !(blurSigmaMax >= blurSigmaMin) || blurSigmaMax > 3) {
            throw new IllegalArgumentException("augmentation blur sigma range is [" + blurSigmaMin + ", "
                    + blurSigmaMax + "]; expected 0 <= min <= max <= 3 pixels");
        }
        requireRange("colourGainMax", colourGainMax, 0.5);
        requireRange("colourOffsetMax", colourOffsetMax, 0.5);
        requireRange("noiseSigmaMax", noiseSigmaMax, 1);
    }

    /**
     * Returns the settings the shipped detector was trained with: a fifth of the pictures clean, +-1 pixel
     * jitter, blur half the time with sigma 0.3 to 0.9 pixels, +-8% contrast, +-0.06 offset and noise sigma up to
     * 0.1 per channel.
     */
    public static AugmentationSettings defaults() {
        return new AugmentationSettings(0.2, 1, 0.5, 0.3, 0.9, 0.08, 0.06, 0.1);
    }

    /** Returns settings that leave every picture as rendered. */
    public static AugmentationSettings none() {
        return new AugmentationSettings(1.0, 0, 0, 0, 0, 0, 0, 0);
    }

    private static void requireProbability(String field, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException("augmentation." + field + " is " + value + "; expected 0 to 1");
        }
    }

    private static void requireRange(String field, double value, double max) {
        if (!(value >= 0 && value <= max)) {
            throw new IllegalArgumentException("augmentation." + field + " is " + value + "; expected 0 to " + max);
        }
    }
}
