package dev.pairstream.erasure.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.erasure.adapter.Adapter;
import dev.pairstream.erasure.adapter.PeftAdapterFiles;
import dev.pairstream.erasure.io.AtomicFiles;
import dev.pairstream.erasure.model.CheckpointException;
import dev.pairstream.erasure.model.SafetensorsFile;
import dev.pairstream.erasure.optim.AdamW;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The checkpoint of a realignment run after some steps, one folder {@code step-NNNNNNNN} in the run's checkpoint
 * folder:
 * <ul>
 * <li>{@value #ADAPTER_FOLDER}/: the adapter so far as PEFT files, loadable on the untouched base model;</li>
 * <li>{@value #PARAMETERS_FILE}: the trainable arrays as the run keeps them (for FiDoRA, before the rank-2r export),
 * which resuming needs;</li>
 * <li>{@value #OPTIMIZER_FOLDER}/: the AdamW moments and step count;</li>
 * <li>{@value #PROGRESS_FILE}: the step, the loss curve so far and the fingerprint of the run's inputs.</li>
 * </ul>
 * The folder is written under a temporary name and renamed when complete, and the previous checkpoint is deleted only
 * after that, so a crash at any moment leaves one complete checkpoint.
 */
final class RealignmentCheckpoint {

    static final String PREFIX = "step-";
    static final String ADAPTER_FOLDER = "adapter";
    static final String PARAMETERS_FILE = "trainable.safetensors";
    static final String OPTIMIZER_FOLDER = "optimizer";
    static final String PROGRESS_FILE = "progress.json";

    private static final Pattern STEP_FOLDER = Pattern.compile("step-\\d{8}");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RealignmentCheckpoint() {
    }

    /**
     * The state of a run that is not an array.
     *
     * @param step           finished steps
     * @param fingerprint    digest of the method, settings, pairs and neutral prompts of the run
     * @param lossCurve      the logged loss windows so far
     * @param windowSum      sum of the losses of the open logging window
     * @param windowSteps    steps in the open logging window
     * @param trainedSeconds wall time spent on the finished steps, over every invocation
     */
    record Progress(int step, String fingerprint, List<ErasureResult.LossPoint> lossCurve, double windowSum,
            int windowSteps, double trainedSeconds) {

        Progress {
            lossCurve = List.copyOf(lossCurve);
        }
    }

    /** Returns the folder name of the checkpoint after {@code step} steps. */
    static String folderName(long step) {
        return String.format("%s%08d", PREFIX, step);
    }

    /**
     * Writes a checkpoint and deletes every older one.
     *
     * @return the checkpoint folder
     */
    static Path write(Path checkpoints, Adapter adapter, AdamW optimizer, Progress progress) throws IOException {
        Path target = checkpoints.resolve(folderName(progress.step()));
        Files.createDirectories(checkpoints);
        Path temporary = AtomicFiles.newTemporaryFolder(target);
        try {
            PeftAdapterFiles.save(adapter, temporary.resolve(ADAPTER_FOLDER));
            SafetensorsFile.write(temporary.resolve(PARAMETERS_FILE), adapter.parameters());
            optimizer.save(temporary.resolve(OPTIMIZER_FOLDER));
            AtomicFiles.writeJson(JSON, temporary.resolve(PROGRESS_FILE), progress);
            AtomicFiles.replaceFolder(temporary, target);
        } catch (IOException | RuntimeException e) {
            AtomicFiles.deleteQuietly(temporary);
            throw e;
        }
        for (Path older : stepFolders(checkpoints)) {
            if (!older.equals(target)) {
                AtomicFiles.deleteRecursively(older);
            }
        }
        return target;
    }

    /** Returns the checkpoint with the most steps in {@code checkpoints}, if there is one. */
    static Optional<Path> latest(Path checkpoints) throws IOException {
        List<Path> folders = stepFolders(checkpoints);
        return folders.isEmpty() ? Optional.empty() : Optional.of(folders.get(folders.size() - 1));
    }

    /**
     * Loads a checkpoint into a freshly initialised adapter and optimizer of the same run.
     *
     * @throws CheckpointException when the checkpoint belongs to a run with other inputs, or a file is malformed
     */
    static Progress restore(Path checkpoint, Adapter adapter, AdamW optimizer, String fingerprint)
            throws IOException {
        Path progressFile = checkpoint.resolve(PROGRESS_FILE);
        if (!Files.isRegularFile(progressFile)) {
            throw new CheckpointException(progressFile, "is missing; the checkpoint is incomplete");
        }
        Progress progress = JSON.readValue(progressFile.toFile(), Progress.class);
        if (!fingerprint.equals(progress.fingerprint())) {
            throw new CheckpointException(progressFile, "belongs to a run with other inputs (fingerprint "
                    + progress.fingerprint() + ", this run " + fingerprint + "); delete the checkpoint folder "
                    + checkpoint.getParent() + " to start over");
        }
        Map<String, NDArray> parameters = adapter.parameters();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        parameters.forEach((name, array) -> shapes.put(name, array.getShape()));
        try (NDManager loading = adapter.manager().newSubManager()) {
            Map<String, NDArray> loaded = SafetensorsFile.readFloat32(checkpoint.resolve(PARAMETERS_FILE), shapes,
                    loading);
            for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                entry.getValue().set(loaded.get(entry.getKey()).toFloatArray());
            }
        }
        optimizer.load(checkpoint.resolve(OPTIMIZER_FOLDER));
        if (optimizer.stepCount() != progress.step()) {
            throw new CheckpointException(checkpoint, "contains optimizer state after " + optimizer.stepCount()
                    + " steps but progress after " + progress.step());
        }
        return progress;
    }

    /**
     * Returns the digest of everything that must be equal for a checkpoint to continue a run: the method, the
     * settings, the base model id, every pair's id and prompts, and every neutral prompt.
     */
    static String fingerprint(String methodId, RealignmentSettings settings, ErasureProblem problem) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            update(digest, methodId);
            update(digest, settings.toString());
            update(digest, problem.baseModelId());
            for (TrainingPair pair : problem.pairs()) {
                update(digest, pair.pairId());
                update(digest, pair.unsafePrompt());
                update(digest, pair.safePrompt());
            }
            for (NeutralExample example : problem.neutral()) {
                update(digest, example.prompt());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static void update(MessageDigest digest, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        digest.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        digest.update((byte) ':');
        digest.update(bytes);
    }

    private static List<Path> stepFolders(Path checkpoints) throws IOException {
        if (!Files.isDirectory(checkpoints)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(checkpoints)) {
            return entries.filter(path -> STEP_FOLDER.matcher(path.getFileName().toString()).matches())
                    .filter(Files::isDirectory).sorted().toList();
        }
    }
}
