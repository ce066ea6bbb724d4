package dev.pairstream.erasure.pretrain;

import dev.pairstream.erasure.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint folders of a run, {@code <run>/checkpoints/step-NNNNNNNN}. Each is written under a temporary name
 * and renamed when complete, so a folder with a step name is always whole. Leftovers of a crash keep their temporary
 * name and are removed on the next start.
 */
final class CheckpointStore {

    /** Subfolder of the run folder that contains the checkpoints. */
    static final String FOLDER = "checkpoints";

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final Pattern NAME = Pattern.compile("step-(\\d{8,})");

    /** Writes a checkpoint's content into a fresh folder. */
    @FunctionalInterface
    interface Content {
        void writeTo(Path folder) throws IOException;
    }

    private final Path folder;

    CheckpointStore(Path runDirectory) {
        this.folder = runDirectory.resolve(FOLDER);
    }

    /** Returns the folder that contains the checkpoints. */
    Path folder() {
        return folder;
    }

    /** Returns the folder name of the checkpoint after {@code step} steps. */
    static String name(long step) {
        return String.format("step-%08d", step);
    }

    /** Returns the complete checkpoints, oldest first. */
    List<Path> list() throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(folder)) {
            return children.filter(path -> stepOf(path).isPresent())
                    .filter(path -> Files.isRegularFile(path.resolve(TrainerState.FILE_NAME)))
                    .sorted(Comparator.comparingLong(path -> stepOf(path).orElseThrow()))
                    .toList();
        }
    }

    /** Returns the checkpoint with the most steps, if there is one. */
    Optional<Path> latest() throws IOException {
        List<Path> checkpoints = list();
        return checkpoints.isEmpty() ? Optional.empty() : Optional.of(checkpoints.get(checkpoints.size() - 1));
    }

    /** Deletes temporary folders that an interrupted checkpoint write left behind. */
    void removeLeftovers() throws IOException {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> children = Files.list(folder)) {
            for (Path child : children.toList()) {
                if (child.getFileName().toString().endsWith(AtomicFiles.PARTIAL_SUFFIX)) {
                    LOG.info("Removing the incomplete checkpoint folder {} left by an interrupted run", child);
                    AtomicFiles.deleteRecursively(child);
                }
            }
        }
    }

    /**
     * Writes the checkpoint after {@code step} steps and then deletes all but the newest {@code keep} checkpoints.
     *
     * @return the checkpoint folder
     */
    Path write(long step, int keep, Content content) throws IOException {
        Path target = folder.resolve(name(step));
        Path temporary = AtomicFiles.newTemporaryFolder(target);
        try {
            content.writeTo(temporary);
            if (Files.exists(target)) {
                AtomicFiles.replaceFolder(temporary, target);
            } else {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            AtomicFiles.deleteQuietly(temporary);
        }
        prune(keep);
        return target;
    }

    private void prune(int keep) throws IOException {
        List<Path> checkpoints = new ArrayList<>(list());
        while (checkpoints.size() > keep) {
            Path oldest = checkpoints.remove(0);
            AtomicFiles.deleteRecursively(oldest);
            LOG.debug("Deleted old checkpoint {}", oldest);
        }
    }

    /** Returns the step in a checkpoint folder's name. */
    static Optional<Long> stepOf(Path checkpoint) {
        Matcher matcher = NAME.matcher(checkpoint.getFileName().toString());
        return matcher.matches() ? Optional.of(Long.parseLong(matcher.group(1))) : Optional.empty();
    }
}
