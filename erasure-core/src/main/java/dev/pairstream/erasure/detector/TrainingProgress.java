package dev.pairstream.erasure.detector;

import java.time.Duration;
import java.util.Locale;

/**
 * A progress report of a training run.
 *
 * @param step           steps completed
 * @param totalSteps     steps of the whole run
 * @param loss           mean training loss since the previous report
 * @param learningRate   learning rate of the last step
 * @param stepsPerSecond steps per wall-clock second since the previous report
 * @param remaining      estimated wall-clock time to the last step at that speed
 */
public record TrainingProgress(int step, int totalSteps, double loss, double learningRate, double stepsPerSecond,
        Duration remaining) {

    /** Returns the report as one line, such as {@code step 350/3000 loss 0.4321 lr 2.95e-03 9.8 steps/s ETA 4m30s}. */
    public String describe() {
        long seconds = remaining.toSeconds();
        String eta = seconds >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", seconds / 3600,
                (seconds / 60) % 60, seconds % 60)
                : String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        return String.format(Locale.ROOT, "step %d/%d loss %.4f lr %.2e %.1f steps/s ETA %s", step, totalSteps, loss,
                learningRate, stepsPerSecond, eta);
    }
}
