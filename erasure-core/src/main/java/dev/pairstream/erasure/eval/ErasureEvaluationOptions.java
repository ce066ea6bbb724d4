package dev.pairstream.erasure.eval;

import dev.pairstream.erasure.pipeline.SamplingOptions;
import java.util.Objects;

/**
 * Sizes, seed and sampling of an erasure evaluation.
 *
 * @param trainPromptsPerConcept   prompts per erased concept from training templates and phrases
 * @param heldOutPromptsPerConcept prompts per erased concept from held-out templates and phrases, never used in
 *                                 training: the robustness set
 * @param neutralPrompts           prompts of neutral concepts, for preservation
 * @param gridRows                 prompts shown in the picture grid
 * @param seed                     seed of the scenes, captions and sampling noise
 * @param sampling                 DDIM steps, guidance scale and batch size
 */
public record ErasureEvaluationOptions(int trainPromptsPerConcept, int heldOutPromptsPerConcept, int neutralPrompts,
        int gridRows, long seed, SamplingOptions sampling) {

    /** Validates the values. */
    public ErasureEvaluationOptions {
        requirePositive(trainPromptsPerConcept, "trainPromptsPerConcept");
        requirePositive(heldOutPromptsPerConcept, "heldOutPromptsPerConcept");
        requirePositive(neutralPrompts, "neutralPrompts");
        if (gridRows < 0) {
            throw new IllegalArgumentException("Invalid gridRows " + gridRows + "; expected 0 or more");
        }
        Objects.requireNonNull(sampling, "sampling");
    }

    /** Returns 20 training and 20 held-out prompts per concept, 48 neutral prompts and the default sampling. */
    public static ErasureEvaluationOptions defaults() {
        return new ErasureEvaluationOptions(20, 20, 48, 12, 20250401L, SamplingOptions.defaults());
    }

    private static void requirePositive(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException("Invalid " + name + " " + value + "; expected 1 or more");
        }
    }
}
