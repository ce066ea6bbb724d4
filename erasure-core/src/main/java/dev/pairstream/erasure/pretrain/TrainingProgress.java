package dev.pairstream.erasure.pretrain;

/**
 * A progress report of a training run, sent every {@code logEvery} steps.
 *
 * @param step           steps completed
 * @param totalSteps     steps of the whole run
 * @param smoothedLoss   exponentially smoothed loss (smoothing factor 0.98 per step)
 * @param windowLoss     mean loss over the steps since the previous report
 * @param learningRate   learning rate of the last step
 * @param stepsPerSecond steps per second since the previous report
 * @param etaSeconds     estimated seconds to the last step at the current rate
 * @param residentBytes  resident memory of the process, or -1 where the platform does not report it
 */
public record TrainingProgress(long step, long totalSteps, double smoothedLoss, double windowLoss,
        double learningRate, double stepsPerSecond, double etaSeconds, long residentBytes) {
}
