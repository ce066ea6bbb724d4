package dev.pairstream.erasure.train;

import java.nio.file.Path;

/**
 * What a caller of {@link AdapterErasure#train(ErasureProblem, RealignmentSettings, Path, TrainingControl,
 * ai.djl.ndarray.NDManager)} learns and decides while the adapter trains: progress after each step, each checkpoint
 * once it is complete, whether to resume from the newest checkpoint, and whether to stop. Every call comes from the
 * training thread.
 */
public interface TrainingControl {

    /** A control that resumes nothing, never cancels and ignores progress. */
    TrainingControl NONE = new TrainingControl() {
    };

    /**
     * Returns whether the run continues from the newest complete checkpoint in its checkpoint folder, when there is
     * one, instead of starting at step 0.
     */
    default boolean resume() {
        return false;
    }

    /**
     * Receives the progress after a finished step.
     *
     * @param step           finished steps, from 1 to {@code totalSteps}
     * @param totalSteps     steps of the whole run
     * @param loss           the step's loss
     * @param secondsPerStep mean wall time of the steps this invocation ran
     */
    default void onStep(int step, int totalSteps, double loss, double secondsPerStep) {
    }

    /** Receives the folder of a checkpoint that has just been written completely. */
    default void onCheckpoint(int step, Path checkpoint) {
    }

    /**
     * Returns whether the caller wants the run to stop. It is asked before every step; a run that stops throws
     * {@link TrainingCancelledException}, and its newest checkpoint stays on disk.
     */
    default boolean cancelRequested() {
        return false;
    }
}
