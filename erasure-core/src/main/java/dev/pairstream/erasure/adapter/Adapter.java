package dev.pairstream.erasure.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.model.LinearWeightResolver;
import dev.pairstream.erasure.model.UNetWeights;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A set of DoRA or LoRA layers on a UNet's Linear layers, keyed by module path in state-dict order, with the arrays
 * owned by one child manager that {@link #close()} releases.
 *
 * <p>The adapter is the {@link LinearWeightResolver} of a forward pass: it computes each adapted weight in the step
 * manager, so a backward pass inside a {@code GradientCollector} reaches the trainable arrays of
 * {@link #parameters()} once {@link #setRequiresGradient(boolean)} has marked them. Layers it does not adapt get their
 * stored weight. For inference, {@link #merge} writes the adapted weights into the base weights and {@link #unmerge}
 * restores them.
 *
 * <p>Not thread-safe: an optimizer step, a merge and a forward pass must not run concurrently.
 */
public final class Adapter implements LinearWeightResolver, AutoCloseable {

    /** The provenance key that names how the adapter was initialized. */
    public static final String INITIALIZATION_KEY = "initialization";

    private static final Logger LOG = LoggerFactory.getLogger(Adapter.class);
    private static final String WEIGHT_SUFFIX = ".weight";

    private final AdapterConfig config;
    private final NDManager manager;
    private final Map<String, AdapterLayer> layers;
    private final boolean residualBases;
    private final Map<String, NDArray> originalWeights = new LinkedHashMap<>();
    private UNetWeights mergedInto;

    /**
     * Wraps layers whose arrays all belong to {@code manager}, which the adapter then owns.
     *
     * @throws IllegalArgumentException when a layer's type, rank or scaling does not match the config, or only some
     *                                  layers have a residual base
     */
    Adapter(AdapterConfig config, NDManager manager, Map<String, AdapterLayer> layers) {
        this.config = Objects.requireNonNull(config, "config");
        this.manager = Objects.requireNonNull(manager, "manager");
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("An adapter needs at least one layer; the target modules "
                    + config.targetModules() + " selected none");
        }
        float scaling = (float) config.scaling();
        int withResidual = 0;
        for (Map.Entry<String, AdapterLayer> entry : layers.entrySet()) {
            AdapterLayer layer = entry.getValue();
            if (!entry.getKey().equals(layer.modulePath())) {
                throw new IllegalArgumentException("Adapter layer " + layer.modulePath() + " is keyed as "
                        + entry.getKey());
            }
            if ((layer instanceof DoraLayer) != config.useDora()) {
                throw new IllegalArgumentException("Adapter layer " + layer.modulePath() + " is a "
                        + layer.getClass().getSimpleName() + " but the config has use_dora=" + config.useDora());
            }
            if (layer.rank() != config.rank() || layer.scaling() != scaling) {
                throw new IllegalArgumentException("Adapter layer " + layer.modulePath() + " has rank "
                        + layer.rank() + " and scaling " + layer.scaling() + "; the config expects rank "
                        + config.rank() + " and scaling " + scaling);
            }
            if (layer.residualBase().isPresent()) {
                withResidual++;
            }
        }
        if (withResidual != 0 && withResidual != layers.size()) {
            throw new IllegalArgumentException(withResidual + " of " + layers.size()
                    + " adapter layers have a residual base; expected all or none");
        }
        this.residualBases = withResidual > 0;
        this.layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
    }

    /**
     * Creates an adapter with the standard initialization: {@code A} Kaiming-uniform like PEFT (uniform in
     * {@code [-1/sqrt(in), 1/sqrt(in)]}), {@code B} zero and, for DoRA, the magnitude set to the row norms of the base
     * weight. The adapted model therefore equals the base model until training changes {@code B}.
     *
     * <p>Each layer's {@code A} depends only on {@code seed} and its module path, so the same seed gives bit-identical
     * adapters.
     *
     * @param config the adapter settings; its target modules select the layers
     * @param base   the weights of the model to adapt
     * @param parent the manager under which the adapter's manager is created
     * @param seed   the seed of the pseudo-random generator
     * @throws IllegalArgumentException when a target module name selects nothing or the rank exceeds a layer's width
     */
    public static Adapter initialize(AdapterConfig config, UNetWeights base, NDManager parent, long seed) {
        Objects.requireNonNull(config, "config");
        List<String> paths = TargetModules.select(base.layout(), config.targetModules());
        NDManager manager = parent.newSubManager();
        try {
            float scaling = (float) config.scaling();
            Map<String, AdapterLayer> layers = new LinkedHashMap<>();
            for (String path : paths) {
                NDArray weight = base.get(path + WEIGHT_SUFFIX);
                long out = weight.getShape().get(0);
                long in = weight.getShape().get(1);
                requireRankFits(config.rank(), path, weight.getShape());
                NDArray loraA = manager.create(kaimingUniform(config.rank() * in, in, seed, path),
                        new Shape(config.rank(), in));
                NDArray loraB = manager.zeros(new Shape(out, config.rank()));
                AdapterLayer layer;
                if (config.useDora()) {
                    NDArray magnitude = weight.norm(new int[] {1});
                    magnitude.attach(manager);
                    layer = new DoraLayer(path, loraA, loraB, magnitude, scaling);
                } else {
                    layer = new LoraLayer(path, loraA, loraB, scaling);
                }
                layers.put(path, layer);
            }
            AdapterConfig recorded = config.withProvenance(Map.of(INITIALIZATION_KEY, "standard",
                    "seed", Long.toString(seed)));
            Adapter adapter = new Adapter(recorded, manager, layers);
            LOG.info("Initialized {} adapter on {} layers (r={}, alpha={}, seed {})",
                    config.useDora() ? "DoRA" : "LoRA", layers.size(), config.rank(), config.alpha(), seed);
            return adapter;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Creates a LoRA adapter that adds exactly the given weight changes, for methods that edit weights in closed form
     * rather than by training factors. A change {@code ΔW [out, in]} is written as {@code B · A} with the identity as
     * one factor and {@code ΔW} as the other, padded with zeros to one common rank {@code r = max(min(out, in))}, and
     * {@code lora_alpha = r} so that the scaling is 1. The files are then as large as the changed weights, which is
     * the price of an exact, factor-free edit in PEFT's format.
     *
     * @param targetModules the module names the changes cover, recorded as the config's target modules
     * @param deltas        weight changes by module path, each shaped like the base layer's weight
     * @param base          the weights the changes apply to
     * @param provenance    facts recorded with the adapter
     * @param parent        the manager under which the adapter's manager is created
     * @throws IllegalArgumentException when there are no changes, or a change names an unknown layer or has another
     *                                  shape than it
     */
    public static Adapter ofWeightDeltas(List<String> targetModules, Map<String, NDArray> deltas, UNetWeights base,
            Map<String, String> provenance, NDManager parent) {
        if (deltas.isEmpty()) {
            throw new IllegalArgumentException("No weight changes to wrap; expected at least one layer");
        }
        int rank = 0;
        for (Map.Entry<String, NDArray> entry : deltas.entrySet()) {
            String path = entry.getKey();
            if (base.layout().find(path + WEIGHT_SUFFIX).isEmpty()) {
                throw new IllegalArgumentException("No layer " + path + " in the base model for a weight change");
            }
            Shape expected = base.get(path + WEIGHT_SUFFIX).getShape();
            if (!entry.getValue().getShape().equals(expected)) {
                throw new IllegalArgumentException("The weight change of " + path + " has shape "
                        + entry.getValue().getShape() + "; the layer's weight has " + expected);
            }
            rank = (int) Math.max(rank, Math.min(expected.get(0), expected.get(1)));
        }
        NDManager manager = parent.newSubManager();
        try {
            Map<String, AdapterLayer> layers = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> entry : deltas.entrySet()) {
                NDArray delta = entry.getValue();
                long out = delta.getShape().get(0);
                long in = delta.getShape().get(1);
                NDArray loraA = manager.zeros(new Shape(rank, in));
                NDArray loraB = manager.zeros(new Shape(out, rank));
                if (out <= in) {
                    // B = [I_out | 0], A = [ΔW; 0]
                    loraB.set(new NDIndex(":, 0:" + out), manager.eye((int) out));
                    loraA.set(new NDIndex("0:" + out + ", :"), delta.toType(DataType.FLOAT32, true));
                } else {
                    // A = [I_in; 0], B = [ΔW | 0]
                    loraA.set(new NDIndex("0:" + in + ", :"), manager.eye((int) in));
                    loraB.set(new NDIndex(":, 0:" + in), delta.toType(DataType.FLOAT32, true));
                }
                layers.put(entry.getKey(), new LoraLayer(entry.getKey(), loraA, loraB, 1f));
            }
            Map<String, String> recorded = new LinkedHashMap<>(provenance);
            recorded.put(INITIALIZATION_KEY, "weight-deltas");
            AdapterConfig config = new AdapterConfig(rank, rank, false, targetModules, null, recorded);
            return new Adapter(config, manager, layers);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Returns the settings. */
    public AdapterConfig config() {
        return config;
    }

    /** Returns the layers keyed by module path in state-dict order; the map is read-only. */
    public Map<String, AdapterLayer> layers() {
        return layers;
    }

    /**
     * Returns the layer of a module path.
     *
     * @throws IllegalArgumentException when the adapter does not adapt that module
     */
    public AdapterLayer layer(String modulePath) {
        AdapterLayer layer = layers.get(modulePath);
        if (layer == null) {
            throw new IllegalArgumentException("The adapter has no layer for module " + modulePath
                    + "; it adapts " + layers.keySet());
        }
        return layer;
    }

    /** Returns the manager that owns every adapter array. */
    public NDManager manager() {
        return manager;
    }

    /** Returns whether the layers have FiDoRA residual bases, which {@link #exportForBase} folds away. */
    public boolean hasResidualBases() {
        return residualBases;
    }

    /**
     * Returns every trainable array keyed by its PEFT name ({@code <module>.lora_A.weight},
     * {@code <module>.lora_B.weight}, {@code <module>.lora_magnitude_vector}), in layer order; the map is a copy.
     */
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> parameters = new LinkedHashMap<>();
        for (AdapterLayer layer : layers.values()) {
            parameters.putAll(layer.parameters());
        }
        return parameters;
    }

    /** Marks every trainable array as requiring (or no longer requiring) gradients. */
    public void setRequiresGradient(boolean requiresGradient) {
        for (NDArray parameter : parameters().values()) {
            parameter.setRequiresGradient(requiresGradient);
        }
    }

    /** Sets every accumulated gradient of the trainable arrays to zero, as a training loop does before each step. */
    public void zeroGradients() {
        // getGradient() wraps the native gradient in a new array on each call, and set(index, 0f) creates a scalar
        // array in the gradient's manager. Both go to a scope that closes here, so this manager does not grow.
        try (NDManager scope = manager.newSubManager()) {
            for (NDArray parameter : parameters().values()) {
                if (parameter.hasGradient()) {
                    NDArray gradient = parameter.getGradient();
                    gradient.attach(scope);
                    gradient.set(new NDIndex("..."), 0f);
                }
            }
        }
    }

    /**
     * Returns the adapted weight of an adapted layer, computed in {@code stepManager}, and the stored weight of any
     * other layer.
     *
     * @throws IllegalStateException when the adapter is merged into base weights, because applying it again would
     *                               adapt the layer twice
     */
    @Override
    public NDArray resolve(String modulePath, NDArray storedWeight, NDManager stepManager) {
        AdapterLayer layer = layers.get(modulePath);
        if (layer == null) {
            return storedWeight;
        }
        if (mergedInto != null) {
            throw new IllegalStateException("The adapter is merged into the base weights; run the model with"
                    + " LinearWeightResolver.stored(), or unmerge the adapter before using it as a resolver");
        }
        return layer.adaptedWeight(storedWeight, stepManager);
    }

    /**
     * Writes each adapted weight into {@code weights} in place, so that the model with its stored weights computes
     * what it computed with this adapter as resolver. Keeps a copy of each replaced weight for {@link #unmerge}. Call
     * it outside any {@code GradientCollector}: PyTorch rejects in-place writes to recorded leaves.
     *
     * @throws IllegalStateException    when the adapter is already merged
     * @throws IllegalArgumentException when {@code weights} lack an adapted layer or hold it with another shape
     */
    public void merge(UNetWeights weights) {
        Objects.requireNonNull(weights, "weights");
        if (mergedInto != null) {
            throw new IllegalStateException("The adapter is already merged; unmerge it before merging again");
        }
        try (NDManager scope = manager.newSubManager()) {
            // Every adapted weight is computed before the first write, so a failing layer leaves the base untouched.
            Map<String, NDArray> adapted = new LinkedHashMap<>();
            for (AdapterLayer layer : layers.values()) {
                NDArray stored = weights.get(layer.modulePath() + WEIGHT_SUFFIX);
                adapted.put(layer.modulePath(), layer.adaptedWeight(stored, scope));
            }
            for (Map.Entry<String, NDArray> entry : adapted.entrySet()) {
                NDArray stored = weights.get(entry.getKey() + WEIGHT_SUFFIX);
                NDArray original = stored.duplicate();
                original.attach(manager);
                originalWeights.put(entry.getKey(), original);
                stored.set(new NDIndex("..."), entry.getValue());
            }
        }
        mergedInto = weights;
        LOG.info("Merged adapter into {} base weights", layers.size());
    }

    /**
     * Restores the weights that {@link #merge} replaced.
     *
     * <p>The originals are restored from copies rather than by inverting the merge: a DoRA merge rescales each row by
     * {@code m / ||V||}, whose inverse needs the unmerged weight it is meant to recover, and even the LoRA merge
     * {@code W + s * B * A} does not round-trip exactly in float32 once {@code s * B * A} is subtracted again.
     *
     * @throws IllegalStateException when the adapter is not merged into {@code weights}
     */
    public void unmerge(UNetWeights weights) {
        Objects.requireNonNull(weights, "weights");
        if (mergedInto != weights) {
            throw new IllegalStateException(mergedInto == null ? "The adapter is not merged"
                    : "The adapter is merged into other weights than the ones given");
        }
        for (Map.Entry<String, NDArray> entry : originalWeights.entrySet()) {
            weights.get(entry.getKey() + WEIGHT_SUFFIX).set(new NDIndex("..."), entry.getValue());
            entry.getValue().close();
        }
        originalWeights.clear();
        mergedInto = null;
        LOG.info("Unmerged adapter from {} base weights", layers.size());
    }

    /** Returns whether the adapter is merged into base weights. */
    public boolean isMerged() {
        return mergedInto != null;
    }

    /**
     * Creates the adapter that gives the same weights when applied to the untouched base weights {@code W0}, in a new
     * manager under {@code parent}. For an adapter without residual bases that is a copy.
     *
     * <p>A FiDoRA layer computes its direction from {@code W_res + s * B * A} with
     * {@code W_res = W0 - s * B0 * A0}. Its export has rank 2r: {@code B_exp = [B, -B0]} ({@code [out, 2r]}) and
     * {@code A_exp = [A; A0]} ({@code [2r, in]}), so {@code W0 + s * B_exp * A_exp} is the same direction. The export
     * keeps s by doubling {@code lora_alpha} along with the rank, and copies the magnitude vector unchanged.
     */
    public Adapter exportForBase(NDManager parent) {
        NDManager exportManager = parent.newSubManager();
        try {
            int rank = residualBases ? 2 * config.rank() : config.rank();
            double alpha = residualBases ? 2 * config.alpha() : config.alpha();
            AdapterConfig exportConfig = config.withRankAndAlpha(rank, alpha);
            if (residualBases) {
                exportConfig = exportConfig.withProvenance(Map.of("export",
                        "rank-2r difference to the base weights", "trained_rank", Integer.toString(config.rank())));
            }
            float scaling = (float) exportConfig.scaling();
            Map<String, AdapterLayer> exported = new LinkedHashMap<>();
            for (AdapterLayer layer : layers.values()) {
                NDArray loraA;
                NDArray loraB;
                if (layer.residualBase().isPresent()) {
                    AdapterLayer.ResidualBase residual = layer.residualBase().get();
                    loraA = concatRows(exportManager, layer.loraA(), residual.initialLoraA());
                    loraB = concatColumnsNegatingRight(exportManager, layer.loraB(), residual.initialLoraB());
                } else {
                    loraA = copyOf(exportManager, layer.loraA());
                    loraB = copyOf(exportManager, layer.loraB());
                }
                AdapterLayer copy = layer instanceof DoraLayer dora
                        ? new DoraLayer(layer.modulePath(), loraA, loraB, copyOf(exportManager, dora.magnitude()),
                                scaling)
                        : new LoraLayer(layer.modulePath(), loraA, loraB, scaling);
                exported.put(layer.modulePath(), copy);
            }
            return new Adapter(exportConfig, exportManager, exported);
        } catch (RuntimeException e) {
            exportManager.close();
            throw e;
        }
    }

    /** Releases every adapter array; a merged base keeps its merged weights, since the copies go too. */
    @Override
    public void close() {
        if (mergedInto != null) {
            LOG.warn("Closing an adapter that is merged into base weights; the base keeps the merged weights and"
                    + " can no longer be unmerged");
        }
        manager.close();
    }

    static void requireRankFits(int rank, String path, Shape weightShape) {
        if (rank > Math.min(weightShape.get(0), weightShape.get(1))) {
            throw new IllegalArgumentException("Adapter rank " + rank + " exceeds the smaller side of " + path
                    + " with weight " + weightShape + "; expected a rank of at most "
                    + Math.min(weightShape.get(0), weightShape.get(1)));
        }
    }

    private static float[] kaimingUniform(long count, long fanIn, long seed, String path) {
        // PEFT initializes lora_A with kaiming_uniform_(a=sqrt(5)), whose bound gain * sqrt(3 / fan_in) with
        // gain = sqrt(2 / (1 + a^2)) simplifies to 1 / sqrt(fan_in).
        double bound = 1.0 / Math.sqrt(fanIn);
        SplittableRandom random = new SplittableRandom(seed ^ pathHash(path));
        float[] values = new float[Math.toIntExact(count)];
        for (int index = 0; index < values.length; index++) {
            values[index] = (float) random.nextDouble(-bound, bound);
        }
        return values;
    }

    /** Returns the 64-bit FNV-1a hash of a module path. */
    private static long pathHash(String path) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        return hash;
    }

    private static NDArray copyOf(NDManager target, NDArray source) {
        return target.create(source.toFloatArray(), source.getShape());
    }

    /** Returns {@code [top; bottom]} of two matrices with the same number of columns. */
    private static NDArray concatRows(NDManager target, NDArray top, NDArray bottom) {
        float[] upper = top.toFloatArray();
        float[] lower = bottom.toFloatArray();
        float[] stacked = new float[upper.length + lower.length];
        System.arraycopy(upper, 0, stacked, 0, upper.length);
        System.arraycopy(lower, 0, stacked, upper.length, lower.length);
        long columns = top.getShape().get(1);
        return target.create(stacked, new Shape(top.getShape().get(0) + bottom.getShape().get(0), columns));
    }

    /** Returns {@code [left, -right]} of two matrices with the same number of rows. */
    private static NDArray concatColumnsNegatingRight(NDManager target, NDArray left, NDArray right) {
        int rows = Math.toIntExact(left.getShape().get(0));
        int leftColumns = Math.toIntExact(left.getShape().get(1));
        int rightColumns = Math.toIntExact(right.getShape().get(1));
        float[] leftValues = left.toFloatArray();
        float[] rightValues = right.toFloatArray();
        float[] stacked = new float[rows * (leftColumns + rightColumns)];
        for (int row = 0; row < rows; row++) {
            int offset = row * (leftColumns + rightColumns);
            System.arraycopy(leftValues, row * leftColumns, stacked, offset, leftColumns);
            for (int column = 0; column < rightColumns; column++) {
                stacked[offset + leftColumns + column] = -rightValues[row * rightColumns + column];
            }
        }
        return target.create(stacked, new Shape(rows, leftColumns + rightColumns));
    }
}
