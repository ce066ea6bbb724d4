package dev.pairstream.erasure.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Names the emoji a 32x32 picture shows, the role NudeNet plays for Stable Diffusion, and exposes the
 * penultimate-layer features for perceptual (LPIPS-like) and Fréchet (FID-like) distances.
 *
 * <p>Inference is deterministic: batch normalisation uses the stored running statistics, and the same input gives
 * bit-identical outputs on the same machine. Pictures are CHW float arrays with values in [-1, 1], as
 * {@link dev.pairstream.erasure.emoji.RenderedPicture#values()} returns them. Methods are synchronised, so one
 * instance may be shared between threads. Close it to free the native tensors.
 */
public final class ConceptDetector implements AutoCloseable {

    /** File name of the weights inside a detector folder. */
    public static final String WEIGHTS_FILE = "model.safetensors";

    /** Largest number of pictures sent through the network at once; longer lists are split. */
    static final int MAX_BATCH = 256;

    private final DetectorNetwork network;
    private final String version;
    private boolean closed;

    private ConceptDetector(DetectorNetwork network, byte[] weights) {
        this.network = network;
        this.version = "concept-detector-" + network.config().catalogVersion() + "-" + digest(weights);
    }

    /**
     * Loads a detector folder: {@value DetectorConfig#FILE_NAME} and {@value #WEIGHTS_FILE}.
     *
     * @throws DetectorFormatException when the folder or a file is missing, a file is truncated or corrupt, or a
     *                                 tensor is missing or has the wrong shape. The message names file and tensor.
     */
    public static ConceptDetector load(Path folder) throws DetectorFormatException {
        return load(folder, null);
    }

    /**
     * Loads a detector folder and checks that it classifies exactly the catalog's concepts, in catalog order.
     *
     * @param catalog the catalog to check against, or null to skip the check
     * @throws DetectorFormatException  as {@link #load(Path)}
     * @throws IllegalArgumentException when the detector was trained on another catalog version or concept list
     */
    public static ConceptDetector load(Path folder, ConceptCatalog catalog) throws DetectorFormatException {
        if (!Files.isDirectory(folder)) {
            throw new DetectorFormatException(folder, null, "detector folder not found; train one with"
                    + " ./pair train detector or pass the folder that holds " + DetectorConfig.FILE_NAME + " and "
                    + WEIGHTS_FILE);
        }
        DetectorConfig config = DetectorConfig.read(folder.resolve(DetectorConfig.FILE_NAME));
        if (catalog != null) {
            config.requireCatalog(catalog);
        }
        Path weightsFile = folder.resolve(WEIGHTS_FILE);
        byte[] weights;
        try {
            long size = Files.size(weightsFile);
            if (size > SafetensorsFiles.MAX_FILE_BYTES) {
                throw new DetectorFormatException(weightsFile, null, "file is " + size + " bytes; expected at most "
                        + SafetensorsFiles.MAX_FILE_BYTES);
            }
            weights = Files.readAllBytes(weightsFile);
        } catch (DetectorFormatException e) {
            throw e;
        } catch (NoSuchFileException e) {
            throw new DetectorFormatException(weightsFile, null, "file not found", e);
        } catch (IOException e) {
            throw new DetectorFormatException(weightsFile, null, "failed to read: " + e.getMessage(), e);
        }
        return fromSafetensors(config, weights, weightsFile);
    }

    /** Creates an untrained detector with seeded random weights, for training or tests. */
    public static ConceptDetector create(DetectorConfig config, long seed) {
        NDManager manager = PyTorchRuntime.engine().newBaseManager();
        try (DetectorNetwork initial = DetectorNetwork.initialize(config, manager, seed)) {
            byte[] weights = SafetensorsFiles.encode(initial.namedTensors());
            return fromSafetensors(config, weights, Path.of("<initial weights>"));
        } catch (DetectorFormatException e) {
            throw new IllegalStateException("Freshly initialised weights failed validation", e);
        }
    }

    /**
     * Builds a detector from encoded weights; its tensors are fresh copies that never require gradients.
     *
     * @param source names the weights in error messages
     */
    static ConceptDetector fromSafetensors(DetectorConfig config, byte[] weights, Path source)
            throws DetectorFormatException {
        NDManager manager = PyTorchRuntime.engine().newBaseManager();
        try {
            Map<String, NDArray> tensors = SafetensorsFiles.decode(weights, source, manager);
            return new ConceptDetector(DetectorNetwork.fromTensors(config, manager, tensors, source), weights);
        } catch (DetectorFormatException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Classifies one picture.
     *
     * @param chw CHW values in [-1, 1], {@code 3 * 32 * 32} of them for the default architecture
     * @throws IllegalArgumentException when the length is wrong or a value is not finite
     */
    public Detection detect(float[] chw) {
        Objects.requireNonNull(chw, "chw");
        return detectBatch(List.of(chw)).get(0);
    }

    /**
     * Classifies pictures.
     *
     * @return one detection per picture, in order
     * @throws IllegalArgumentException when a picture has the wrong length or a value that is not finite
     */
    public synchronized List<Detection> detectBatch(List<float[]> pictures) {
        List<String> classIds = network.config().classIds();
        List<Detection> detections = new ArrayList<>(pictures.size());
        for (int start = 0; start < pictures.size(); start += MAX_BATCH) {
            List<float[]> chunk = pictures.subList(start, Math.min(pictures.size(), start + MAX_BATCH));
            try (NDManager scope = openScope()) {
                NDArray logits = network.forward(batch(scope, chunk, start), false).logits();
                float[] probabilities = logits.softmax(1).toFloatArray();
                int classes = classIds.size();
                for (int i = 0; i < chunk.size(); i++) {
                    float[] row = new float[classes];
                    System.arraycopy(probabilities, i * classes, row, 0, classes);
                    int best = 0;
                    for (int c = 1; c < classes; c++) {
                        if (row[c] > row[best]) {
                            best = c;
                        }
                    }
                    detections.add(new Detection(classIds.get(best), row[best], row));
                }
            }
        }
        return detections;
    }

    /**
     * Returns the penultimate-layer features of each picture: the globally averaged activations of the last
     * convolution stage, {@link #featureDimension()} values per picture.
     *
     * @throws IllegalArgumentException when a picture has the wrong length or a value that is not finite
     */
    public synchronized float[][] features(List<float[]> pictures) {
        int dimension = featureDimension();
        float[][] features = new float[pictures.size()][];
        for (int start = 0; start < pictures.size(); start += MAX_BATCH) {
            List<float[]> chunk = pictures.subList(start, Math.min(pictures.size(), start + MAX_BATCH));
            try (NDManager scope = openScope()) {
                float[] values = network.forward(batch(scope, chunk, start), false).features().toFloatArray();
                for (int i = 0; i < chunk.size(); i++) {
                    features[start + i] = new float[dimension];
                    System.arraycopy(values, i * dimension, features[start + i], 0, dimension);
                }
            }
        }
        return features;
    }

    /**
     * Returns the identity of these weights: {@code concept-detector-<catalog version>-<first 12 hex digits of
     * the SHA-256 of the safetensors bytes>}.
     */
    public String version() {
        return version;
    }

    /** Returns the config the detector was built from. */
    public DetectorConfig config() {
        return network.config();
    }

    /** Returns the concept id of each output class, in the order of {@link Detection#probabilities()}. */
    public List<String> classIds() {
        return network.config().classIds();
    }

    /** Returns the length of each feature vector. */
    public int featureDimension() {
        return network.config().architecture().featureDimension();
    }

    /**
     * Writes the detector folder: {@value #WEIGHTS_FILE}, then {@value DetectorConfig#FILE_NAME}, each replaced
     * atomically. Other files in the folder, such as a model card, are left alone.
     */
    public synchronized void save(Path folder) throws IOException {
        writeFolder(folder, network.config(), encodedWeights());
    }

    /** Returns the weights in safetensors encoding. */
    synchronized byte[] encodedWeights() {
        requireOpen();
        return SafetensorsFiles.encode(network.namedTensors());
    }

    /** Writes weights and config into a folder, weights first so that a config never describes missing weights. */
    static void writeFolder(Path folder, DetectorConfig config, byte[] weights) throws IOException {
        Files.createDirectories(folder);
        AtomicFiles.write(folder.resolve(WEIGHTS_FILE), out -> out.write(weights));
        AtomicFiles.write(folder.resolve(DetectorConfig.FILE_NAME),
                out -> out.write(DetectorJson.MAPPER.writeValueAsBytes(config)));
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            network.close();
        }
    }

    private NDManager openScope() {
        requireOpen();
        return network.manager().newSubManager();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("The concept detector " + version + " is closed");
        }
    }

    private NDArray batch(NDManager scope, List<float[]> pictures, int firstIndex) {
        DetectorArchitecture architecture = network.config().architecture();
        int length = architecture.inputValueCount();
        float[] values = new float[pictures.size() * length];
        for (int i = 0; i < pictures.size(); i++) {
            float[] picture = Objects.requireNonNull(pictures.get(i), "picture " + (firstIndex + i));
            if (picture.length != length) {
                throw new IllegalArgumentException("Picture " + (firstIndex + i) + " has " + picture.length
                        + " values; expected " + length + " (" + architecture.inputChannels() + "x"
                        + architecture.imageSize() + "x" + architecture.imageSize() + " in CHW order)");
            }
            for (int v = 0; v < length; v++) {
                if (!Float.isFinite(picture[v])) {
                    throw new IllegalArgumentException("Picture " + (firstIndex + i) + " has value " + picture[v]
                            + " at index " + v + "; expected finite values in [-1, 1]");
                }
            }
            System.arraycopy(picture, 0, values, i * length, length);
        }
        int size = architecture.imageSize();
        return scope.create(values, new Shape(pictures.size(), architecture.inputChannels(), size, size));
    }

    private static String digest(byte[] bytes) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JVM lacks SHA-256, which every Java platform must provide", e);
        }
    }
}
