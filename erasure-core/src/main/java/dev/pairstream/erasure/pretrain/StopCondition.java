package dev.pairstream.erasure.pretrain;

import java.time.Duration;
import java.util.Objects;

/**
 * When one invocation of {@link BaseModelTrainer#train} stops before the run's last step. Either limit ends it; a
 * checkpoint is written at the stop, so the next invocation resumes there.
 *
 * @param untilStep   stop once this many steps are completed over all invocations
 * @param maxWallTime stop once this invocation has trained this long
 */
public record StopCondition(long untilStep, Duration maxWallTime) {

    /** Validates both limits. */
    public StopCondition {
        Objects.requireNonNull(maxWallTime, "maxWallTime");
        if (untilStep < 1) {
            throw new IllegalArgumentException("Invalid stop step " + untilStep + "; expected at least 1");
        }
        if (maxWallTime.isNegative() || maxWallTime.isZero()) {
            throw new IllegalArgumentException("Invalid maximum wall time " + maxWallTime + "; expected a positive"
                    + " duration");
        }
    }

    /** Returns a condition that lets the run finish all its steps. */
    public static StopCondition never() {
        return new StopCondition(Long.MAX_VALUE, Duration.ofSeconds(Long.MAX_VALUE));
    }

    /** Returns a condition that stops once {@code step} steps are completed. */
    public static StopCondition atStep(long step) {
        return new StopCondition(step, Duration.ofSeconds(Long.MAX_VALUE));
    }

    /** Returns a condition that stops after {@code wallTime} of training in this invocation. */
    public static StopCondition after(Duration wallTime) {
        return new StopCondition(Long.MAX_VALUE, wallTime);
    }
}
