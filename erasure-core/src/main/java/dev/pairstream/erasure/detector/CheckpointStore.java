package dev.pairstream.erasure.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JacksonException;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint folder of a training run: one subfolder per checkpoint, {@code step-00000250}, holding
 * {@code state.json}, {@code model.safetensors} (weights and batch-norm running statistics) and
 * {@code optimizer.safetensors} (AdamW moments).
 *
 * <p>A checkpoint is written into a hidden staging folder and renamed into place only when complete, so a crash
 * leaves either the finished checkpoint or none. The newest {@value #KEEP} checkpoints are kept, and loading falls
 * back to an older one when the newest is damaged.
 */
final class CheckpointStore {

    static final String STATE_FILE = "state.json";
    static final String MODEL_FILE = "model.safetensors";
    static final String OPTIMIZER_FILE = "optimizer.safetensors";

    /** Checkpoints kept; the older one is the fallback if the newest turns out damaged. */
    static final int KEEP = 2;

    private static final Pattern NAME = Pattern.compile("step-(\\d{8})");
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);

    private final Path folder;

    CheckpointStore(Path folder) {
        this.folder = folder;
    }

    /** A checkpoint read back: its state, network and optimiser, which the caller must close. */
    record Loaded(Path path, CheckpointState state, DetectorNetwork network, AdamW optimizer) {
    }

    /** Returns the checkpoint folder. */
    Path folder() {
        return folder;
    }

    /** Returns the complete checkpoints, newest first. */
    List<Path> checkpoints() throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry) && NAME.matcher(entry.getFileName().toString()).matches()) {
                    found.add(entry);
                }
            }
        }
        found.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
        return found;
    }

    /**
     * Writes a checkpoint and prunes the older ones.
     *
     * @return the checkpoint's folder
     */
    Path save(CheckpointState state, DetectorNetwork network, AdamW optimizer) throws IOException {
        Files.createDirectories(folder);
        Path target = folder.resolve(name(state.step()));
        Path staging = Files.createDirectory(folder.resolve("." + target.getFileName() + ".partial-"
                + UUID.randomUUID()));
        try {
            SafetensorsFiles.write(staging.resolve(MODEL_FILE), network.namedTensors());
            SafetensorsFiles.write(staging.resolve(OPTIMIZER_FILE), optimizer.namedState());
            AtomicFiles.write(staging.resolve(STATE_FILE), out -> out.write(DetectorJson.MAPPER.writeValueAsBytes(state)));
            if (Files.exists(target)) {
                // A rerun that reaches the same step replaces its checkpoint; older ones remain as fallback.
                deleteTree(target);
            }
            AtomicFiles.move(staging, target);
        } finally {
            if (Files.exists(staging)) {
                deleteTree(staging);
            }
        }
        prune();
        LOG.info("Wrote checkpoint {} at step {}", target, state.step());
        return target;
    }

    /**
     * Loads the newest checkpoint that reads back cleanly, for a run with the given class list.
     *
     * @return the checkpoint, or empty when the folder contains none
     * @throws DetectorFormatException when checkpoints exist but every one is damaged, naming each problem
     */
    Optional<Loaded> loadLatest(List<String> classIds) throws IOException {
        List<Path> checkpoints = checkpoints();
        List<String> problems = new ArrayList<>();
        for (Path checkpoint : checkpoints) {
            try {
                return Optional.of(load(checkpoint, classIds));
            } catch (DetectorFormatException e) {
                LOG.warn("Skipping damaged checkpoint {}: {}", checkpoint, e.getMessage());
                problems.add(e.getMessage());
            }
        }
        if (!checkpoints.isEmpty()) {
            throw new DetectorFormatException(folder, null, "every checkpoint is damaged (" + String.join("; ",
                    problems) + "). Delete the folder to start training over.");
        }
        return Optional.empty();
    }

    /**
     * Loads one checkpoint folder.
     *
     * @throws DetectorFormatException naming the file and tensor when a file is missing, truncated or invalid
     */
    Loaded load(Path checkpoint, List<String> classIds) throws DetectorFormatException {
        CheckpointState state = readState(checkpoint.resolve(STATE_FILE));
        Matcher matcher = NAME.matcher(checkpoint.getFileName().toString());
        if (matcher.matches() && Integer.parseInt(matcher.group(1)) != state.step()) {
            throw new DetectorFormatException(checkpoint.resolve(STATE_FILE), null, "records step " + state.step()
                    + " but the folder is named for step " + Integer.parseInt(matcher.group(1)));
        }
        DetectorConfig config = new DetectorConfig(DetectorConfig.FORMAT, DetectorConfig.FORMAT_VERSION,
                state.architecture(), state.inputNormalization(), state.catalogVersion(), classIds, null);
        NDManager networkManager = PyTorchRuntime.engine().newBaseManager();
        NDManager optimizerManager = PyTorchRuntime.engine().newBaseManager();
        try {
            Path modelFile = checkpoint.resolve(MODEL_FILE);
            DetectorNetwork network = DetectorNetwork.fromTensors(config, networkManager,
                    SafetensorsFiles.read(modelFile, networkManager), modelFile);
            AdamW optimizer = new AdamW(network, optimizerManager);
            Path optimizerFile = checkpoint.resolve(OPTIMIZER_FILE);
            Map<String, NDArray> moments = SafetensorsFiles.read(optimizerFile, optimizerManager);
            optimizer.restore(moments, optimizerFile);
            return new Loaded(checkpoint, state, network, optimizer);
        } catch (DetectorFormatException | RuntimeException e) {
            networkManager.close();
            optimizerManager.close();
            throw e;
        }
    }

    private static CheckpointState readState(Path file) throws DetectorFormatException {
        try {
            return DetectorJson.MAPPER.readValue(Files.readAllBytes(file), CheckpointState.class);
        } catch (NoSuchFileException e) {
            throw new DetectorFormatException(file, null, "file not found", e);
        } catch (JacksonException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
            throw new DetectorFormatException(file, null, "invalid checkpoint state: " + cause.getMessage(), e);
        } catch (IOException e) {
            throw new DetectorFormatException(file, null, "failed to read: " + e.getMessage(), e);
        }
    }

    private void prune() throws IOException {
        List<Path> checkpoints = checkpoints();
        for (Path old : checkpoints.subList(Math.min(KEEP, checkpoints.size()), checkpoints.size())) {
            deleteTree(old);
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, ".step-*.partial-*")) {
            for (Path stale : entries) {
                // Left by a run that crashed while writing; never a checkpoint that loading would use.
                deleteTree(stale);
            }
        }
    }

    static String name(int step) {
        return String.format("step-%08d", step);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
