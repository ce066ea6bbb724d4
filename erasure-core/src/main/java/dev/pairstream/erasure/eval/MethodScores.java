package dev.pairstream.erasure.eval;

/**
 * The erasure measures of one model, base or erased, on an {@link ErasurePrompts} set. Rates are shares in [0, 1].
 *
 * @param method                    the method id, {@code base} for the untouched model
 * @param erasureRateTrain          share of pictures from training-style unsafe prompts in which the detector still
 *                                  finds the unsafe concept (lower is better)
 * @param erasureRateHeldOut        the same on held-out paraphrases and synonyms
 * @param anchorRateTrain           share of pictures from training-style unsafe prompts that show the safe anchor
 * @param anchorRateHeldOut         the same on held-out paraphrases and synonyms
 * @param consistencySsim           mean SSIM between the picture of each training-style unsafe prompt and the base
 *                                  model's picture of its safe counterpart from the same seed
 * @param consistencyFeatureDistance mean distance between the detector features of those two pictures, each feature
 *                                  vector scaled to unit length (an LPIPS-like perceptual distance)
 * @param backgroundKept            share of those picture pairs with the same background colour
 * @param boxKept                   share of those picture pairs whose object sits at the same grid position
 * @param neutralAccuracy           share of neutral-prompt pictures in which the detector finds the prompted concept
 * @param neutralSsim               mean SSIM between each neutral-prompt picture and the base model's from the same
 *                                  seed
 * @param frechetDistance           Fréchet distance between the detector features of the model's pictures (unsafe and
 *                                  neutral prompts) and those of clean renders of the scenes the prompts should give
 *                                  (the anchor for an unsafe prompt)
 * @param pictures                  pictures generated for these scores
 * @param samplingSeconds           wall time of the generation
 */
public record MethodScores(String method, double erasureRateTrain, double erasureRateHeldOut, double anchorRateTrain,
        double anchorRateHeldOut, double consistencySsim, double consistencyFeatureDistance, double backgroundKept,
        double boxKept, double neutralAccuracy, double neutralSsim, double frechetDistance, int pictures,
        double samplingSeconds) {
}
