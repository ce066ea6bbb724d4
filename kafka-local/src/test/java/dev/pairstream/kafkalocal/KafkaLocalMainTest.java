package dev.pairstream.kafkalocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The standalone broker process: started with the test class path, stopped with SIGTERM. */
class KafkaLocalMainTest {

    private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(60);

    /** Exit status of a JVM that SIGTERM ended after its shutdown hooks ran: 128 + 15. */
    private static final int SIGTERM_EXIT_STATUS = 143;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void processServesThenStopsOnSigterm(@TempDir Path tempDir) throws Exception {
        // Given a broker process with a free port, a topic, a persistent directory and a ready file
        Path readyFile = tempDir.resolve("ready").resolve("bootstrap.txt");
        Path dataDirectory = tempDir.resolve("data");
        Process process = startMain("--port", "0", "--topic", "main-topic:2", "--data-dir", dataDirectory.toString(),
                "--ready-file", readyFile.toString());
        try {
            CompletableFuture<String> readyLine = watchForReadyLine(process);

            // When it reports ready
            String line = readyLine.get(PROCESS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            String address = line.substring(KafkaLocalMain.READY_PREFIX.length());
            int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));

            // Then the ready file contains the same address and clients can produce and consume there
            assertTrue(address.startsWith("127.0.0.1:"), line);
            assertEquals(address, Files.readString(readyFile).trim());
            KafkaTestClients.produce(address, List.of(
                    new ProducerRecord<>("main-topic", 0, "k0", "v0"),
                    new ProducerRecord<>("main-topic", 1, "k1", "v1")));
            List<ConsumerRecord<String, String>> records =
                    KafkaTestClients.readAll(address, "main-topic", IsolationLevel.READ_COMMITTED);
            assertEquals(List.of("v0", "v1"), records.stream().map(ConsumerRecord::value).sorted().toList());

            // And when it receives SIGTERM
            process.destroy();
            boolean exited = process.waitFor(PROCESS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

            // Then it exits after its shutdown hook released the port and removed the ready file
            assertTrue(exited, "process exited after SIGTERM");
            assertEquals(SIGTERM_EXIT_STATUS, process.exitValue());
            assertTrue(KafkaTestClients.isPortFree(port), "port " + port + " is free after exit");
            assertFalse(Files.exists(readyFile), "ready file is deleted on shutdown");
            assertTrue(Files.exists(dataDirectory.resolve("meta.properties")), "persistent directory is kept");
        } finally {
            stopForcibly(process);
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void invalidArgumentsExitWithStatusTwo() throws Exception {
        // Given argument lists with an invalid port, a malformed topic and an unknown option
        List<List<String>> invalidArguments = List.of(
                List.of("--port", "nine"),
                List.of("--topic", "orders"),
                List.of("--colour", "blue"));

        for (List<String> arguments : invalidArguments) {
            // When the process runs with them
            Process process = startMain(arguments.toArray(String[]::new));
            try {
                String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                boolean exited = process.waitFor(PROCESS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

                // Then it exits with status 2 and prints the offending value and the usage
                assertTrue(exited, "process exited for " + arguments);
                assertEquals(KafkaLocalMain.EXIT_USAGE, process.exitValue(), "exit status for " + arguments);
                assertTrue(stderr.contains(arguments.get(1)) || stderr.contains(arguments.get(0)),
                        "stderr names the offending value for " + arguments + ": " + stderr);
                assertTrue(stderr.contains("Usage: kafka-local"), "stderr shows the usage: " + stderr);
            } finally {
                stopForcibly(process);
            }
        }
    }

    @Test
    void helpPrintsUsageAndReturnsZero() {
        // Given captured output streams
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        // When the command runs with --help
        int status = KafkaLocalMain.run(new String[] {"--help"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        // Then it prints the usage to stdout and nothing to stderr
        assertEquals(0, status);
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: kafka-local"));
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void argumentsParseBothOptionForms() {
        // Given options with separate and inline values
        String[] args = {"--port=19092", "--topic", "a:2", "--topic=b:1:compact", "--broker-property",
            "log.retention.ms=60000", "--data-dir", "relative/data", "--ready-file=ready.txt"};

        // When they are parsed
        MainArguments arguments = MainArguments.parse(args);

        // Then every value arrives, with relative paths made absolute
        assertEquals(19092, arguments.port());
        assertEquals(List.of(new TopicSpec("a", 2, false), new TopicSpec("b", 1, true)), arguments.topics());
        assertEquals("60000", arguments.brokerProperties().get("log.retention.ms"));
        assertEquals(Path.of("relative/data").toAbsolutePath().normalize(), arguments.dataDirectory());
        assertEquals(Path.of("ready.txt").toAbsolutePath().normalize(), arguments.readyFile());
        assertFalse(arguments.help());
    }

    @Test
    void argumentsDefaultToStockPort() {
        // Given no arguments

        // When they are parsed
        MainArguments arguments = MainArguments.parse(new String[0]);

        // Then the stock Kafka port and a temporary directory apply
        assertEquals(9092, arguments.port());
        assertNull(arguments.dataDirectory());
        assertNull(arguments.readyFile());
        assertEquals(List.of(), arguments.topics());
    }

    @Test
    void argumentErrorsNameTheValue() {
        // Given malformed argument lists, when they are parsed, then each error names what is wrong
        assertParseError("--port", "--port");
        assertParseError("70000", "--port", "70000");
        assertParseError("KEY=VALUE", "--broker-property", "no-equals-sign");
        assertParseError("'compacted'", "--topic", "a:1:compacted");
        assertParseError("'stray'", "stray");
        assertParseError("'listeners'", "--broker-property", "listeners=PLAINTEXT://0.0.0.0:1");
    }

    private static void assertParseError(String expected, String... args) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> MainArguments.parse(args).toBuilder());
        assertTrue(error.getMessage().contains(expected), "expected '" + expected + "' in: " + error.getMessage());
    }

    private static Process startMain(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(KafkaLocalMain.class.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).start();
    }

    /** Completes with the ready line from stdout; drains stderr so the process never blocks on a full pipe. */
    private static CompletableFuture<String> watchForReadyLine(Process process) {
        CompletableFuture<String> readyLine = new CompletableFuture<>();
        Thread stdoutReader = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.startsWith(KafkaLocalMain.READY_PREFIX)) {
                        readyLine.complete(line);
                    }
                }
                readyLine.completeExceptionally(new AssertionError("stdout ended without a ready line"));
            } catch (IOException e) {
                readyLine.completeExceptionally(e);
            }
        }, "kafka-local-main-stdout");
        stdoutReader.setDaemon(true);
        stdoutReader.start();
        Thread stderrDrain = new Thread(() -> {
            try {
                process.getErrorStream().transferTo(System.err);
            } catch (IOException e) {
                // The process ended; nothing is left to drain.
            }
        }, "kafka-local-main-stderr");
        stderrDrain.setDaemon(true);
        stderrDrain.start();
        return readyLine;
    }

    private static void stopForcibly(Process process) throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(PROCESS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
