package dev.pairstream.erasure.detector;

import java.util.SplittableRandom;

/**
 * Counter-based random streams: each stream is a {@link SplittableRandom} keyed by the run's seed, a stream id
 * and a counter such as the step number. The draws of step {@code s} therefore depend only on {@code (seed, s)},
 * so a run resumed from a checkpoint at step {@code s} draws exactly what an uninterrupted run would have, and
 * the random state to checkpoint is just the seed and the next step.
 */
final class RandomStreams {

    /** Weight initialisation, counter 0. */
    static final long INITIALISATION = 1;

    /** The shuffled order of the training scenes, counter = epoch. */
    static final long DATA_ORDER = 2;

    /** Augmentation of the pictures of one step, counter = step. */
    static final long AUGMENTATION = 3;

    /** Augmentation of the noisy validation set, counter 0. */
    static final long EVALUATION = 4;

    /** The held-out scenes of one concept, counter = hash of the concept id. */
    static final long VALIDATION_SPLIT = 5;

    private RandomStreams() {
    }

    /** Returns the generator of one stream at one counter value. */
    static SplittableRandom stream(long seed, long streamId, long counter) {
        return new SplittableRandom(key(seed, streamId, counter));
    }

    /** Returns the seed that keys one stream at one counter value. */
    static long key(long seed, long streamId, long counter) {
        return mix(mix(mix(seed) ^ streamId) + counter);
    }

    /** Scrambles 64 bits with the SplitMix64 finaliser, so that nearby inputs give unrelated outputs. */
    private static long mix(long value) {
        long z = value + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
