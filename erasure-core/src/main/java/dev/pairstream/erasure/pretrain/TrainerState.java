package dev.pairstream.erasure.pretrain;

import java.util.List;

/**
 * The part of a checkpoint that is not an array, stored as {@value #FILE_NAME}.
 *
 * @param formatVersion  the layout version of this file, {@value #FORMAT_VERSION}
 * @param step           optimizer steps completed
 * @param rng            where the run's random streams continue
 * @param wallSeconds    training wall time of all invocations so far, in seconds
 * @param smoothedLoss   the exponentially smoothed loss after the last step, or NaN before the first
 * @param lossCurve      mean loss of each logging window
 * @param catalogVersion version of the catalog the training set comes from
 * @param dataDigest     {@link TrainingSet#digest()} of the training set
 * @param config         the run's hyper-parameters
 */
public record TrainerState(int formatVersion, long step, RngState rng, double wallSeconds, double smoothedLoss,
        List<LossPoint> lossCurve, String catalogVersion, String dataDigest, BaseModelTrainingConfig config) {

    /** File name inside a checkpoint folder. */
    public static final String FILE_NAME = "trainer_state.json";
    /** The layout version this code writes and reads. */
    public static final int FORMAT_VERSION = 1;

    /** Copies the loss curve so the record stays immutable. */
    public TrainerState {
        lossCurve = List.copyOf(lossCurve);
    }

    /**
     * The state of the run's random streams. Every batch is drawn from generators seeded by the run seed and the
     * sample's position, so the seed and the next position are the whole state.
     *
     * @param scheme               how the generators are seeded, for a reader of the file
     * @param dataSeed             the run seed
     * @param nextSamplePosition   position of the first sample of the next step, {@code step * batchSize}
     */
    public record RngState(String scheme, long dataSeed, long nextSamplePosition) {

        /** The seeding scheme of {@link BatchPlanner}, written into every checkpoint. */
        public static final String SCHEME = "SplittableRandom(SplitMix64 mix of dataSeed, stream, position);"
                + " epoch permutations by Fisher-Yates";
    }

    /**
     * One point of the loss curve.
     *
     * @param step         the last step of the window
     * @param loss         mean noise-prediction MSE over the window
     * @param learningRate learning rate of the last step of the window
     */
    public record LossPoint(long step, double loss, double learningRate) {
    }
}
