package dev.pairstream.erasure.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A text-conditioned denoising UNet that matches diffusers' {@code UNet2DConditionModel} in config, parameter names,
 * parameter shapes and arithmetic, for the block types that {@link UNet2DConditionConfig} accepts.
 *
 * <p>The model is functional code over a {@link UNetWeights} store rather than a tree of DJL blocks: each module
 * reads its tensors by diffusers name, which keeps the names exact, lets checkpoints load without renaming, and lets
 * a {@link LinearWeightResolver} swap the effective weight of any Linear layer (for DoRA on {@code attn2.to_k} and
 * {@code attn2.to_v}). Training works by calling {@link UNetWeights#setRequiresGradient(boolean)} and running
 * {@link #forward} inside a DJL {@code GradientCollector}.
 *
 * <p>Checkpoints use diffusers' directory layout: {@value #CONFIG_FILE} and {@value #WEIGHTS_FILE}.
 *
 * <p>Not thread-safe.
 */
public final class UNet2DConditionModel implements AutoCloseable {

    /** The file name of the config inside a checkpoint directory. */
    public static final String CONFIG_FILE = "config.json";
    /** The file name of the weights inside a checkpoint directory. */
    public static final String WEIGHTS_FILE = "diffusion_pytorch_model.safetensors";

    private static final Logger LOG = LoggerFactory.getLogger(UNet2DConditionModel.class);

    private final UNet2DConditionConfig config;
    private final UNetArchitecture architecture;
    private final UNetWeights weights;

    private UNet2DConditionModel(UNet2DConditionConfig config, UNetWeights weights) {
        this.config = config;
        this.architecture = new UNetArchitecture(config);
        this.weights = weights;
    }

    /**
     * Creates a model with freshly initialized weights; see {@link UNetWeights#initialize} for the scheme.
     *
     * @param config the architecture
     * @param parent the manager under which the weights' manager is created
     * @param seed   the initialization seed; the same seed gives bit-identical weights
     */
    public static UNet2DConditionModel initialize(UNet2DConditionConfig config, NDManager parent, long seed) {
        Objects.requireNonNull(config, "config");
        UNetWeights weights = UNetWeights.initialize(UNetParameterLayout.of(config), parent, seed);
        LOG.info("Initialized UNet2DConditionModel with {} parameters (seed {})",
                weights.layout().parameterCount(), seed);
        return new UNet2DConditionModel(config, weights);
    }

    /**
     * Loads a model from a diffusers checkpoint directory holding {@value #CONFIG_FILE} and {@value #WEIGHTS_FILE}.
     *
     * @throws NoSuchFileException when the directory or one of the two files does not exist
     * @throws CheckpointException when the weights are malformed, truncated or do not match the config, naming the
     *                             file and the tensor
     * @throws IOException         when the config is invalid or a file cannot be read
     */
    public static UNet2DConditionModel load(Path directory, NDManager parent) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "UNet checkpoint directory not found");
        }
        UNet2DConditionConfig config = UNet2DConditionConfig.read(directory.resolve(CONFIG_FILE));
        UNetWeights weights = UNetWeights.load(UNetParameterLayout.of(config), directory.resolve(WEIGHTS_FILE),
                parent);
        return new UNet2DConditionModel(config, weights);
    }

    /**
     * Saves the config and weights into a diffusers checkpoint directory, creating it if needed. Each file is written
     * under a temporary name and then moved into place, so a reader never sees a half-written file.
     */
    public void save(Path directory) throws IOException {
        Files.createDirectories(directory);
        weights.save(directory.resolve(WEIGHTS_FILE));
        config.write(directory.resolve(CONFIG_FILE));
        LOG.info("Saved UNet2DConditionModel checkpoint to {}", directory);
    }

    /** Returns the config. */
    public UNet2DConditionConfig config() {
        return config;
    }

    /** Returns the parameter layout. */
    public UNetParameterLayout layout() {
        return weights.layout();
    }

    /** Returns the parameter store. */
    public UNetWeights weights() {
        return weights;
    }

    /**
     * Predicts the noise (or whatever target the model was trained on) with the stored weights; see
     * {@link #forward(NDArray, NDArray, NDArray, NDArray, LinearWeightResolver)}.
     */
    public NDArray forward(NDArray sample, NDArray timesteps, NDArray context, NDArray contextMask) {
        return forward(sample, timesteps, context, contextMask, LinearWeightResolver.stored());
    }

    /**
     * Runs the UNet.
     *
     * <p>Every intermediate array and the result live in the manager of {@code sample}. Callers pass a per-step
     * manager there and close it after each step (after the backward pass when training), otherwise memory grows
     * with every call. {@code timesteps}, {@code context} and {@code contextMask} may live in longer-lived managers:
     * when they do, they are copied into the sample's manager first so that nothing derived from them accumulates
     * in their managers.
     *
     * @param sample      [B, in_channels, H, W] float32, H and W multiples of {@link
     *                    UNet2DConditionConfig#downsamplingFactor()}
     * @param timesteps   [B] diffusion timesteps of any numeric dtype
     * @param context     [B, T, cross_attention_dim] float32 text hidden states
     * @param contextMask [B, T] with 1 (or true) for real tokens and 0 (or false) for padding, or null to attend to
     *                    every token. Padded tokens get diffusers' additive bias of -10000 before the softmax.
     * @param resolver    supplies the effective weight of each Linear layer
     * @return [B, out_channels, H, W] float32
     * @throws IllegalArgumentException when an input has the wrong rank, shape, dtype or device
     */
    public NDArray forward(NDArray sample, NDArray timesteps, NDArray context, NDArray contextMask,
            LinearWeightResolver resolver) {
        Objects.requireNonNull(resolver, "resolver");
        validateInputs(sample, timesteps, context, contextMask);
        NDManager step = sample.getManager();
        NDArray localTimesteps = intoStep(timesteps, step);
        NDArray localContext = intoStep(context, step);
        NDArray bias = contextMask == null ? null : TensorOps.attentionBias(intoStep(contextMask, step));
        return new ForwardPass(architecture, weights, resolver, step).run(sample, localTimesteps, localContext, bias);
    }

    /** Releases the weights. */
    @Override
    public void close() {
        weights.close();
    }

    private void validateInputs(NDArray sample, NDArray timesteps, NDArray context, NDArray contextMask) {
        Objects.requireNonNull(sample, "sample");
        Objects.requireNonNull(timesteps, "timesteps");
        Objects.requireNonNull(context, "context");
        Shape sampleShape = sample.getShape();
        int factor = config.downsamplingFactor();
        if (sampleShape.dimension() != 4 || sampleShape.get(0) < 1 || sampleShape.get(1) != config.inChannels()
                || sampleShape.get(2) < 1 || sampleShape.get(3) < 1
                || sampleShape.get(2) % factor != 0 || sampleShape.get(3) % factor != 0) {
            throw new IllegalArgumentException("Invalid sample shape " + sampleShape + "; expected [B, "
                    + config.inChannels() + ", H, W] with B >= 1 and H, W positive multiples of " + factor
                    + " (the UNet halves the resolution " + (config.levels() - 1) + " times)");
        }
        requireFloat32(sample, "sample");
        long batch = sampleShape.get(0);

        Shape timestepShape = timesteps.getShape();
        if (timestepShape.dimension() != 1 || timestepShape.get(0) != batch) {
            throw new IllegalArgumentException("Invalid timesteps shape " + timestepShape + "; expected [" + batch
                    + "], one timestep per sample");
        }

        Shape contextShape = context.getShape();
        if (contextShape.dimension() != 3 || contextShape.get(0) != batch || contextShape.get(1) < 1
                || contextShape.get(2) != config.crossAttentionDim()) {
            throw new IllegalArgumentException("Invalid context shape " + contextShape + "; expected [" + batch
                    + ", T, " + config.crossAttentionDim() + "] with T >= 1");
        }
        requireFloat32(context, "context");

        if (contextMask != null) {
            Shape maskShape = contextMask.getShape();
            if (maskShape.dimension() != 2 || maskShape.get(0) != batch || maskShape.get(1) != contextShape.get(1)) {
                throw new IllegalArgumentException("Invalid contextMask shape " + maskShape + "; expected [" + batch
                        + ", " + contextShape.get(1) + "] to match the context");
            }
        }
        for (NDArray input : new NDArray[] {timesteps, context, contextMask}) {
            if (input != null && !input.getDevice().equals(sample.getDevice())) {
                throw new IllegalArgumentException("Input on device " + input.getDevice()
                        + " does not match the sample's device " + sample.getDevice());
            }
        }
    }

    private static void requireFloat32(NDArray array, String name) {
        if (array.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("Invalid " + name + " dtype " + array.getDataType()
                    + "; expected float32");
        }
    }

    /**
     * Returns the input itself when it already lives in the step manager, else a copy owned by the step manager. The
     * copy keeps the autograd link, so gradients still reach an input that requires them.
     */
    private static NDArray intoStep(NDArray input, NDManager step) {
        if (input.getManager() == step) {
            return input;
        }
        NDArray copy = input.duplicate();
        copy.attach(step);
        return copy;
    }
}
