package dev.pairstream.erasure.detector;

import java.util.Objects;

/**
 * The training record of a detector, stored in its {@code config.json}: settings, data sizes, timing and accuracy.
 *
 * @param options             the training settings
 * @param optimizer           the optimiser and learning-rate schedule, in words
 * @param validationSplitSeed seed of the fixed choice of held-out scenes
 * @param trainScenes         scenes rendered for training
 * @param validationScenes    scenes held out of training
 * @param trainingSeconds     wall-clock seconds of the training loop, summed over resumed runs
 * @param hardware            the machine the training ran on, in words
 * @param finalLoss           mean training loss over the last progress interval
 * @param cleanCatalog        accuracy on clean renders of every scene, training and validation
 * @param cleanValidation     accuracy on clean renders of the held-out scenes
 * @param noisyValidation     accuracy on the held-out scenes with seeded training augmentation applied
 * @param finishedAt          when training finished, as an ISO-8601 instant
 */
public record TrainingProvenance(TrainingOptions options, String optimizer, long validationSplitSeed,
        int trainScenes, int validationScenes, double trainingSeconds, String hardware, double finalLoss,
        AccuracyReport cleanCatalog, AccuracyReport cleanValidation, AccuracyReport noisyValidation,
        String finishedAt) {

    public TrainingProvenance {
        Objects.requireNonNull(options, "training.options");
        Objects.requireNonNull(cleanCatalog, "training.cleanCatalog");
        Objects.requireNonNull(cleanValidation, "training.cleanValidation");
        Objects.requireNonNull(noisyValidation, "training.noisyValidation");
    }
}
