package dev.pairstream.erasure.pretrain;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Thrown when the loss or a gradient of a training step is NaN or infinite. The step's update is not applied and
 * no checkpoint is written after it, so the last checkpoint still contains the last good state.
 */
public final class TrainingDivergedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long step;
    private final transient Path lastCheckpoint;

    TrainingDivergedException(String message, long step, Path lastCheckpoint) {
        super(message);
        this.step = step;
        this.lastCheckpoint = lastCheckpoint;
    }

    /**
     * Returns the number of the step, counted from 1, whose loss or gradient was not finite; the checkpoint after
     * {@code step() - 1} steps is the last one that can exist.
     */
    public long step() {
        return step;
    }

    /** Returns the newest checkpoint written before the failure, if any. */
    public Optional<Path> lastCheckpoint() {
        return Optional.ofNullable(lastCheckpoint);
    }
}
