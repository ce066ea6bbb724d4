package dev.pairstream.erasure.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.erasure.io.AtomicFiles;
import dev.pairstream.erasure.model.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * AdamW (Loshchilov and Hutter 2019, "Decoupled Weight Decay Regularization") over named float32 arrays, with the
 * arithmetic of PyTorch's {@code torch.optim.AdamW}.
 *
 * <p>Step t (counted from 1) updates each parameter p with gradient g as:
 * <pre>
 *   p = p - lr * wd * p                       (only for parameters that take weight decay)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 *
 * <p>The parameters are updated in place, outside any gradient recording, and the optimizer owns the moment arrays
 * m and v in its own child manager. {@link #save} and {@link #load} write and read them with the step count, so an
 * interrupted run resumes with the same state. Not thread-safe.
 */
public final class AdamW implements AutoCloseable {

    /** File name of the moment arrays inside a state directory. */
    public static final String STATE_FILE = "optimizer.safetensors";
    /** File name of the step count and hyper-parameters inside a state directory. */
    public static final String METADATA_FILE = "optimizer.json";
    /** Prefix of a first-moment array's name in {@value #STATE_FILE}, PyTorch's {@code exp_avg}. */
    public static final String FIRST_MOMENT_PREFIX = "exp_avg.";
    /** Prefix of a second-moment array's name in {@value #STATE_FILE}, PyTorch's {@code exp_avg_sq}. */
    public static final String SECOND_MOMENT_PREFIX = "exp_avg_sq.";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, NDArray> parameters;
    private final Predicate<String> decayed;
    private final AdamWOptions options;
    private final NDManager manager;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private long stepCount;

    /**
     * Creates an optimizer with zero moments and step count 0.
     *
     * @param parameters the float32 arrays to train, keyed by name; the map is copied, the arrays are not
     * @param options    the hyper-parameters
     * @param decayed    which parameter names take weight decay; biases and normalization parameters usually do not
     * @param parent     the manager under which the optimizer's own manager is created
     * @throws IllegalArgumentException when there are no parameters or one is not float32
     */
    public AdamW(Map<String, NDArray> parameters, AdamWOptions options, Predicate<String> decayed,
            NDManager parent) {
        Objects.requireNonNull(parameters, "parameters");
        this.options = Objects.requireNonNull(options, "options");
        this.decayed = Objects.requireNonNull(decayed, "decayed");
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("AdamW needs at least one parameter to train");
        }
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        this.manager = parent.newSubManager();
        try {
            for (Map.Entry<String, NDArray> entry : this.parameters.entrySet()) {
                NDArray parameter = entry.getValue();
                if (parameter.getDataType() != DataType.FLOAT32) {
                    throw new IllegalArgumentException("Parameter " + entry.getKey() + " has dtype "
                            + parameter.getDataType() + "; AdamW expects float32");
                }
                firstMoments.put(entry.getKey(), manager.zeros(parameter.getShape(), DataType.FLOAT32));
                secondMoments.put(entry.getKey(), manager.zeros(parameter.getShape(), DataType.FLOAT32));
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Returns the hyper-parameters. */
    public AdamWOptions options() {
        return options;
    }

    /** Returns the number of steps taken, including those restored by {@link #load}. */
    public long stepCount() {
        return stepCount;
    }

    /** Returns whether the named parameter takes weight decay. */
    public boolean isDecayed(String name) {
        return decayed.test(name);
    }

    /**
     * Updates every parameter from its accumulated gradient and increments the step count. Call it after the
     * backward pass, outside the {@code GradientCollector}; the gradients are left as they are.
     *
     * @param learningRate the step size of this step, a finite number of 0 or more
     * @throws IllegalArgumentException when the learning rate is negative or not finite
     * @throws IllegalStateException    when a parameter has no gradient, that is, it does not require gradients or no
     *                                  backward pass reached it
     */
    public void step(double learningRate) {
        if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("Invalid learning rate " + learningRate
                    + "; expected a finite number >= 0");
        }
        for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
            if (!entry.getValue().hasGradient()) {
                throw new IllegalStateException("Parameter " + entry.getKey() + " has no gradient; mark it as"
                        + " requiring gradients and run a backward pass before the optimizer step");
            }
        }
        long step = stepCount + 1;
        double firstCorrection = 1 - Math.pow(options.beta1(), step);
        double secondCorrection = 1 - Math.pow(options.beta2(), step);
        float stepSize = (float) (learningRate / firstCorrection);
        float secondScale = (float) (1 / Math.sqrt(secondCorrection));
        float decayFactor = (float) (1 - learningRate * options.weightDecay());

        for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
            String name = entry.getKey();
            NDArray parameter = entry.getValue();
            NDArray firstMoment = firstMoments.get(name);
            NDArray secondMoment = secondMoments.get(name);
            try (NDManager scope = manager.newSubManager()) {
                // Results of an operation land in the manager of its first operand, so the long-lived arrays visit
                // the scope for this update: every temporary is then freed when the scope closes, and the arrays
                // themselves go back to their own managers.
                scope.tempAttachAll(parameter, firstMoment, secondMoment);
                NDArray gradient = parameter.getGradient();
                gradient.attach(scope);

                if (decayed.test(name) && options.weightDecay() > 0) {
                    parameter.muli(decayFactor);
                }
                firstMoment.muli((float) options.beta1()).addi(gradient.mul((float) (1 - options.beta1())));
                secondMoment.muli((float) options.beta2())
                        .addi(gradient.square().muli((float) (1 - options.beta2())));
                NDArray denominator = secondMoment.sqrt().muli(secondScale).addi((float) options.epsilon());
                parameter.subi(firstMoment.div(denominator).muli(stepSize));
            }
        }
        stepCount = step;
    }

    /**
     * Writes the moments to {@value #STATE_FILE} and the step count and hyper-parameters to {@value #METADATA_FILE}
     * in {@code directory}, creating it when needed; each file replaces any earlier one atomically.
     */
    public void save(Path directory) throws IOException {
        Files.createDirectories(directory);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        firstMoments.forEach((name, array) -> tensors.put(FIRST_MOMENT_PREFIX + name, array));
        secondMoments.forEach((name, array) -> tensors.put(SECOND_MOMENT_PREFIX + name, array));
        SafetensorsFile.write(directory.resolve(STATE_FILE), tensors);
        AtomicFiles.writeJson(JSON, directory.resolve(METADATA_FILE), new Metadata(stepCount, options));
    }

    /**
     * Replaces the moments and the step count with those saved in {@code directory} by {@link #save}.
     *
     * @throws NoSuchFileException when a state file is missing
     * @throws IOException         when a file is malformed, its tensors do not match this optimizer's parameters by
     *                             name and shape, or it was saved with other hyper-parameters
     */
    public void load(Path directory) throws IOException {
        Path metadataFile = directory.resolve(METADATA_FILE);
        if (!Files.isRegularFile(metadataFile)) {
            throw new NoSuchFileException(metadataFile.toString(), null, "optimizer metadata not found");
        }
        Metadata metadata = JSON.readValue(metadataFile.toFile(), Metadata.class);
        if (!options.equals(metadata.options())) {
            throw new IOException("Optimizer state " + directory + " was saved with " + metadata.options()
                    + " but this optimizer uses " + options + "; resume with the same hyper-parameters");
        }
        if (metadata.step() < 0) {
            throw new IOException("Invalid step count " + metadata.step() + " in " + metadataFile
                    + "; expected 0 or more");
        }
        Map<String, Shape> expected = new LinkedHashMap<>();
        parameters.forEach((name, array) -> expected.put(FIRST_MOMENT_PREFIX + name, array.getShape()));
        parameters.forEach((name, array) -> expected.put(SECOND_MOMENT_PREFIX + name, array.getShape()));
        try (NDManager loading = manager.newSubManager()) {
            Map<String, NDArray> loaded = SafetensorsFile.readFloat32(directory.resolve(STATE_FILE), expected,
                    loading);
            for (String name : parameters.keySet()) {
                firstMoments.get(name).set(loaded.get(FIRST_MOMENT_PREFIX + name).toFloatArray());
                secondMoments.get(name).set(loaded.get(SECOND_MOMENT_PREFIX + name).toFloatArray());
            }
        }
        stepCount = metadata.step();
    }

    /** Returns a read-only view of the first moments (PyTorch's {@code exp_avg}) keyed by parameter name. */
    public Map<String, NDArray> firstMoments() {
        return Collections.unmodifiableMap(firstMoments);
    }

    /** Returns a read-only view of the second moments (PyTorch's {@code exp_avg_sq}) keyed by parameter name. */
    public Map<String, NDArray> secondMoments() {
        return Collections.unmodifiableMap(secondMoments);
    }

    /** Releases the moment arrays; the parameters stay open. */
    @Override
    public void close() {
        manager.close();
    }

    /**
     * The JSON form of the state that is not an array.
     *
     * @param step    the steps taken
     * @param options the hyper-parameters the moments were accumulated with
     */
    record Metadata(long step, AdamWOptions options) {
    }
}
