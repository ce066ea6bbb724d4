package dev.pairstream.kafkalocal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a local Kafka broker as its own process until SIGTERM or Ctrl-C; {@code kafka-local/bin/kafka-local} is
 * the launcher. See {@link MainArguments#USAGE} for the options.
 */
public final class KafkaLocalMain {

    /** Exit status for a broker that failed to start or failed while running. */
    static final int EXIT_FAILURE = 1;

    /** Exit status for invalid arguments, following the convention of command-line tools. */
    static final int EXIT_USAGE = 2;

    /** Prefix of the stdout line that marks the broker as ready; the bootstrap address follows it. */
    static final String READY_PREFIX = "kafka-local ready on ";

    private KafkaLocalMain() {
    }

    /**
     * Parses the arguments, starts the broker and blocks until the JVM shuts down or the broker fails.
     */
    public static void main(String[] args) {
        // slf4j-simple reads these once, when the first logger is created, so they must be set before any is.
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command and returns its exit status. Returns only after --help, invalid arguments or a broker
     * failure; a running broker stops through the shutdown hook when the JVM exits.
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        MainArguments arguments;
        KafkaLocalBroker broker;
        try {
            arguments = MainArguments.parse(args);
            broker = arguments.toBuilder().build();
        } catch (IllegalArgumentException e) {
            err.println("kafka-local: " + e.getMessage());
            err.println(MainArguments.USAGE);
            return EXIT_USAGE;
        }
        if (arguments.help()) {
            out.println(MainArguments.USAGE);
            return 0;
        }

        Path readyFile = arguments.readyFile();
        Thread shutdownHook = new Thread(() -> stop(broker, readyFile), "kafka-local-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            // A file left by an earlier run would tell a launcher that this run is ready before it is.
            deleteReadyFile(readyFile);
            broker.start();
            if (readyFile != null) {
                writeReadyFile(readyFile, broker.bootstrapServers());
            }
        } catch (RuntimeException | IOException e) {
            log().error("kafka-local failed to start", e);
            err.println("kafka-local: " + e.getMessage());
            return EXIT_FAILURE;
        }
        out.println(READY_PREFIX + broker.bootstrapServers());
        out.flush();

        String fault = broker.faults().join();
        err.println("kafka-local: the broker failed and stops: " + fault);
        return EXIT_FAILURE;
    }

    private static void stop(KafkaLocalBroker broker, Path readyFile) {
        try {
            broker.close();
        } catch (RuntimeException e) {
            log().error("Failed to stop the Kafka broker cleanly", e);
        }
        try {
            deleteReadyFile(readyFile);
        } catch (IOException e) {
            log().warn("Failed to delete ready file {}", readyFile, e);
        }
    }

    private static void writeReadyFile(Path readyFile, String bootstrapServers) throws IOException {
        Path parent = readyFile.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        // Write then rename, so that a launcher polling for the file never reads it half-written.
        Path temporary = Files.createTempFile(parent, readyFile.getFileName().toString(), ".tmp");
        try {
            Files.writeString(temporary, bootstrapServers + System.lineSeparator(), StandardCharsets.UTF_8);
            try {
                Files.move(temporary, readyFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, readyFile, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static void deleteReadyFile(Path readyFile) throws IOException {
        if (readyFile != null) {
            Files.deleteIfExists(readyFile);
        }
    }

    private static Logger log() {
        return LoggerFactory.getLogger(KafkaLocalMain.class);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
