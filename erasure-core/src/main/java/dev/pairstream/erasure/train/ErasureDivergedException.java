package dev.pairstream.erasure.train;

import java.nio.file.Path;
import java.util.Optional;

/** Thrown when an erasure run meets a NaN or infinite loss or gradient; no update of that step was applied. */
public final class ErasureDivergedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long step;
    private final transient Path lastCheckpoint;

    ErasureDivergedException(String message, long step, Path lastCheckpoint) {
        super(message);
        this.step = step;
        this.lastCheckpoint = lastCheckpoint;
    }

    /** Returns the 1-based step whose loss or gradient was not finite. */
    public long step() {
        return step;
    }

    /** Returns the last checkpoint written before the divergence, if any. */
    public Optional<Path> lastCheckpoint() {
        return Optional.ofNullable(lastCheckpoint);
    }
}
