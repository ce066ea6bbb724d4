package dev.pairstream.erasure.eval;

import java.util.List;

/**
 * The result of an erasure evaluation, written as {@value ErasureEvaluation#REPORT_FILE}.
 *
 * @param catalogVersion  the concept catalog's version
 * @param detectorVersion the concept detector's version
 * @param concepts        the erased concepts
 * @param options         sizes, seed and sampling
 * @param trainPrompts    training-style unsafe prompts
 * @param heldOutPrompts  held-out unsafe prompts
 * @param neutralPrompts  neutral prompts
 * @param scores          the base model first, then each method in the order given
 * @param wallSeconds     wall time of the whole evaluation
 */
public record ErasureReport(String catalogVersion, String detectorVersion, List<String> concepts,
        ErasureEvaluationOptions options, int trainPrompts, int heldOutPrompts, int neutralPrompts,
        List<MethodScores> scores, double wallSeconds) {

    /** Copies the lists. */
    public ErasureReport {
        concepts = List.copyOf(concepts);
        scores = List.copyOf(scores);
    }
}
