package dev.pairstream.erasure.emoji;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removes the temporary folders that this package creates for its own work. */
final class Folders {

    private static final Logger LOG = LoggerFactory.getLogger(Folders.class);

    private Folders() {
    }

    /**
     * Deletes a folder this package created, with everything in it, logging instead of throwing on failure so
     * that cleanup never hides the error that led to it.
     */
    static void deleteQuietly(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            List<Path> deepestFirst = paths.sorted(Comparator.reverseOrder()).toList();
            for (Path path : deepestFirst) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.warn("Failed to remove the temporary folder {}: {}", folder, e.toString());
        }
    }
}
