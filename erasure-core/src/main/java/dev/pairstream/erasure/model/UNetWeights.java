package dev.pairstream.erasure.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parameter tensors of a UNet keyed by their diffusers names, in state-dict order, owned by one child manager that
 * {@link #close()} releases.
 *
 * <p>Not thread-safe: an optimizer step and a forward pass must not run concurrently on the same weights.
 */
public final class UNetWeights implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UNetWeights.class);

    private final UNetParameterLayout layout;
    private final NDManager manager;
    private final Map<String, NDArray> arrays;

    private UNetWeights(UNetParameterLayout layout, NDManager manager, Map<String, NDArray> arrays) {
        this.layout = layout;
        this.manager = manager;
        this.arrays = Collections.unmodifiableMap(arrays);
    }

    /**
     * Creates freshly initialized weights. The values of each tensor depend only on {@code seed} and the tensor's
     * name, so the same seed gives bit-identical weights on every run and in any creation order.
     *
     * <p>Initialization follows PyTorch's defaults for {@code Conv2d} and {@code Linear} weights (Kaiming-uniform with
     * {@code a = sqrt(5)}, that is uniform in {@code [-1/sqrt(fan_in), 1/sqrt(fan_in)]}) but sets every bias to zero,
     * where PyTorch would draw biases uniformly too; normalization scales start at one and shifts at zero.
     *
     * @param layout the parameter layout
     * @param parent the manager under which a child manager for the weights is created
     * @param seed   the seed of the pseudo-random generator
     */
    public static UNetWeights initialize(UNetParameterLayout layout, NDManager parent, long seed) {
        NDManager manager = parent.newSubManager();
        try {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (ParameterSpec spec : layout.parameters()) {
                NDArray array = manager.create(initialValues(spec, seed), spec.shape());
                array.setName(spec.name());
                arrays.put(spec.name(), array);
            }
            LOG.debug("Initialized {} UNet parameters in {} tensors with seed {}", layout.parameterCount(),
                    arrays.size(), seed);
            return new UNetWeights(layout, manager, arrays);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Loads weights from a float32 safetensors file whose tensor names and shapes must match the layout exactly.
     *
     * @throws CheckpointException when the file is malformed, truncated or does not match the layout, naming the file
     *                             and the tensor
     * @throws IOException         when the file does not exist or cannot be read
     */
    public static UNetWeights load(UNetParameterLayout layout, Path safetensorsFile, NDManager parent)
            throws IOException {
        Map<String, Shape> expectedShapes = new LinkedHashMap<>();
        for (ParameterSpec spec : layout.parameters()) {
            expectedShapes.put(spec.name(), spec.shape());
        }
        NDManager manager = parent.newSubManager();
        try {
            Map<String, NDArray> arrays = SafetensorsFile.readFloat32(safetensorsFile, expectedShapes, manager);
            LOG.info("Loaded {} UNet tensors ({} parameters) from {}", arrays.size(), layout.parameterCount(),
                    safetensorsFile);
            return new UNetWeights(layout, manager, new LinkedHashMap<>(arrays));
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Writes these weights as a safetensors file, replacing any existing file atomically. */
    public void save(Path safetensorsFile) throws IOException {
        SafetensorsFile.write(safetensorsFile, arrays);
        LOG.info("Saved {} UNet tensors to {}", arrays.size(), safetensorsFile);
    }

    /** Returns the layout these weights follow. */
    public UNetParameterLayout layout() {
        return layout;
    }

    /** Returns the manager that owns every parameter array. */
    public NDManager manager() {
        return manager;
    }

    /**
     * Returns the parameter with this diffusers name.
     *
     * @throws IllegalArgumentException when the layout has no such parameter
     */
    public NDArray get(String name) {
        NDArray array = arrays.get(name);
        if (array == null) {
            throw new IllegalArgumentException("No UNet parameter named " + name
                    + " in this config; names look like down_blocks.0.resnets.0.conv1.weight");
        }
        return array;
    }

    /** Returns every parameter keyed by diffusers name in state-dict order; the map is read-only. */
    public Map<String, NDArray> asMap() {
        return arrays;
    }

    /** Returns the parameter names in state-dict order. */
    public List<String> names() {
        return List.copyOf(arrays.keySet());
    }

    /** Marks every parameter as requiring (or no longer requiring) gradients. */
    public void setRequiresGradient(boolean requiresGradient) {
        for (NDArray array : arrays.values()) {
            array.setRequiresGradient(requiresGradient);
        }
    }

    /**
     * Sets every accumulated gradient to zero. PyTorch adds each backward pass's gradients to the previous ones, so a
     * training loop calls this before each step.
     */
    public void zeroGradients() {
        // getGradient() wraps the native gradient in a new array on each call, and set(index, 0f) creates a scalar
        // array in the gradient's manager. Both go to a scope that closes here, so the parameter manager does not
        // grow by one array per parameter and step. Filling in place also clears NaN and infinite gradients, which
        // subtracting the gradient from itself would not.
        try (NDManager scope = manager.newSubManager()) {
            for (NDArray array : arrays.values()) {
                if (array.hasGradient()) {
                    NDArray gradient = array.getGradient();
                    gradient.attach(scope);
                    gradient.set(new NDIndex("..."), 0f);
                }
            }
        }
    }

    /** Releases every parameter array. */
    @Override
    public void close() {
        manager.close();
    }

    /**
     * Draws the initial values of one tensor from a generator seeded by {@code seed} and a 64-bit FNV-1a hash of the
     * tensor name.
     */
    private static float[] initialValues(ParameterSpec spec, long seed) {
        int count = Math.toIntExact(spec.elementCount());
        float[] values = new float[count];
        switch (spec.kind()) {
            case CONV_WEIGHT, LINEAR_WEIGHT -> {
                double bound = 1.0 / Math.sqrt(spec.fanIn());
                SplittableRandom random = new SplittableRandom(seed ^ nameHash(spec.name()));
                for (int index = 0; index < count; index++) {
                    values[index] = (float) random.nextDouble(-bound, bound);
                }
            }
            case NORM_WEIGHT -> Arrays.fill(values, 1f);
            case BIAS, NORM_BIAS -> {
                // Already zero.
            }
        }
        return values;
    }

    private static long nameHash(String name) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        return hash;
    }
}
