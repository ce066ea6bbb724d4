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

/**
 * An exponential moving average of weights, the copy that diffusion models sample with and ship because it is
 * smoother than the raw weights of the last step.
 *
 * <p>Update n (counted from 0) moves each average toward its weight: {@code average = d * average + (1 - d) * weight}
 * with {@code d = decay}, or with warm-up {@code d = min(decay, (1 + n) / (10 + n))}, the schedule of diffusers'
 * {@code EMAModel}, so that early averages do not cling to the random initial weights. The averages start as a copy
 * of the weights and live in the average's own child manager. Not thread-safe.
 */
public final class ExponentialMovingAverage implements AutoCloseable {

    /** File name of the averages inside a state directory; tensor names are the weights' names. */
    public static final String STATE_FILE = "ema.safetensors";
    /** File name of the decay settings and the update count inside a state directory. */
    public static final String METADATA_FILE = "ema.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, NDArray> weights;
    private final Map<String, NDArray> averages = new LinkedHashMap<>();
    private final double decay;
    private final boolean warmup;
    private final NDManager manager;
    private long updateCount;

    /**
     * Starts averages equal to the current weights.
     *
     * @param weights the arrays to follow, keyed by name; the map is copied, the arrays are not
     * @param decay   the largest per-update decay, in [0, 1); 0.999 averages over roughly the last 1000 updates
     * @param warmup  whether early updates use the smaller decay {@code (1 + n) / (10 + n)}
     * @param parent  the manager under which the average's own manager is created
     * @throws IllegalArgumentException when there are no weights, one is not float32 or the decay is out of range
     */
    public ExponentialMovingAverage(Map<String, NDArray> weights, double decay, boolean warmup, NDManager parent) {
        Objects.requireNonNull(weights, "weights");
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("No weights to average; expected at least one");
        }
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("Invalid EMA decay " + decay + "; expected a number in [0, 1)");
        }
        this.weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        this.decay = decay;
        this.warmup = warmup;
        this.manager = parent.newSubManager();
        try {
            for (Map.Entry<String, NDArray> entry : this.weights.entrySet()) {
                NDArray weight = entry.getValue();
                if (weight.getDataType() != DataType.FLOAT32) {
                    throw new IllegalArgumentException("Weight " + entry.getKey() + " has dtype "
                            + weight.getDataType() + "; the moving average expects float32");
                }
                NDArray copy = manager.create(weight.toFloatArray(), weight.getShape());
                copy.setName(entry.getKey());
                averages.put(entry.getKey(), copy);
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Returns the decay that update {@code n} (counted from 0) uses. */
    public double decayAt(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("Invalid update number " + n + "; expected 0 or more");
        }
        return warmup ? Math.min(decay, (1.0 + n) / (10.0 + n)) : decay;
    }

    /** Returns the largest per-update decay. */
    public double decay() {
        return decay;
    }

    /** Returns whether early updates use a smaller decay. */
    public boolean warmup() {
        return warmup;
    }

    /** Returns the number of updates so far, including those restored by {@link #load}. */
    public long updateCount() {
        return updateCount;
    }

    /** Moves every average toward its weight's current value with the decay of this update. */
    public void update() {
        float keep = (float) decayAt(updateCount);
        float take = 1f - keep;
        for (Map.Entry<String, NDArray> entry : weights.entrySet()) {
            NDArray average = averages.get(entry.getKey());
            NDArray weight = entry.getValue();
            try (NDManager scope = manager.newSubManager()) {
                // Temporaries land in the manager of the first operand; visiting the scope frees them on close.
                scope.tempAttachAll(average, weight);
                average.muli(keep).addi(weight.mul(take));
            }
        }
        updateCount++;
    }

    /** Returns a read-only view of the averages, keyed by weight name in the weights' order. */
    public Map<String, NDArray> averages() {
        return Collections.unmodifiableMap(averages);
    }

    /**
     * Copies the averages into other arrays of the same names and shapes, such as the weights of a model used for
     * sampling.
     *
     * @throws IllegalArgumentException when a name is missing from {@code target} or a shape differs
     */
    public void copyTo(Map<String, NDArray> target) {
        for (Map.Entry<String, NDArray> entry : averages.entrySet()) {
            NDArray destination = target.get(entry.getKey());
            if (destination == null || !destination.getShape().equals(entry.getValue().getShape())) {
                throw new IllegalArgumentException("Cannot copy the average of " + entry.getKey() + " with shape "
                        + entry.getValue().getShape() + " into " + (destination == null ? "a missing array"
                        : "an array of shape " + destination.getShape()));
            }
            destination.set(entry.getValue().toFloatArray());
        }
    }

    /** Writes the averages to {@value #STATE_FILE} and the settings and update count to {@value #METADATA_FILE}. */
    public void save(Path directory) throws IOException {
        Files.createDirectories(directory);
        SafetensorsFile.write(directory.resolve(STATE_FILE), averages);
        AtomicFiles.writeJson(JSON, directory.resolve(METADATA_FILE), new Metadata(updateCount, decay, warmup));
    }

    /**
     * Replaces the averages and the update count with those saved in {@code directory} by {@link #save}.
     *
     * @throws NoSuchFileException when a state file is missing
     * @throws IOException         when a file is malformed, the tensors do not match the weights by name and shape,
     *                             or the decay settings differ
     */
    public void load(Path directory) throws IOException {
        Path metadataFile = directory.resolve(METADATA_FILE);
        if (!Files.isRegularFile(metadataFile)) {
            throw new NoSuchFileException(metadataFile.toString(), null, "EMA metadata not found");
        }
        Metadata metadata = JSON.readValue(metadataFile.toFile(), Metadata.class);
        if (metadata.decay() != decay || metadata.warmup() != warmup) {
            throw new IOException("EMA state " + directory + " was saved with decay " + metadata.decay()
                    + " and warmup " + metadata.warmup() + " but this average uses decay " + decay + " and warmup "
                    + warmup + "; resume with the same settings");
        }
        if (metadata.updates() < 0) {
            throw new IOException("Invalid update count " + metadata.updates() + " in " + metadataFile
                    + "; expected 0 or more");
        }
        Map<String, Shape> expected = new LinkedHashMap<>();
        averages.forEach((name, array) -> expected.put(name, array.getShape()));
        try (NDManager loading = manager.newSubManager()) {
            Map<String, NDArray> loaded = SafetensorsFile.readFloat32(directory.resolve(STATE_FILE), expected,
                    loading);
            loaded.forEach((name, array) -> averages.get(name).set(array.toFloatArray()));
        }
        updateCount = metadata.updates();
    }

    /** Releases the averages; the weights stay open. */
    @Override
    public void close() {
        manager.close();
    }

    /**
     * The JSON form of the settings and the update count.
     *
     * @param updates the updates taken
     * @param decay   the largest per-update decay
     * @param warmup  whether early updates use a smaller decay
     */
    record Metadata(long updates, double decay, boolean warmup) {
    }
}
