package dev.pairstream.kafkalocal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Storage directory of a local broker. It contains the partition logs, the {@code __cluster_metadata} log and the
 * {@code meta.properties} file that the format step writes.
 */
final class DataDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(DataDirectory.class);

    private DataDirectory() {
    }

    /** Creates a new, empty directory under the system temp directory. */
    static Path createTemporary() {
        try {
            return Files.createTempDirectory("kafka-local-");
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to create a temporary data directory", e);
        }
    }

    /** Tells whether the directory has been formatted, that is whether it contains {@code meta.properties}. */
    static boolean isFormatted(Path directory) {
        return Files.isRegularFile(directory.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME));
    }

    /**
     * Formats the directory for a new single-node cluster unless it is formatted already, so that a persistent
     * directory keeps its cluster id and records across restarts.
     *
     * @throws KafkaLocalException when the directory is unformatted but not empty, or formatting fails
     */
    static void formatIfAbsent(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new KafkaLocalException("Failed to create data directory " + directory + ": " + e, e);
        }
        if (isFormatted(directory)) {
            LOG.debug("Data directory {} is formatted already", directory);
            return;
        }
        if (!isEmpty(directory)) {
            throw new KafkaLocalException("Data directory " + directory + " is not empty and has no "
                    + MetaPropertiesEnsemble.META_PROPERTIES_NAME
                    + "; pass an empty directory or one that kafka-local formatted before");
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        String clusterId = Uuid.randomUuid().toString();
        try (PrintStream formatterOutput = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(formatterOutput)
                    .setNodeId(BrokerConfigs.NODE_ID)
                    .setClusterId(clusterId)
                    .addDirectory(directory.toString())
                    .setMetadataLogDirectory(directory.toString())
                    .setControllerListenerName(BrokerConfigs.CONTROLLER_LISTENER)
                    .run();
        } catch (Exception e) {
            throw new KafkaLocalException("Failed to format data directory " + directory + ": " + e.getMessage(), e);
        }
        LOG.debug("Formatted data directory {} for cluster {}: {}", directory, clusterId,
                output.toString(StandardCharsets.UTF_8).trim());
    }

    /**
     * Deletes a directory tree. A missing directory counts as deleted.
     *
     * @throws UncheckedIOException when a file cannot be deleted
     */
    static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    // A file that disappears during the walk counts as deleted.
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null && !(e instanceof NoSuchFileException)) {
                        throw e;
                    }
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to delete data directory " + directory, e);
        }
    }

    private static boolean isEmpty(Path directory) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            throw new KafkaLocalException("Failed to list data directory " + directory + ": " + e, e);
        }
    }
}
