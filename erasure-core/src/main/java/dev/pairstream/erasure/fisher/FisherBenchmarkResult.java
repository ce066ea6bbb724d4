package dev.pairstream.erasure.fisher;

/**
 * The timings of {@link FisherBenchmark}: the mean wall time of one call of each way to get gradients of the same
 * batch, and their ratios.
 *
 * @param batchSize           the number of samples per call
 * @param modules             the number of target modules
 * @param targetParameters    the number of weights across the target modules
 * @param warmupIterations    untimed calls of each kind before timing
 * @param iterations          timed calls of each kind
 * @param perSampleMillis     one batched backward pass with per-sample weight offsets, squared and summed
 * @param plainBackwardMillis one ordinary batched backward pass with one shared offset on the target weights
 * @param naiveLoopMillis     one forward and backward pass per sample, squared and summed
 * @param perSampleOverPlain  {@code perSampleMillis / plainBackwardMillis}, the cost of per-sample gradients
 * @param naiveOverPerSample  {@code naiveLoopMillis / perSampleMillis}, the speedup over the naive loop
 */
public record FisherBenchmarkResult(int batchSize, int modules, long targetParameters, int warmupIterations,
        int iterations, double perSampleMillis, double plainBackwardMillis, double naiveLoopMillis,
        double perSampleOverPlain, double naiveOverPerSample) {

    /**
     * Creates a result from the three mean timings, computing the ratios.
     *
     * @throws IllegalArgumentException when a timing is not positive and finite
     */
    public static FisherBenchmarkResult of(int batchSize, int modules, long targetParameters, int warmupIterations,
            int iterations, double perSampleMillis, double plainBackwardMillis, double naiveLoopMillis) {
        requireTiming(perSampleMillis, "perSampleMillis");
        requireTiming(plainBackwardMillis, "plainBackwardMillis");
        requireTiming(naiveLoopMillis, "naiveLoopMillis");
        return new FisherBenchmarkResult(batchSize, modules, targetParameters, warmupIterations, iterations,
                perSampleMillis, plainBackwardMillis, naiveLoopMillis, perSampleMillis / plainBackwardMillis,
                naiveLoopMillis / perSampleMillis);
    }

    private static void requireTiming(double millis, String name) {
        if (!(millis > 0) || Double.isInfinite(millis)) {
            throw new IllegalArgumentException("Invalid " + name + " " + millis + "; expected a positive time");
        }
    }
}
