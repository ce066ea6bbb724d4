package dev.pairstream.erasure.detector;

/**
 * The outcome of a training run.
 *
 * @param detectorVersion     {@link ConceptDetector#version()} of the written detector
 * @param outputDirectory     the detector folder written
 * @param checkpointDirectory the checkpoint folder
 * @param steps               steps completed in total
 * @param resumedFromStep     the checkpoint step this run started from, 0 for a fresh run
 * @param trainingSeconds     wall-clock seconds of the training loop, summed over resumed runs
 * @param runSeconds          wall-clock seconds of this run, rendering and evaluation included
 * @param renderSeconds       wall-clock seconds spent rendering the scenes
 * @param trainScenes         scenes used for training
 * @param validationScenes    scenes held out
 * @param finalLoss           mean training loss over the last progress interval
 * @param cleanCatalog        accuracy on clean renders of every scene
 * @param cleanValidation     accuracy on clean renders of the held-out scenes
 * @param noisyValidation     accuracy on augmented renders of the held-out scenes
 */
public record TrainingReport(String detectorVersion, String outputDirectory, String checkpointDirectory, int steps,
        int resumedFromStep, double trainingSeconds, double runSeconds, double renderSeconds, int trainScenes,
        int validationScenes, double finalLoss, AccuracyReport cleanCatalog, AccuracyReport cleanValidation,
        AccuracyReport noisyValidation) {
}
