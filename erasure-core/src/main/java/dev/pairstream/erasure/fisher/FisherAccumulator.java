package dev.pairstream.erasure.fisher;

import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A mutable running sum of squared per-sample gradients, which {@link FisherEstimator} adds batches to and
 * {@link #toEstimate()} turns into an immutable {@link FisherEstimate}.
 *
 * <p>Not thread-safe. Workers that estimate in parallel keep one accumulator each and merge their estimates.
 */
public final class FisherAccumulator {

    private final FisherKey key;
    private final Map<String, Shape> shapes;
    private final Map<String, double[]> sums = new LinkedHashMap<>();
    private long sampleCount;

    /**
     * Creates an accumulator of zero samples.
     *
     * @param key    what the estimate measures
     * @param shapes the {@code [out, in]} weight shape of every module, in module order
     * @throws IllegalArgumentException when there are no modules or a shape is not a positive {@code [out, in]}
     */
    public FisherAccumulator(FisherKey key, Map<String, Shape> shapes) {
        this.key = Objects.requireNonNull(key, "key");
        this.shapes = FisherEstimate.checkShapes(shapes);
        for (Map.Entry<String, Shape> entry : this.shapes.entrySet()) {
            sums.put(entry.getKey(), new double[Math.toIntExact(entry.getValue().size())]);
        }
    }

    /**
     * Adds the squared gradients of {@code samples} samples.
     *
     * @param squaredGradientSums for every module, {@code Σ_i g_i²} over the added samples, row-major {@code [out, in]}
     * @param samples             how many samples the sums cover, at least 1
     * @throws IllegalArgumentException when a module is missing or extra, or a sum has the wrong length or a negative
     *                                  or non-finite value, naming the module; nothing is added then
     */
    public void add(Map<String, double[]> squaredGradientSums, long samples) {
        Objects.requireNonNull(squaredGradientSums, "squaredGradientSums");
        if (samples < 1) {
            throw new IllegalArgumentException("Invalid sample count " + samples + " to add to the Fisher estimate of "
                    + key + "; expected 1 or more");
        }
        // Everything is checked before anything is added, so a rejected batch leaves the accumulator unchanged.
        for (String module : squaredGradientSums.keySet()) {
            if (!shapes.containsKey(module)) {
                throw new IllegalArgumentException("Fisher sums contain module " + module
                        + ", which is not among the accumulator's modules " + shapes.keySet());
            }
        }
        for (Map.Entry<String, Shape> entry : shapes.entrySet()) {
            double[] added = squaredGradientSums.get(entry.getKey());
            if (added == null) {
                throw new IllegalArgumentException("Fisher sums lack module " + entry.getKey());
            }
            FisherEstimate.checkSum(entry.getKey(), entry.getValue(), added);
        }
        long newCount = Math.addExact(sampleCount, samples);
        for (Map.Entry<String, double[]> entry : sums.entrySet()) {
            addInto(entry.getValue(), squaredGradientSums.get(entry.getKey()));
        }
        sampleCount = newCount;
    }

    /**
     * Adds an estimate over samples disjoint from the ones already added.
     *
     * @throws IllegalArgumentException when the key differs, or a module is missing from the estimate or has another
     *                                  shape in it, naming the module
     */
    public void merge(FisherEstimate estimate) {
        Objects.requireNonNull(estimate, "estimate");
        FisherEstimate.requireCompatible(key, shapes, estimate);
        long newCount = Math.addExact(sampleCount, estimate.sampleCount());
        for (Map.Entry<String, double[]> entry : sums.entrySet()) {
            addInto(entry.getValue(), estimate.sumView(entry.getKey()));
        }
        sampleCount = newCount;
    }

    /** Returns what the estimate measures. */
    public FisherKey key() {
        return key;
    }

    /** Returns the module paths in order. */
    public List<String> modules() {
        return List.copyOf(shapes.keySet());
    }

    /** Returns the {@code [out, in]} weight shape of every module, in module order; the map is read-only. */
    public Map<String, Shape> shapes() {
        return shapes;
    }

    /** Returns the number of samples added so far. */
    public long sampleCount() {
        return sampleCount;
    }

    /** Creates an immutable estimate of the samples added so far; later additions do not change it. */
    public FisherEstimate toEstimate() {
        return FisherEstimate.of(key, shapes, sampleCount, sums);
    }

    private static void addInto(double[] target, double[] added) {
        for (int index = 0; index < target.length; index++) {
            target[index] += added[index];
        }
    }
}
