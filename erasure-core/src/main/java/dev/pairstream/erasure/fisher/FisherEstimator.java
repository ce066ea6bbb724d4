package dev.pairstream.erasure.fisher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.pairstream.erasure.model.LinearWeightResolver;
import dev.pairstream.erasure.model.ParameterSpec;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.schedule.NoiseSchedule;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Estimates the diagonal empirical Fisher {@code F = E_i[(∂L_i/∂W)²]} of the denoising loss with respect to the
 * weights {@code W} of chosen Linear layers, by default every cross-attention {@code attn2.to_k} and
 * {@code attn2.to_v}. The loss of sample i is the training loss {@code L_i = mean((y_i - f_θ(x_t, t_i, c_i))²)} over
 * the sample's values, where the target {@code y_i} is the noise or the velocity, as the schedule's prediction type
 * selects, with {@code x_t} the clean picture noised to a random timestep {@code t_i} with random noise
 * {@code ε_i} (see {@link FisherBatch} for how both are drawn).
 *
 * <p>All per-sample gradients of a batch come from one backward pass. Each target weight is replaced, through the
 * model's {@link LinearWeightResolver}, by {@code W + D} where {@code D} is a zero {@code [B, out, in]} tensor that
 * requires gradients, so that sample b multiplies its tokens by its own copy {@code W + D[b]}. Because only sample b
 * reads {@code D[b]}, the gradient of {@code Σ_i L_i} with respect to {@code D[b]} is exactly {@code ∂L_b/∂W}. The
 * alternative, rebuilding each sample's weight gradient {@code Σ_tokens g_t x_tᵀ} from the layer's inputs and output
 * gradients, needs the gradient of each layer's output, which the functional forward pass does not expose. The
 * per-sample weight costs a {@code [B, out, in]} weight and gradient per target layer and a batched matrix product in
 * place of a shared one.
 *
 * <p>The base weights never require gradients here: every call runs in its own manager with its own {@code D}
 * tensors, which are freed when the call returns, so nothing carries over from one call to the next.
 *
 * <p>Not thread-safe, and only one estimation may run at a time per JVM, because DJL's PyTorch engine allows one open
 * {@link GradientCollector} at a time.
 */
public final class FisherEstimator {

    private static final Logger LOG = LoggerFactory.getLogger(FisherEstimator.class);
    private static final int[] SAMPLE_VALUES_AXIS = {1};

    private final UNet2DConditionModel model;
    private final NoiseSchedule schedule;
    private final Map<String, Shape> shapes;

    /**
     * Creates an estimator for every cross-attention {@code attn2.to_k} and {@code attn2.to_v} weight of the model.
     *
     * @see #FisherEstimator(UNet2DConditionModel, NoiseSchedule, List)
     */
    public FisherEstimator(UNet2DConditionModel model, NoiseSchedule schedule) {
        this(model, schedule, Objects.requireNonNull(model, "model").layout().crossAttentionKeyValuePaths());
    }

    /**
     * Creates an estimator for the given Linear layers.
     *
     * @param model    the UNet; its weights must not require gradients while the estimator runs
     * @param schedule the noise schedule the model was trained with
     * @param modules  diffusers module paths of Linear layers (parameter names without {@code .weight}), such as
     *                 {@code mid_block.attentions.0.transformer_blocks.0.attn2.to_k}
     * @throws IllegalArgumentException when the list is empty or repeats a module, a module is not a Linear layer of
     *                                  the model, or the model's output does not have the shape of its input (the
     *                                  epsilon loss compares the two)
     */
    public FisherEstimator(UNet2DConditionModel model, NoiseSchedule schedule, List<String> modules) {
        this.model = Objects.requireNonNull(model, "model");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(modules, "modules");
        UNet2DConditionConfig config = model.config();
        if (config.outChannels() != config.inChannels()) {
            throw new IllegalArgumentException("The epsilon loss needs a UNet whose output has its input's channels,"
                    + " but in_channels is " + config.inChannels() + " and out_channels " + config.outChannels());
        }
        if (modules.isEmpty()) {
            throw new IllegalArgumentException("No target modules for the Fisher estimate; expected Linear module"
                    + " paths such as the model's attn2.to_k and attn2.to_v layers");
        }
        Map<String, Shape> targetShapes = new LinkedHashMap<>();
        for (String module : modules) {
            String weightName = module + ".weight";
            ParameterSpec spec = model.layout().find(weightName).orElse(null);
            if (spec == null || spec.kind() != ParameterSpec.Kind.LINEAR_WEIGHT) {
                throw new IllegalArgumentException("Invalid Fisher target module " + module + "; expected the path of"
                        + " a Linear layer of this UNet, such as " + model.layout().crossAttentionKeyValuePaths()
                        .stream().findFirst().orElse("mid_block.attentions.0.transformer_blocks.0.attn2.to_k"));
            }
            if (targetShapes.put(module, spec.shape()) != null) {
                throw new IllegalArgumentException("Fisher target module " + module + " is listed twice");
            }
        }
        this.shapes = Collections.unmodifiableMap(targetShapes);
    }

    /** Returns the target module paths in order. */
    public List<String> modules() {
        return List.copyOf(shapes.keySet());
    }

    /** Returns the {@code [out, in]} weight shape of every target module, in module order; the map is read-only. */
    public Map<String, Shape> shapes() {
        return shapes;
    }

    /** Creates an empty accumulator for this estimator's modules. */
    public FisherAccumulator newAccumulator(FisherKey key) {
        return new FisherAccumulator(key, shapes);
    }

    /**
     * Adds the squared per-sample gradients of a batch to an accumulator, from one batched backward pass.
     *
     * @param accumulator an accumulator over exactly this estimator's modules and shapes
     * @param batch       the samples; the pictures' and context's shapes must fit the model
     * @param seed        the seed that, with each sample's id, selects the sample's timestep and noise
     * @throws IllegalArgumentException when the accumulator's modules differ from this estimator's, naming the module,
     *                                  or the batch does not fit the model
     * @throws IllegalStateException    when a base weight requires gradients, or the loss or a gradient is not finite
     */
    public void accumulate(FisherAccumulator accumulator, FisherBatch batch, long seed) {
        requireSameModules(accumulator);
        Map<String, double[]> sums = backward(batch, seed, true, FisherEstimator::squaredSumsOverBatch);
        accumulator.add(sums, batch.batchSize());
    }

    /**
     * Adds the squared per-sample gradients of a batch to an accumulator with one backward pass per sample. It gives
     * the same result as {@link #accumulate} up to float32 rounding and serves as its reference and benchmark
     * baseline.
     *
     * @throws IllegalArgumentException as {@link #accumulate} does
     * @throws IllegalStateException    as {@link #accumulate} does
     */
    public void accumulateNaive(FisherAccumulator accumulator, FisherBatch batch, long seed) {
        requireSameModules(accumulator);
        accumulator.add(naivePerSampleGradients(batch, seed).squaredSums(), batch.batchSize());
    }

    /**
     * Computes each sample's gradient from one batched backward pass, the way {@link #accumulate} does.
     *
     * @throws IllegalArgumentException when the batch does not fit the model
     * @throws IllegalStateException    when a base weight requires gradients or the loss is not finite
     */
    public PerSampleGradients perSampleGradients(FisherBatch batch, long seed) {
        int batchSize = batch.batchSize();
        Map<String, float[][]> gradients = backward(batch, seed, true, perModule -> {
            Map<String, float[][]> split = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> entry : perModule.entrySet()) {
                float[] values = entry.getValue().toFloatArray();
                int size = values.length / batchSize;
                float[][] samples = new float[batchSize][];
                for (int sample = 0; sample < batchSize; sample++) {
                    samples[sample] = new float[size];
                    System.arraycopy(values, sample * size, samples[sample], 0, size);
                }
                split.put(entry.getKey(), samples);
            }
            return split;
        });
        return new PerSampleGradients(shapes, gradients, batchSize);
    }

    /**
     * Computes each sample's gradient with one forward and backward pass per sample, on the unbatched Linear path.
     *
     * @throws IllegalArgumentException when the batch does not fit the model
     * @throws IllegalStateException    when a base weight requires gradients or the loss is not finite
     */
    public PerSampleGradients naivePerSampleGradients(FisherBatch batch, long seed) {
        int batchSize = batch.batchSize();
        Map<String, float[][]> gradients = new LinkedHashMap<>();
        for (String module : shapes.keySet()) {
            gradients.put(module, new float[batchSize][]);
        }
        for (int sample = 0; sample < batchSize; sample++) {
            Map<String, float[]> single = summedGradient(batch.slice(sample, 1), seed);
            for (Map.Entry<String, float[]> entry : single.entrySet()) {
                gradients.get(entry.getKey())[sample] = entry.getValue();
            }
        }
        return new PerSampleGradients(shapes, gradients, batchSize);
    }

    /**
     * Computes the gradient of the batch's summed loss {@code Σ_i L_i} with respect to each target weight, from one
     * ordinary batched backward pass that shares one weight among all samples. This is the cost that per-sample
     * gradients are compared with.
     *
     * @return for every target module, the gradient in row-major {@code [out, in]} order
     * @throws IllegalArgumentException when the batch does not fit the model
     * @throws IllegalStateException    when a base weight requires gradients or the loss is not finite
     */
    public Map<String, float[]> summedGradient(FisherBatch batch, long seed) {
        return backward(batch, seed, false, perModule -> {
            Map<String, float[]> values = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> entry : perModule.entrySet()) {
                values.put(entry.getKey(), entry.getValue().toFloatArray());
            }
            return values;
        });
    }

    /**
     * Runs one forward and backward pass of {@code Σ_i L_i} in a manager of its own and hands the gradients of the
     * weight offsets {@code D} to {@code reader} before that manager closes.
     *
     * @param perSample whether each sample gets its own offset {@code [B, out, in]} or all share one {@code [out, in]}
     */
    private <T> T backward(FisherBatch batch, long seed, boolean perSample, Function<Map<String, NDArray>, T> reader) {
        Objects.requireNonNull(batch, "batch");
        requireFrozenBaseWeights();
        int batchSize = batch.batchSize();
        NoiseDraws draws = NoiseDraws.draw(seed, batch.sampleIdsView(), schedule.numTrainTimesteps(),
                batch.valuesPerPicture());
        try (NDManager scope = model.weights().manager().newSubManager()) {
            NDArray clean = scope.create(batch.picturesView(), batch.pictureShape());
            NDArray noise = scope.create(draws.noise(), batch.pictureShape());
            NDArray noised = schedule.addNoise(clean, noise, draws.timesteps());
            NDArray target = schedule.trainingTarget(clean, noise, draws.timesteps());
            long[] timestepValues = new long[batchSize];
            for (int sample = 0; sample < batchSize; sample++) {
                timestepValues[sample] = draws.timesteps()[sample];
            }
            NDArray timesteps = scope.create(timestepValues);
            NDArray context = scope.create(batch.contextView(), batch.contextShape());
            float[] maskValues = batch.contextMaskView();
            NDArray mask = maskValues == null ? null
                    : scope.create(maskValues, new Shape(batchSize, batch.contextShape().get(1)));

            Map<String, NDArray> offsets = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> entry : shapes.entrySet()) {
                Shape weightShape = entry.getValue();
                Shape offsetShape = perSample ? new Shape(batchSize, weightShape.get(0), weightShape.get(1))
                        : weightShape;
                NDArray offset = scope.zeros(offsetShape);
                offset.setRequiresGradient(true);
                offsets.put(entry.getKey(), offset);
            }
            // The offset is the first operand, so W + D lands in this call's manager, not in the weights' manager.
            LinearWeightResolver resolver = (modulePath, storedWeight, stepManager) -> {
                NDArray offset = offsets.get(modulePath);
                return offset == null ? storedWeight : offset.add(storedWeight);
            };

            float lossValue;
            try (GradientCollector collector = scope.getEngine().newGradientCollector()) {
                NDArray predicted = model.forward(noised, timesteps, context, mask, resolver);
                // DJL 0.36's PyTorch mean reduces one axis only, so each sample's values are flattened first.
                NDArray loss = predicted.sub(target).square().reshape(batchSize, -1).mean(SAMPLE_VALUES_AXIS).sum();
                lossValue = loss.getFloat();
                if (!Float.isFinite(lossValue)) {
                    throw new IllegalStateException("The summed denoising loss of the batch with sample ids "
                            + describeIds(batch) + " is " + lossValue + "; the model weights or inputs contain"
                            + " non-finite values");
                }
                collector.backward(loss);
            }
            LOG.debug("Fisher backward pass over {} samples ({} offsets): summed loss {}", batchSize,
                    perSample ? "per-sample" : "shared", lossValue);

            Map<String, NDArray> gradients = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> entry : offsets.entrySet()) {
                gradients.put(entry.getKey(), entry.getValue().getGradient());
            }
            return reader.apply(gradients);
        }
    }

    /** Computes {@code Σ_b g_b²} over the batch axis of each {@code [B, out, in]} gradient, in float64. */
    private static Map<String, double[]> squaredSumsOverBatch(Map<String, NDArray> gradients) {
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> entry : gradients.entrySet()) {
            NDArray squares = entry.getValue().toType(DataType.FLOAT64, false).square();
            sums.put(entry.getKey(), squares.sum(new int[] {0}).toDoubleArray());
        }
        return sums;
    }

    /**
     * Checks that no base weight requires gradients, so the backward pass neither accumulates gradients into the
     * model nor spends time computing them.
     */
    private void requireFrozenBaseWeights() {
        for (Map.Entry<String, NDArray> entry : model.weights().asMap().entrySet()) {
            if (entry.getValue().hasGradient()) {
                throw new IllegalStateException("UNet parameter " + entry.getKey() + " requires gradients, so the"
                        + " Fisher backward pass would accumulate into the base weights; call"
                        + " weights().setRequiresGradient(false) on the model first");
            }
        }
    }

    private void requireSameModules(FisherAccumulator accumulator) {
        Objects.requireNonNull(accumulator, "accumulator");
        for (Map.Entry<String, Shape> entry : shapes.entrySet()) {
            Shape shape = accumulator.shapes().get(entry.getKey());
            if (shape == null) {
                throw new IllegalArgumentException("The accumulator lacks the estimator's target module "
                        + entry.getKey());
            }
            if (!shape.equals(entry.getValue())) {
                throw new IllegalArgumentException("The accumulator has shape " + shape + " for module "
                        + entry.getKey() + " but the model's weight has shape " + entry.getValue());
            }
        }
        for (String module : accumulator.shapes().keySet()) {
            if (!shapes.containsKey(module)) {
                throw new IllegalArgumentException("The accumulator has module " + module
                        + ", which is not among the estimator's target modules " + shapes.keySet());
            }
        }
    }

    private static String describeIds(FisherBatch batch) {
        long[] ids = batch.sampleIdsView();
        if (ids.length <= 8) {
            return Arrays.toString(ids);
        }
        return Arrays.toString(Arrays.copyOf(ids, 8)).replace("]", ", ...] (" + ids.length + " samples)");
    }
}
