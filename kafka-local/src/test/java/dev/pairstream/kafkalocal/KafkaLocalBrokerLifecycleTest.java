package dev.pairstream.kafkalocal;

import static dev.pairstream.kafkalocal.KafkaTestClients.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.utils.Exit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start, stop and restart of brokers that each test builds itself. */
class KafkaLocalBrokerLifecycleTest {

    private static final Duration MAX_STARTUP = Duration.ofSeconds(15);

    /** Time for threads to finish after close() returned; they normally end before it returns. */
    private static final Duration THREAD_EXIT_GRACE = Duration.ofSeconds(10);

    @Test
    void startTakesUnderFifteenSeconds() {
        // Given a broker with the default settings
        KafkaLocalBroker broker = KafkaLocalBroker.builder().build();

        // When it is started and the call is timed from outside
        long startNanos = System.nanoTime();
        try (broker) {
            broker.start();
            Duration measured = Duration.ofNanos(System.nanoTime() - startNanos);

            // Then both the measured and the recorded duration stay under the acceptance bar
            assertTrue(measured.compareTo(MAX_STARTUP) < 0, "start() took " + measured.toMillis() + " ms");
            assertTrue(broker.startupDuration().compareTo(measured) <= 0,
                    "recorded " + broker.startupDuration() + " exceeds measured " + measured);
        }
    }

    @Test
    void closeReleasesPortDirectoryThreads() throws Exception {
        // Given the non-daemon threads before a broker starts, and a running broker that has served a request
        Set<Thread> threadsBefore = KafkaTestClients.nonDaemonThreads();
        KafkaLocalBroker broker = KafkaLocalBroker.builder().topic("closing", 1).build().start();
        KafkaTestClients.produce(broker.bootstrapServers(), List.of(new ProducerRecord<>("closing", "k", "v")));
        int port = broker.port();
        Path dataDirectory = broker.dataDirectory();
        assertTrue(Files.isDirectory(dataDirectory), "data directory exists while running");
        assertFalse(KafkaTestClients.isPortFree(port), "port is bound while running");

        // When it is closed
        broker.close();

        // Then the port is free, the temporary directory is gone and no broker thread keeps the JVM alive
        assertTrue(KafkaTestClients.isPortFree(port), "port " + port + " is free after close");
        assertFalse(Files.exists(dataDirectory), dataDirectory + " is deleted after close");
        assertEquals(List.of(), KafkaTestClients.awaitThreadsEnded(threadsBefore, THREAD_EXIT_GRACE));
        assertFalse(broker.isRunning());
    }

    @Test
    void closeTwiceAndStartTwiceAreHarmless() {
        // Given a started broker
        KafkaLocalBroker broker = KafkaLocalBroker.builder().build();
        try (broker) {
            broker.start();
            String address = broker.bootstrapServers();

            // When start() is called again
            KafkaLocalBroker again = broker.start();

            // Then it returns the same running broker on the same address
            assertSame(broker, again);
            assertEquals(address, broker.bootstrapServers());
        }

        // And a second close() after try-with-resources does nothing
        broker.close();
        assertFalse(broker.isRunning());
    }

    @Test
    void closedBrokerCannotBeRestarted() {
        // Given a broker that was started and closed
        KafkaLocalBroker broker = KafkaLocalBroker.builder().build().start();
        broker.close();

        // When it is started again
        IllegalStateException error = assertThrows(IllegalStateException.class, broker::start);

        // Then the error advises building a new one, and the address is no longer available
        assertTrue(error.getMessage().contains("build a new one"), error.getMessage());
        assertThrows(IllegalStateException.class, broker::bootstrapServers);
    }

    @Test
    void addressIsUnavailableBeforeStart() {
        // Given a broker that was built but not started
        KafkaLocalBroker broker = KafkaLocalBroker.builder().build();

        // When its address, port or temporary directory is requested
        IllegalStateException addressError = assertThrows(IllegalStateException.class, broker::bootstrapServers);
        IllegalStateException portError = assertThrows(IllegalStateException.class, broker::port);
        IllegalStateException directoryError = assertThrows(IllegalStateException.class, broker::dataDirectory);

        // Then each error advises calling start() first
        assertTrue(addressError.getMessage().contains("start()"), addressError.getMessage());
        assertTrue(portError.getMessage().contains("start()"), portError.getMessage());
        assertTrue(directoryError.getMessage().contains("start()"), directoryError.getMessage());
        broker.close();
    }

    @Test
    void restartKeepsCommittedRecords(@TempDir Path tempDir) throws Exception {
        // Given a broker on a persistent directory that stored five records and was closed
        Path dataDirectory = tempDir.resolve("data");
        List<ProducerRecord<String, String>> sent = IntStream.range(0, 5)
                .mapToObj(i -> new ProducerRecord<>("durable", "key-" + i, "value-" + i))
                .toList();
        String firstClusterId;
        try (KafkaLocalBroker first = KafkaLocalBroker.builder()
                .dataDirectory(dataDirectory).topic("durable", 1).build().start()) {
            KafkaTestClients.produce(first.bootstrapServers(), sent);
            firstClusterId = clusterId(first);
        }
        String metaPropertiesAfterFirstRun = Files.readString(dataDirectory.resolve("meta.properties"));

        // When a new broker starts on the same directory and declares the same topic
        try (KafkaLocalBroker second = KafkaLocalBroker.builder()
                .dataDirectory(dataDirectory).topic("durable", 1).build().start()) {
            List<ConsumerRecord<String, String>> received = KafkaTestClients.readAll(
                    second.bootstrapServers(), "durable", IsolationLevel.READ_COMMITTED);

            // Then the directory was not formatted again and the records are still there
            assertEquals(metaPropertiesAfterFirstRun, Files.readString(dataDirectory.resolve("meta.properties")));
            assertEquals(firstClusterId, clusterId(second));
            assertEquals(sent.stream().map(ProducerRecord::value).toList(),
                    received.stream().map(ConsumerRecord::value).toList());
        }

        // And closing a broker keeps a persistent directory
        assertTrue(Files.isDirectory(dataDirectory));
    }

    @Test
    void unformattedNonEmptyDirectoryRejected(@TempDir Path tempDir) throws IOException {
        // Given a directory with a stray file and no meta.properties
        Files.writeString(tempDir.resolve("notes.txt"), "not a Kafka log");
        KafkaLocalBroker broker = KafkaLocalBroker.builder().dataDirectory(tempDir).build();

        // When the broker starts on it
        KafkaLocalException error = assertThrows(KafkaLocalException.class, broker::start);

        // Then the error names the directory and the missing file, and the directory is left untouched
        assertTrue(error.getMessage().contains(tempDir.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("meta.properties"), error.getMessage());
        assertTrue(Files.exists(tempDir.resolve("notes.txt")));
        broker.close();
    }

    @Test
    void invalidBrokerPropertyFailsStart() throws Exception {
        // Given a broker property with a value Kafka rejects
        Set<Thread> threadsBefore = KafkaTestClients.nonDaemonThreads();
        KafkaLocalBroker broker = KafkaLocalBroker.builder().brokerProperty("num.io.threads", "several").build();

        // When the broker starts
        KafkaLocalException error = assertThrows(KafkaLocalException.class, broker::start);

        // Then the error names the property and value, and neither a directory nor a thread is left behind
        assertTrue(error.getMessage().contains("num.io.threads"), error.getMessage());
        assertTrue(error.getMessage().contains("several"), error.getMessage());
        assertFalse(Files.exists(broker.dataDirectory()), "temporary directory is deleted after a failed start");
        assertEquals(List.of(), KafkaTestClients.awaitThreadsEnded(threadsBefore, THREAD_EXIT_GRACE));
        broker.close();
    }

    @Test
    void occupiedFixedPortFailsStart() throws Exception {
        // Given a port that another socket holds on 127.0.0.1
        try (ServerSocket occupant = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = occupant.getLocalPort();
            Set<Thread> threadsBefore = KafkaTestClients.nonDaemonThreads();
            KafkaLocalBroker broker = KafkaLocalBroker.builder().port(port).build();

            // When a broker is asked to listen on it
            KafkaLocalException error = assertThrows(KafkaLocalException.class, broker::start);

            // Then the error names the address, and the failed start leaves no directory or thread behind
            assertTrue(error.getMessage().contains("127.0.0.1:" + port), error.getMessage());
            assertFalse(Files.exists(broker.dataDirectory()));
            assertEquals(List.of(), KafkaTestClients.awaitThreadsEnded(threadsBefore, THREAD_EXIT_GRACE));
            broker.close();
        }
    }

    @Test
    void fixedFreePortIsUsed() {
        // Given a port that is free right now
        int port = FreePorts.pick(1)[0];

        // When a broker is built with it
        try (KafkaLocalBroker broker = KafkaLocalBroker.builder().port(port).build().start()) {

            // Then it listens there
            assertEquals(port, broker.port());
            assertEquals("127.0.0.1:" + port, broker.bootstrapServers());
        }
    }

    @Test
    void haltRequestThrowsInsteadOfHalting() {
        // Given a running broker, which replaces Kafka's exit procedures
        try (KafkaLocalBroker broker = KafkaLocalBroker.builder().build().start()) {

            // When Kafka code requests a JVM halt, as its fatal-fault handler does
            KafkaLocalException error = assertThrows(KafkaLocalException.class,
                    () -> Exit.halt(1, "simulated fatal fault"));

            // Then the request becomes an exception and the broker records it
            assertTrue(error.getMessage().contains("simulated fatal fault"), error.getMessage());
            assertTrue(broker.faults().isDone());
            assertTrue(broker.faults().getNow("").contains("halt with status 1"), broker.faults().getNow(""));
        }
    }

    @Test
    void builderRejectsInvalidSettings() {
        // Given a fresh builder
        KafkaLocalBroker.Builder builder = KafkaLocalBroker.builder().topic("orders", 1);

        // When invalid values are set, then each error names the value and what was expected
        assertMessageContains("70000", () -> builder.port(70_000));
        assertMessageContains("-1", () -> builder.port(-1));
        assertMessageContains("'orders' is declared twice", () -> builder.topic("orders", 2));
        assertMessageContains("expected at least 1", () -> builder.topic("empty", 0));
        assertMessageContains("'bad name'", () -> builder.compactedTopic("bad name", 1));
        assertMessageContains("'listeners'", () -> builder.brokerProperty("listeners", "PLAINTEXT://0.0.0.0:9092"));
        assertMessageContains("'log.dirs'", () -> builder.brokerProperty("log.dirs", "/tmp/elsewhere"));
        assertMessageContains("blank", () -> builder.brokerProperty(" ", "x"));
        assertMessageContains("positive", () -> builder.startupTimeout(Duration.ZERO));
        assertMessageContains("comma", () -> builder.dataDirectory(Path.of("/tmp/a,b")));
    }

    @Test
    void twoBrokersRunSideBySide() throws Exception {
        // Given two brokers in the same JVM, as parallel test classes start them
        try (KafkaLocalBroker first = KafkaLocalBroker.builder().topic("side", 1).build().start();
             KafkaLocalBroker second = KafkaLocalBroker.builder().topic("side", 1).build().start()) {

            // When each receives a different record
            KafkaTestClients.produce(first.bootstrapServers(), List.of(new ProducerRecord<>("side", "k", "first")));
            KafkaTestClients.produce(second.bootstrapServers(), List.of(new ProducerRecord<>("side", "k", "second")));

            // Then each keeps its own record on its own port and directory
            assertFalse(first.bootstrapServers().equals(second.bootstrapServers()));
            assertFalse(first.dataDirectory().equals(second.dataDirectory()));
            assertEquals(List.of("first"), KafkaTestClients.readAll(first.bootstrapServers(), "side",
                    IsolationLevel.READ_COMMITTED).stream().map(ConsumerRecord::value).toList());
            assertEquals(List.of("second"), KafkaTestClients.readAll(second.bootstrapServers(), "side",
                    IsolationLevel.READ_COMMITTED).stream().map(ConsumerRecord::value).toList());
        }
    }

    @Test
    void tooShortTimeoutFailsStart() {
        // Given a start-up timeout no broker can meet
        KafkaLocalBroker broker = KafkaLocalBroker.builder().startupTimeout(Duration.ofMillis(1)).build();

        // When it starts
        KafkaLocalException error = assertThrows(KafkaLocalException.class, broker::start);

        // Then the error names the timeout and the broker is stopped again
        assertTrue(error.getMessage().contains("1 ms"), error.getMessage());
        assertFalse(broker.isRunning());
        broker.close();
    }

    private static String clusterId(KafkaLocalBroker broker) throws Exception {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            return admin.describeCluster().clusterId().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static void assertMessageContains(String expected, Runnable action) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, action::run);
        assertTrue(error.getMessage().contains(expected),
                "expected '" + expected + "' in: " + error.getMessage());
    }
}
