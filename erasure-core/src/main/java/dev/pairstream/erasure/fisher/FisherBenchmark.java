package dev.pairstream.erasure.fisher;

import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import java.util.Objects;
import java.util.Random;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times per-sample Fisher gradients from one batched backward pass against an ordinary batched backward pass of the
 * same batch, which yields only the summed gradient, and against a loop with one backward pass per sample.
 */
public final class FisherBenchmark {

    /** The batch size the comparison is meant for. */
    public static final int DEFAULT_BATCH_SIZE = 32;

    private static final Logger LOG = LoggerFactory.getLogger(FisherBenchmark.class);
    private static final double NANOS_PER_MILLI = 1e6;
    private static final int MINIMUM_CAPTION_TOKENS = 3;

    private FisherBenchmark() {
    }

    /**
     * Runs every kind of call {@code warmupIterations} times untimed, then {@code iterations} times timed, and
     * returns the mean wall time per call. The kinds run one after another, so a machine that is busy with other
     * work skews them unevenly.
     *
     * @param estimator        the estimator over the target modules
     * @param batch            the batch every call processes
     * @param seed             the seed of the timesteps and noise
     * @param warmupIterations untimed calls of each kind, 0 or more
     * @param iterations       timed calls of each kind, 1 or more
     * @throws IllegalArgumentException when an iteration count is out of range or the batch does not fit the model
     */
    public static FisherBenchmarkResult run(FisherEstimator estimator, FisherBatch batch, long seed,
            int warmupIterations, int iterations) {
        Objects.requireNonNull(estimator, "estimator");
        Objects.requireNonNull(batch, "batch");
        if (warmupIterations < 0) {
            throw new IllegalArgumentException("Invalid warm-up iterations " + warmupIterations
                    + "; expected 0 or more");
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("Invalid iterations " + iterations + "; expected 1 or more");
        }
        FisherKey key = new FisherKey("benchmark", "benchmark", PairHalf.UNSAFE);
        Runnable perSample = () -> estimator.accumulate(estimator.newAccumulator(key), batch, seed);
        Runnable plain = () -> estimator.summedGradient(batch, seed);
        Runnable naive = () -> estimator.accumulateNaive(estimator.newAccumulator(key), batch, seed);

        for (int iteration = 0; iteration < warmupIterations; iteration++) {
            perSample.run();
            plain.run();
            naive.run();
        }
        double perSampleMillis = meanMillis(perSample, iterations);
        double plainMillis = meanMillis(plain, iterations);
        double naiveMillis = meanMillis(naive, iterations);

        long targetParameters = estimator.shapes().values().stream().mapToLong(Shape::size).sum();
        FisherBenchmarkResult result = FisherBenchmarkResult.of(batch.batchSize(), estimator.shapes().size(),
                targetParameters, warmupIterations, iterations, perSampleMillis, plainMillis, naiveMillis);
        LOG.info("Fisher benchmark, batch {} over {} modules: per-sample {} ms, plain backward {} ms, naive loop {} ms"
                + " (per-sample/plain {}, naive/per-sample {})", result.batchSize(), result.modules(),
                String.format("%.1f", perSampleMillis), String.format("%.1f", plainMillis),
                String.format("%.1f", naiveMillis), String.format("%.2f", result.perSampleOverPlain()),
                String.format("%.2f", result.naiveOverPerSample()));
        return result;
    }

    /**
     * Creates a batch of random inputs that fits a UNet config: pictures uniform in [-1, 1] at the config's sample
     * size, standard normal contexts of {@code tokens} tokens, and masks that keep a random number of leading tokens,
     * at least 3 or all of them when there are fewer. Sample ids run from 0 to {@code batchSize - 1}.
     *
     * @throws IllegalArgumentException when the batch size or the token count is below 1
     */
    public static FisherBatch syntheticBatch(UNet2DConditionConfig config, int batchSize, int tokens, long seed) {
        Objects.requireNonNull(config, "config");
        if (batchSize < 1 || tokens < 1) {
            throw new IllegalArgumentException("Invalid synthetic batch of " + batchSize + " samples with " + tokens
                    + " tokens; expected at least 1 of each");
        }
        int side = config.sampleSize();
        Shape pictureShape = new Shape(batchSize, config.inChannels(), side, side);
        Shape contextShape = new Shape(batchSize, tokens, config.crossAttentionDim());

        SplittableRandom random = new SplittableRandom(seed);
        float[] pictures = new float[Math.toIntExact(pictureShape.size())];
        for (int index = 0; index < pictures.length; index++) {
            pictures[index] = (float) random.nextDouble(-1.0, 1.0);
        }

        Random gaussian = new Random(random.nextLong());
        float[] context = new float[Math.toIntExact(contextShape.size())];
        for (int index = 0; index < context.length; index++) {
            context[index] = (float) gaussian.nextGaussian();
        }

        float[] mask = new float[batchSize * tokens];
        long[] ids = new long[batchSize];
        // A tokenized caption has at least a start token, a word and an end token. With a single unmasked token the
        // attention weights are constant, so the gradients of the to_k weights would be exactly zero.
        int minimumTokens = Math.min(tokens, MINIMUM_CAPTION_TOKENS);
        for (int sample = 0; sample < batchSize; sample++) {
            int keptTokens = minimumTokens + random.nextInt(tokens - minimumTokens + 1);
            for (int token = 0; token < keptTokens; token++) {
                mask[sample * tokens + token] = 1f;
            }
            ids[sample] = sample;
        }
        return new FisherBatch(pictureShape, pictures, contextShape, context, mask, ids);
    }

    private static double meanMillis(Runnable call, int iterations) {
        long started = System.nanoTime();
        for (int iteration = 0; iteration < iterations; iteration++) {
            call.run();
        }
        return (System.nanoTime() - started) / NANOS_PER_MILLI / iterations;
    }
}
