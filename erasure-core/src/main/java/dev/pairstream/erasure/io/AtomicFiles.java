package dev.pairstream.erasure.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes files and folders under a temporary name and then renames them, so that a reader, or a run that resumes
 * after a crash, never sees a half-written one. The renames rely on POSIX {@code rename(2)} being atomic within one
 * file system, which is why every temporary sits next to its target.
 */
public final class AtomicFiles {

    /** Suffix of the temporary files and folders this class creates; leftovers of a crash end with it. */
    public static final String PARTIAL_SUFFIX = ".partial";

    private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);

    private AtomicFiles() {
    }

    /**
     * Serializes {@code value} to a temporary file next to {@code file}, then moves it over {@code file} atomically.
     * The parent folder is created when needed.
     */
    public static void writeJson(ObjectMapper mapper, Path file, Object value) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = directory.resolve(file.getFileName() + "." + UUID.randomUUID() + PARTIAL_SUFFIX);
        try {
            byte[] bytes = mapper.writeValueAsBytes(value);
            Files.write(temporary, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Returns a new, empty temporary folder next to {@code target}, named after it. */
    public static Path newTemporaryFolder(Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        return Files.createDirectory(parent.resolve("." + target.getFileName() + "." + UUID.randomUUID()
                + PARTIAL_SUFFIX));
    }

    /**
     * Moves a completely written folder to {@code target}. When {@code target} already exists it is first renamed
     * aside and deleted after the move, so between the two renames a reader finds either the old folder under its
     * aside name or the new one, never a mix.
     *
     * @param written a folder next to {@code target}, such as one from {@link #newTemporaryFolder}
     */
    public static void replaceFolder(Path written, Path target) throws IOException {
        Path absoluteTarget = target.toAbsolutePath();
        Path aside = null;
        if (Files.exists(absoluteTarget)) {
            aside = absoluteTarget.resolveSibling("." + absoluteTarget.getFileName() + "." + UUID.randomUUID()
                    + ".old" + PARTIAL_SUFFIX);
            Files.move(absoluteTarget, aside, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(written, absoluteTarget, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (aside != null) {
                Files.move(aside, absoluteTarget, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        if (aside != null) {
            deleteRecursively(aside);
        }
    }

    /** Deletes a file or a folder with everything in it; a missing path is not an error. */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            List<Path> deepestFirst = paths.sorted(Comparator.reverseOrder()).toList();
            for (Path each : deepestFirst) {
                Files.deleteIfExists(each);
            }
        }
    }

    /**
     * Deletes a folder like {@link #deleteRecursively} but logs a failure instead of throwing it, for clean-up that
     * must not hide the error that led to it.
     */
    public static void deleteQuietly(Path path) {
        try {
            deleteRecursively(path);
        } catch (IOException e) {
            LOG.warn("Failed to delete {}: {}", path, e.toString());
        }
    }
}
