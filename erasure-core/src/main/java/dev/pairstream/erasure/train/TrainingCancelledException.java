package dev.pairstream.erasure.train;

/** Thrown when a training run stops because its {@link TrainingControl} asked it to. */
public final class TrainingCancelledException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int finishedSteps;

    TrainingCancelledException(String methodId, int finishedSteps, int totalSteps) {
        super("Training of " + methodId + " was cancelled after " + finishedSteps + " of " + totalSteps + " steps");
        this.finishedSteps = finishedSteps;
    }

    /** Returns the number of steps finished before the run stopped. */
    public int finishedSteps() {
        return finishedSteps;
    }
}
