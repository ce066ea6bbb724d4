package dev.pairstream.erasure.detector;

import java.nio.file.Path;

/**
 * Raised when the training loss or the weights become NaN or infinite. Training stops before the bad step is
 * applied to any checkpoint, so the last checkpoint stays good.
 */
public class TrainingDivergedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int step;
    private final transient Path lastGoodCheckpoint;

    /**
     * Creates the exception.
     *
     * @param step               the one-based step at which the problem appeared
     * @param problem            what became non-finite
     * @param lastGoodCheckpoint the newest checkpoint folder, or null when none was written yet
     */
    public TrainingDivergedException(int step, String problem, Path lastGoodCheckpoint) {
        super("Training diverged at step " + step + ": " + problem + ". "
                + (lastGoodCheckpoint == null ? "No checkpoint was written yet."
                        : "The last good checkpoint is " + lastGoodCheckpoint + ".")
                + " Lower the learning rate and run again: a run with the same data options resumes from the last"
                + " checkpoint.");
        this.step = step;
        this.lastGoodCheckpoint = lastGoodCheckpoint;
    }

    /** Returns the one-based step at which the problem appeared. */
    public int step() {
        return step;
    }

    /** Returns the newest checkpoint folder, or null when none was written yet. */
    public Path lastGoodCheckpoint() {
        return lastGoodCheckpoint;
    }
}
