package dev.pairstream.erasure.pretrain;

import java.util.Random;
import java.util.SplittableRandom;

/**
 * Draws the batch of any step from the run seed. The scenes follow a new random permutation of the training set in
 * each epoch. Each sample's caption choice, dropped caption, timestep and noise come from a generator seeded by the
 * run seed and the sample's position in the run. A batch therefore depends neither on earlier batches nor on the
 * thread that prepares it.
 *
 * <p>Safe for use by one thread at a time.
 */
final class BatchPlanner {

    private static final long EPOCH_STREAM = 1;
    private static final long SAMPLE_STREAM = 2;

    private final TrainingSet data;
    private final CaptionContexts contexts;
    private final int batchSize;
    private final int trainTimesteps;
    private final double unconditionalProbability;
    private final long seed;
    private long cachedEpoch = -1;
    private int[] cachedPermutation;

    BatchPlanner(TrainingSet data, CaptionContexts contexts, int batchSize, int trainTimesteps,
            double unconditionalProbability, long seed) {
        this.data = data;
        this.contexts = contexts;
        this.batchSize = batchSize;
        this.trainTimesteps = trainTimesteps;
        this.unconditionalProbability = unconditionalProbability;
        this.seed = seed;
    }

    /** Draws the batch of {@code step} (counted from 0). */
    PreparedBatch prepare(long step) {
        int values = data.valuesPerPicture();
        int tokens = contexts.tokens();
        int hiddenSize = contexts.hiddenSize();
        int[] scenes = new int[batchSize];
        int[] captions = new int[batchSize];
        int[] timesteps = new int[batchSize];
        float[] pictures = new float[batchSize * values];
        float[] noise = new float[batchSize * values];
        float[] context = new float[batchSize * tokens * hiddenSize];
        float[] mask = new float[batchSize * tokens];

        for (int row = 0; row < batchSize; row++) {
            long position = Math.addExact(Math.multiplyExact(step, batchSize), row);
            int scene = sceneAt(position);
            SplittableRandom random = new SplittableRandom(Seeds.mix(seed, SAMPLE_STREAM, position));
            int caption = scene * data.captionsPerScene() + random.nextInt(data.captionsPerScene());
            boolean dropped = random.nextDouble() < unconditionalProbability;
            scenes[row] = scene;
            captions[row] = dropped ? -1 : caption;
            timesteps[row] = random.nextInt(trainTimesteps);
            // java.util.Random specifies nextGaussian exactly, so the noise is the same on every JVM.
            Random gaussian = new Random(random.nextLong());
            int offset = row * values;
            for (int i = 0; i < values; i++) {
                noise[offset + i] = (float) gaussian.nextGaussian();
            }
            data.copyPicture(scene, pictures, offset);
            contexts.write(captions[row], context, mask, row);
        }
        return new PreparedBatch(step, batchSize, tokens, hiddenSize, scenes, captions, timesteps, pictures, noise,
                context, mask);
    }

    /** Returns the scene at a position of the run's endless sequence of epoch permutations. */
    private int sceneAt(long position) {
        long epoch = position / data.size();
        int offset = (int) (position % data.size());
        if (epoch != cachedEpoch) {
            cachedPermutation = permutation(epoch);
            cachedEpoch = epoch;
        }
        return cachedPermutation[offset];
    }

    /** Shuffles 0..n-1 with Fisher-Yates from a generator seeded by the run seed and the epoch. */
    private int[] permutation(long epoch) {
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(Seeds.mix(seed, EPOCH_STREAM, epoch));
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }
}
