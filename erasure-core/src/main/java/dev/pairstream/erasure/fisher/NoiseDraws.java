package dev.pairstream.erasure.fisher;

import java.util.Random;
import java.util.SplittableRandom;

/**
 * The diffusion timestep and standard normal noise of each sample of a batch, drawn from a generator seeded by the
 * estimation seed and the sample's id alone.
 *
 * @param timesteps one timestep per sample, each in {@code [0, numTrainTimesteps)}
 * @param noise     row-major {@code [B, C, H, W]} standard normal noise
 */
record NoiseDraws(int[] timesteps, float[] noise) {

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    /**
     * Draws the timestep and noise of every sample.
     *
     * @param seed              the estimation seed
     * @param sampleIds         one id per sample
     * @param numTrainTimesteps the number of diffusion steps of the noise schedule
     * @param valuesPerPicture  {@code C * H * W}
     */
    static NoiseDraws draw(long seed, long[] sampleIds, int numTrainTimesteps, int valuesPerPicture) {
        int[] timesteps = new int[sampleIds.length];
        float[] noise = new float[Math.multiplyExact(sampleIds.length, valuesPerPicture)];
        for (int sample = 0; sample < sampleIds.length; sample++) {
            SplittableRandom random = new SplittableRandom(mix(seed, sampleIds[sample]));
            timesteps[sample] = random.nextInt(numTrainTimesteps);
            // java.util.Random specifies nextGaussian exactly, so the noise is the same on every JVM.
            Random gaussian = new Random(random.nextLong());
            int offset = sample * valuesPerPicture;
            for (int index = 0; index < valuesPerPicture; index++) {
                noise[offset + index] = (float) gaussian.nextGaussian();
            }
        }
        return new NoiseDraws(timesteps, noise);
    }

    /** Mixes the seed and the id with SplitMix64's finalizer, so nearby ids give unrelated generators. */
    private static long mix(long seed, long id) {
        return finalizer(finalizer(seed) + GOLDEN_GAMMA + finalizer(id));
    }

    /** SplitMix64's output function (Steele, Lea and Flood 2014, "Fast splittable pseudorandom number generators"). */
    private static long finalizer(long value) {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
