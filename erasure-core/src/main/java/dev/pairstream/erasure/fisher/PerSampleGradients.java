package dev.pairstream.erasure.fisher;

import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The gradient of each sample's denoising loss with respect to each target module's {@code [out, in]} weight, as
 * float32 values in row-major order. It contains {@code B} copies of every target weight, so it suits tests and
 * diagnostics on small batches; the Fisher itself only needs {@link FisherEstimator#accumulate}.
 */
public final class PerSampleGradients {

    private final Map<String, Shape> shapes;
    private final Map<String, float[][]> gradients;
    private final int batchSize;

    /** Stores the gradients without copying them; {@code gradients} maps a module to {@code [sample][out * in]}. */
    PerSampleGradients(Map<String, Shape> shapes, Map<String, float[][]> gradients, int batchSize) {
        this.shapes = shapes;
        this.gradients = gradients;
        this.batchSize = batchSize;
    }

    /** Returns the number of samples B. */
    public int batchSize() {
        return batchSize;
    }

    /** Returns the module paths in order. */
    public List<String> modules() {
        return List.copyOf(shapes.keySet());
    }

    /** Returns the {@code [out, in]} weight shape of every module, in module order; the map is read-only. */
    public Map<String, Shape> shapes() {
        return shapes;
    }

    /**
     * Returns a copy of one sample's gradient for one module, row-major {@code [out, in]}.
     *
     * @throws IllegalArgumentException  when there is no such module
     * @throws IndexOutOfBoundsException when the sample index is outside the batch
     */
    public float[] gradient(String module, int sample) {
        float[][] perSample = gradients.get(module);
        if (perSample == null) {
            throw new IllegalArgumentException("No per-sample gradients for module " + module + "; the modules are "
                    + shapes.keySet());
        }
        Objects.checkIndex(sample, batchSize);
        return perSample[sample].clone();
    }

    /** Computes {@code Σ_i g_i²} per module in double precision, the sums a {@link FisherAccumulator} adds. */
    public Map<String, double[]> squaredSums() {
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (Map.Entry<String, float[][]> entry : gradients.entrySet()) {
            double[] sum = new double[Math.toIntExact(shapes.get(entry.getKey()).size())];
            for (float[] gradient : entry.getValue()) {
                for (int index = 0; index < sum.length; index++) {
                    double value = gradient[index];
                    sum[index] += value * value;
                }
            }
            sums.put(entry.getKey(), sum);
        }
        return sums;
    }
}
