package dev.pairstream.erasure.fisher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable diagonal empirical Fisher estimate kept as a sum: the number of samples n and, for every module, the
 * element-wise sum of squared per-sample gradients {@code Σ_i (∂L_i/∂W)²} of the module's {@code [out, in]} weight.
 * The Fisher itself is {@link #mean(String) Σ/n}.
 *
 * <p>Keeping the sum instead of the mean makes estimates of disjoint sample sets mergeable: {@link #merge} adds counts
 * and sums, so partial estimates from several workers combine into the estimate over all their samples. The sums are
 * kept in double precision so that merging adds almost no rounding error to the float32 gradients.
 */
public final class FisherEstimate {

    private final FisherKey key;
    private final Map<String, Shape> shapes;
    private final long sampleCount;
    private final Map<String, double[]> sums;

    private FisherEstimate(FisherKey key, Map<String, Shape> shapes, long sampleCount, Map<String, double[]> sums) {
        this.key = key;
        this.shapes = shapes;
        this.sampleCount = sampleCount;
        this.sums = sums;
    }

    /**
     * Creates an estimate from its sums.
     *
     * @param key         what the estimate measures
     * @param shapes      the {@code [out, in]} weight shape of every module, in module order
     * @param sampleCount the number of samples n whose squared gradients the sums contain
     * @param sums        for every module, the sum of squared per-sample gradients in row-major {@code [out, in]} order;
     *                    the arrays are copied
     * @throws IllegalArgumentException when there are no modules, a shape is not a positive {@code [out, in]}, a sum is
     *                                  missing, extra, of the wrong length, negative or not finite, the count is
     *                                  negative, or the count is zero while a sum is not
     */
    public static FisherEstimate of(FisherKey key, Map<String, Shape> shapes, long sampleCount,
            Map<String, double[]> sums) {
        Objects.requireNonNull(key, "key");
        Map<String, Shape> checkedShapes = checkShapes(shapes);
        Objects.requireNonNull(sums, "sums");
        if (sampleCount < 0) {
            throw new IllegalArgumentException("Invalid sample count " + sampleCount + " for the Fisher estimate of "
                    + key + "; expected 0 or more");
        }
        for (String module : sums.keySet()) {
            if (!checkedShapes.containsKey(module)) {
                throw new IllegalArgumentException("Fisher sums contain module " + module
                        + ", which is not among the estimate's modules " + checkedShapes.keySet());
            }
        }
        Map<String, double[]> copies = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> entry : checkedShapes.entrySet()) {
            String module = entry.getKey();
            double[] sum = sums.get(module);
            if (sum == null) {
                throw new IllegalArgumentException("Fisher sums lack module " + module);
            }
            checkSum(module, entry.getValue(), sum);
            if (sampleCount == 0 && Arrays.stream(sum).anyMatch(value -> value != 0)) {
                throw new IllegalArgumentException("Fisher sums of module " + module
                        + " are not zero although the sample count is 0");
            }
            copies.put(module, sum.clone());
        }
        return new FisherEstimate(key, checkedShapes, sampleCount, Collections.unmodifiableMap(copies));
    }

    /** Creates an estimate of zero samples, the identity of {@link #merge}. */
    public static FisherEstimate empty(FisherKey key, Map<String, Shape> shapes) {
        Map<String, double[]> zeros = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> entry : checkShapes(shapes).entrySet()) {
            zeros.put(entry.getKey(), new double[Math.toIntExact(entry.getValue().size())]);
        }
        return of(key, shapes, 0, zeros);
    }

    /**
     * Reads an estimate that {@link #save} wrote.
     *
     * @throws java.nio.file.NoSuchFileException when the file does not exist
     * @throws dev.pairstream.erasure.model.CheckpointException when the file is truncated, malformed or not a Fisher
     *                                                          estimate, naming the file and the tensor if any
     * @throws IOException when the file cannot be read
     */
    public static FisherEstimate load(Path file) throws IOException {
        return FisherFile.read(file, null);
    }

    /**
     * Reads an estimate that {@link #save} wrote and checks that it covers exactly the expected modules with the
     * expected shapes, such as the adapted layers of the base model it will be used with.
     *
     * @param expectedShapes the {@code [out, in]} shape of every module the file must contain
     * @throws dev.pairstream.erasure.model.CheckpointException when the file is truncated or malformed, or a module is
     *                                                          missing, extra or of another shape, naming the file
     *                                                          and the tensor
     * @throws IOException when the file does not exist or cannot be read
     */
    public static FisherEstimate load(Path file, Map<String, Shape> expectedShapes) throws IOException {
        return FisherFile.read(file, checkShapes(expectedShapes));
    }

    /**
     * Writes this estimate as a safetensors file with one float64 tensor of sums per module and the key, the sample
     * count and the module list in the header's metadata. The file is replaced atomically.
     */
    public void save(Path file) throws IOException {
        FisherFile.write(file, this);
    }

    /**
     * Merges this estimate with one over a disjoint set of samples, giving the estimate over the union.
     *
     * @throws IllegalArgumentException when the keys differ, or a module is missing from one estimate or has another
     *                                  shape in it, naming the module
     */
    public FisherEstimate merge(FisherEstimate other) {
        Objects.requireNonNull(other, "other");
        requireCompatible(key, shapes, other);
        Map<String, double[]> merged = new LinkedHashMap<>();
        for (String module : shapes.keySet()) {
            double[] sum = sums.get(module).clone();
            double[] otherSum = other.sums.get(module);
            for (int index = 0; index < sum.length; index++) {
                sum[index] += otherSum[index];
            }
            merged.put(module, sum);
        }
        return new FisherEstimate(key, shapes, Math.addExact(sampleCount, other.sampleCount),
                Collections.unmodifiableMap(merged));
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

    /** Returns the number of samples n that the sums cover. */
    public long sampleCount() {
        return sampleCount;
    }

    /**
     * Returns a copy of one module's sum of squared per-sample gradients, row-major {@code [out, in]}.
     *
     * @throws IllegalArgumentException when the estimate has no such module
     */
    public double[] sum(String module) {
        return requireModule(module).clone();
    }

    /**
     * Computes one module's diagonal Fisher {@code Σ_i g_i² / n}, row-major {@code [out, in]}.
     *
     * @throws IllegalArgumentException when the estimate has no such module
     * @throws IllegalStateException    when the estimate covers no samples
     */
    public double[] mean(String module) {
        double[] sum = requireModule(module);
        requireSamples();
        double[] mean = new double[sum.length];
        for (int index = 0; index < sum.length; index++) {
            mean[index] = sum[index] / sampleCount;
        }
        return mean;
    }

    /**
     * Computes the diagonal Fisher of every module as a float32 {@code [out, in]} array in {@code manager}.
     *
     * @throws IllegalStateException when the estimate covers no samples
     */
    public Map<String, NDArray> meanArrays(NDManager manager) {
        Objects.requireNonNull(manager, "manager");
        requireSamples();
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> entry : shapes.entrySet()) {
            double[] mean = mean(entry.getKey());
            float[] values = new float[mean.length];
            for (int index = 0; index < mean.length; index++) {
                values[index] = (float) mean[index];
            }
            NDArray array = manager.create(values, entry.getValue());
            array.setName(entry.getKey());
            arrays.put(entry.getKey(), array);
        }
        return arrays;
    }

    /** Compares key, count, shapes and every sum bit for bit. */
    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof FisherEstimate that)) {
            return false;
        }
        if (!key.equals(that.key) || sampleCount != that.sampleCount || !shapes.equals(that.shapes)) {
            return false;
        }
        for (String module : shapes.keySet()) {
            if (!Arrays.equals(sums.get(module), that.sums.get(module))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int hash = Objects.hash(key, sampleCount, shapes);
        for (double[] sum : sums.values()) {
            hash = 31 * hash + Arrays.hashCode(sum);
        }
        return hash;
    }

    @Override
    public String toString() {
        return "FisherEstimate[" + key + ", " + sampleCount + " samples, " + shapes.size() + " modules]";
    }

    /** Returns the stored sum without copying, for the file writer. */
    double[] sumView(String module) {
        return requireModule(module);
    }

    /**
     * Checks that {@code other} has the given key and exactly the given modules and shapes.
     *
     * @throws IllegalArgumentException naming the first key part or module that differs
     */
    static void requireCompatible(FisherKey key, Map<String, Shape> shapes, FisherEstimate other) {
        if (!key.equals(other.key)) {
            throw new IllegalArgumentException("Cannot merge Fisher estimates of different keys: " + key + " and "
                    + other.key);
        }
        for (Map.Entry<String, Shape> entry : shapes.entrySet()) {
            String module = entry.getKey();
            Shape otherShape = other.shapes.get(module);
            if (otherShape == null) {
                throw new IllegalArgumentException("Cannot merge Fisher estimates of " + key + ": module " + module
                        + " is missing from the other estimate");
            }
            if (!otherShape.equals(entry.getValue())) {
                throw new IllegalArgumentException("Cannot merge Fisher estimates of " + key + ": module " + module
                        + " has shape " + entry.getValue() + " in one and " + otherShape + " in the other");
            }
        }
        for (String module : other.shapes.keySet()) {
            if (!shapes.containsKey(module)) {
                throw new IllegalArgumentException("Cannot merge Fisher estimates of " + key + ": module " + module
                        + " is only in the other estimate");
            }
        }
    }

    /**
     * Validates and copies a module-to-shape map.
     *
     * @throws IllegalArgumentException when it is empty, a module path is blank, or a shape is not {@code [out, in]}
     *                                  with positive sizes and at most {@link Integer#MAX_VALUE} elements
     */
    static Map<String, Shape> checkShapes(Map<String, Shape> shapes) {
        Objects.requireNonNull(shapes, "shapes");
        if (shapes.isEmpty()) {
            throw new IllegalArgumentException("A Fisher estimate needs at least one module");
        }
        Map<String, Shape> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> entry : shapes.entrySet()) {
            String module = entry.getKey();
            Shape shape = entry.getValue();
            if (module == null || module.isBlank()) {
                throw new IllegalArgumentException("Invalid Fisher module path \"" + module + "\"; expected a"
                        + " diffusers module path such as mid_block.attentions.0.transformer_blocks.0.attn2.to_k");
            }
            if (shape == null || shape.dimension() != 2 || shape.get(0) < 1 || shape.get(1) < 1
                    || shape.size() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("Invalid shape " + shape + " for Fisher module " + module
                        + "; expected a Linear weight shape [out, in] with positive sizes");
            }
            copy.put(module, shape);
        }
        return Collections.unmodifiableMap(copy);
    }

    /**
     * Checks one module's sum against its shape.
     *
     * @throws IllegalArgumentException when the length differs from the shape's element count or a value is negative
     *                                  or not finite
     */
    static void checkSum(String module, Shape shape, double[] sum) {
        if (sum.length != shape.size()) {
            throw new IllegalArgumentException("Fisher sums of module " + module + " have " + sum.length
                    + " values; expected " + shape.size() + " for shape " + shape);
        }
        for (int index = 0; index < sum.length; index++) {
            double value = sum[index];
            if (!(value >= 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException("Fisher sums of module " + module + " contain " + value
                        + " at index " + index + "; expected finite values of 0 or more");
            }
        }
    }

    private double[] requireModule(String module) {
        double[] sum = sums.get(module);
        if (sum == null) {
            throw new IllegalArgumentException("The Fisher estimate of " + key + " has no module " + module
                    + "; its modules are " + shapes.keySet());
        }
        return sum;
    }

    private void requireSamples() {
        if (sampleCount == 0) {
            throw new IllegalStateException("The Fisher estimate of " + key
                    + " covers no samples, so its mean is undefined");
        }
    }
}
