package dev.pairstream.erasure.detector;

import java.util.Objects;

/**
 * The {@code state.json} of a training checkpoint: the run's position and what it needs to continue exactly.
 *
 * @param formatVersion      layout version of the checkpoint folder, {@value #FORMAT_VERSION}
 * @param step               steps completed when the checkpoint was written
 * @param options            the run's options
 * @param architecture       the network shape
 * @param catalogVersion     version of the concept catalog
 * @param dataFingerprint    SHA-256 of the scenes, the split and the rendered pixels
 * @param inputNormalization the input normalisation measured at the start of the run
 * @param trainingSeconds    wall-clock seconds spent in the training loop so far, over all runs
 * @param recentLoss         mean training loss over the last progress interval
 * @param random             the random state: the seed and the next step, because every stream is keyed by both
 */
record CheckpointState(int formatVersion, int step, TrainingOptions options, DetectorArchitecture architecture,
        String catalogVersion, String dataFingerprint, InputNormalization inputNormalization, double trainingSeconds,
        double recentLoss, RandomState random) {

    static final int FORMAT_VERSION = 1;

    CheckpointState {
        if (formatVersion != FORMAT_VERSION) {
            throw new IllegalArgumentException("formatVersion is " + formatVersion + "; this build reads version "
                    + FORMAT_VERSION);
        }
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(catalogVersion, "catalogVersion");
        Objects.requireNonNull(dataFingerprint, "dataFingerprint");
        Objects.requireNonNull(inputNormalization, "inputNormalization");
        Objects.requireNonNull(random, "random");
        if (step < 0 || step > options.steps()) {
            throw new IllegalArgumentException("step is " + step + "; expected 0 to " + options.steps());
        }
        if (random.nextStep() != step || random.seed() != options.seed()) {
            throw new IllegalArgumentException("random state " + random + " does not match step " + step
                    + " and seed " + options.seed());
        }
    }

    /**
     * The state of the counter-based random streams.
     *
     * @param scheme   how the streams are derived, in words
     * @param seed     the run's seed
     * @param nextStep the next step to draw for
     */
    record RandomState(String scheme, long seed, int nextStep) {

        static final String SCHEME = "SplittableRandom keyed by SplitMix64(seed, stream, counter)";
    }
}
