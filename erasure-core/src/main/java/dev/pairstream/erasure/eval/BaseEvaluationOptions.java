package dev.pairstream.erasure.eval;

import dev.pairstream.erasure.emoji.CaptionSplit;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import java.util.Objects;

/**
 * Settings of the base-model evaluation.
 *
 * @param picturesPerConcept pictures per catalog concept; 10 gives 550 pictures over the 55 concepts
 * @param seed               seed of the scenes, captions and sampling noise
 * @param sampling           DDIM steps, guidance scale and batch size
 * @param phraseSplit        which object phrases the prompts use: TRAIN (short names and synonyms) or HELD_OUT; the
 *                           templates are always the held-out ones
 */
public record BaseEvaluationOptions(int picturesPerConcept, long seed, SamplingOptions sampling,
        CaptionSplit phraseSplit) {

    /** Default pictures per concept. */
    public static final int DEFAULT_PICTURES_PER_CONCEPT = 10;
    /** Default seed. */
    public static final long DEFAULT_SEED = 20_250_101L;

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException when the picture count is below 1
     */
    public BaseEvaluationOptions {
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(phraseSplit, "phraseSplit");
        if (picturesPerConcept < 1) {
            throw new IllegalArgumentException("Invalid pictures per concept " + picturesPerConcept
                    + "; expected at least 1");
        }
    }

    /** Returns 10 pictures per concept, the default seed and sampling settings, and training phrases. */
    public static BaseEvaluationOptions defaults() {
        return new BaseEvaluationOptions(DEFAULT_PICTURES_PER_CONCEPT, DEFAULT_SEED, SamplingOptions.defaults(),
                CaptionSplit.TRAIN);
    }
}
