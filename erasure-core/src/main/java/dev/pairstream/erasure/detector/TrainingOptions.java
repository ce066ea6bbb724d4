package dev.pairstream.erasure.detector;

import java.util.Objects;

/**
 * The settings of one detector training run. A resumed run must use the same settings as the run that wrote the
 * checkpoint, because the learning-rate schedule and the data order depend on them.
 *
 * @param steps              optimiser steps in total
 * @param batchSize          pictures per step
 * @param seed               seed of the weight initialisation, the data order and the augmentation
 * @param learningRate       peak AdamW learning rate
 * @param weightDecay        decoupled AdamW weight decay, applied to convolution and linear weights only
 * @param warmupSteps        steps of linear learning-rate warm-up before the cosine decay
 * @param checkpointEvery    steps between checkpoints; the last step is always checkpointed
 * @param progressEvery      steps between progress reports
 * @param validationFraction fraction of each concept's scenes held out of training for validation
 * @param augmentation       how training pictures are disturbed
 */
public record TrainingOptions(int steps, int batchSize, long seed, double learningRate, double weightDecay,
        int warmupSteps, int checkpointEvery, int progressEvery, double validationFraction,
        AugmentationSettings augmentation) {

    /**
     * Default number of steps: 128,000 pictures, about 12 passes over the 10,670 training scenes of the default
     * catalog at batch size 128.
     */
    public static final int DEFAULT_STEPS = 1000;

    /** Default batch size. */
    public static final int DEFAULT_BATCH_SIZE = 128;

    /** Default seed. */
    public static final long DEFAULT_SEED = 20240601L;

    /** Default peak learning rate. */
    public static final double DEFAULT_LEARNING_RATE = 3e-3;

    /**
     * Largest batch size accepted. 4096 pictures take 48 MiB of input and 512 MiB for each first-stage activation
     * of the default network.
     */
    public static final int MAX_BATCH_SIZE = 4096;

    public TrainingOptions {
        Objects.requireNonNull(augmentation, "augmentation");
        if (steps < 1) {
            throw new IllegalArgumentException("Invalid step count " + steps + "; expected 1 or more");
        }
        if (batchSize < 2 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("Invalid batch size " + batchSize + "; expected 2 to " + MAX_BATCH_SIZE
                    + ", because batch normalisation needs at least two pictures per batch");
        }
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("Invalid learning rate " + learningRate
                    + "; expected a finite positive number such as 0.003");
        }
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("Invalid weight decay " + weightDecay
                    + "; expected a finite number of 0 or more");
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("Invalid warm-up step count " + warmupSteps + "; expected 0 or more");
        }
        if (checkpointEvery < 1) {
            throw new IllegalArgumentException("Invalid checkpoint interval " + checkpointEvery
                    + "; expected 1 or more steps");
        }
        if (progressEvery < 1) {
            throw new IllegalArgumentException("Invalid progress interval " + progressEvery
                    + "; expected 1 or more steps");
        }
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("Invalid validation fraction " + validationFraction
                    + "; expected at least 0 and below 1");
        }
    }

    /** Returns the settings of the shipped detector. */
    public static TrainingOptions defaults() {
        return new TrainingOptions(DEFAULT_STEPS, DEFAULT_BATCH_SIZE, DEFAULT_SEED, DEFAULT_LEARNING_RATE, 0.01, 100, 250, 50, 0.1,
                AugmentationSettings.defaults());
    }

    /** Returns a copy with another step count. */
    public TrainingOptions withSteps(int newSteps) {
        return new TrainingOptions(newSteps, batchSize, seed, learningRate, weightDecay, warmupSteps,
                checkpointEvery, progressEvery, validationFraction, augmentation);
    }

    /** Returns a copy with another batch size. */
    public TrainingOptions withBatchSize(int newBatchSize) {
        return new TrainingOptions(steps, newBatchSize, seed, learningRate, weightDecay, warmupSteps,
                checkpointEvery, progressEvery, validationFraction, augmentation);
    }

    /** Returns a copy with another seed. */
    public TrainingOptions withSeed(long newSeed) {
        return new TrainingOptions(steps, batchSize, newSeed, learningRate, weightDecay, warmupSteps,
                checkpointEvery, progressEvery, validationFraction, augmentation);
    }

    /** Returns a copy with another peak learning rate. */
    public TrainingOptions withLearningRate(double newLearningRate) {
        return new TrainingOptions(steps, batchSize, seed, newLearningRate, weightDecay, warmupSteps,
                checkpointEvery, progressEvery, validationFraction, augmentation);
    }

    /**
     * Returns the learning rate at a zero-based step: linear warm-up to the peak, then a cosine decay to 1% of the
     * peak at the last step.
     */
    public double learningRateAt(int step) {
        if (step < warmupSteps) {
            return learningRate * (step + 1) / warmupSteps;
        }
        int decaySteps = Math.max(1, steps - warmupSteps);
        double progress = Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
        double floor = 0.01 * learningRate;
        return floor + (learningRate - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
