package dev.pairstream.erasure.pretrain;

import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of one invocation of {@link BaseModelTrainer#train}.
 *
 * @param startStep         steps completed when this invocation started, more than 0 after a resume
 * @param step              steps completed when it returned
 * @param totalSteps        steps of the whole run
 * @param completed         whether the run has completed all its steps
 * @param encodingSeconds   wall time of encoding the captions before training, in seconds
 * @param wallSeconds       training wall time of this invocation, in seconds, without the encoding
 * @param totalWallSeconds  training wall time of all invocations of the run
 * @param stepsPerSecond    steps per second of this invocation
 * @param smoothedLoss      the smoothed loss after the last step
 * @param lossCurve         mean loss of each logging window over the whole run
 * @param lastCheckpoint    the checkpoint written last
 * @param retriedSteps      attempts whose loss or gradient came out non-finite and were trained again
 */
public record TrainingResult(long startStep, long step, long totalSteps, boolean completed, double encodingSeconds,
        double wallSeconds,
        double totalWallSeconds, double stepsPerSecond, double smoothedLoss, List<TrainerState.LossPoint> lossCurve,
        Path lastCheckpoint, int retriedSteps) {

    /** Copies the loss curve so the record stays immutable. */
    public TrainingResult {
        lossCurve = List.copyOf(lossCurve);
    }
}
