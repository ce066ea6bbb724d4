package dev.pairstream.kafkalocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/**
 * Runs small test classes through the JUnit engine and checks what the extension did for them. The sample classes
 * are nested, so Surefire's default exclusion of inner classes keeps it from running them on their own.
 */
class KafkaLocalExtensionTest {

    /** Brokers that the sample classes received, in the order they saw them. */
    private static final List<KafkaEndpoint> SEEN = new CopyOnWriteArrayList<>();

    @AfterEach
    void forgetSeenBrokers() {
        SEEN.clear();
        System.clearProperty(KafkaLocalExtension.TESTCONTAINERS_PROPERTY);
    }

    @Test
    void extendWithClosesBrokerAfterClass() {
        // Given a test class with @ExtendWith whose constructor, @BeforeAll and tests take broker parameters

        // When the engine runs it
        Events tests = run(SampleWithExtendWith.class);

        // Then all its tests passed and saw one broker, which is closed with its directory and port released
        assertSucceeded(tests, 3);
        assertEquals(1, Set.copyOf(SEEN).size(), "one broker per class");
        KafkaLocalBroker broker = assertInstanceOf(KafkaLocalBroker.class, SEEN.get(0));
        assertFalse(broker.isRunning(), "broker is closed after the class");
        assertFalse(Files.exists(broker.dataDirectory()), "temporary directory is deleted after the class");
        assertTrue(KafkaTestClients.isPortFree(SampleWithExtendWith.port), "port is free after the class");
    }

    @Test
    void registeredExtensionCreatesTopics() {
        // Given a class that registers the extension with a builder that declares topics

        // When the engine runs it
        Events tests = run(SampleWithRegisteredTopics.class);

        // Then its test found the topics and the broker was closed afterwards
        assertSucceeded(tests, 1);
        KafkaLocalBroker broker = assertInstanceOf(KafkaLocalBroker.class, SEEN.get(0));
        assertFalse(broker.isRunning());
    }

    @Test
    void nestedClassSharesEnclosingBroker() {
        // Given a class with a @Nested class, both taking broker parameters

        // When the engine runs them
        Events tests = run(SampleWithNestedClass.class);

        // Then both saw the same broker, which was closed once the outer class finished
        assertSucceeded(tests, 2);
        assertEquals(2, SEEN.size());
        assertSame(SEEN.get(0), SEEN.get(1));
        assertFalse(((KafkaLocalBroker) SEEN.get(0)).isRunning());
    }

    @Test
    void failingTestStillClosesBroker() {
        // Given a class whose test fails after receiving the broker

        // When the engine runs it
        Events tests = run(SampleWithFailingTest.class);

        // Then the failure is reported and the broker is closed all the same
        tests.assertStatistics(stats -> stats.started(1).failed(1));
        assertFalse(((KafkaLocalBroker) SEEN.get(0)).isRunning());
    }

    @Test
    void optInFallsBackQuicklyWithoutDocker() {
        // Given the Testcontainers opt-in
        System.setProperty(KafkaLocalExtension.TESTCONTAINERS_PROPERTY, "true");

        // When the extension starts a broker for a class
        long startNanos = System.nanoTime();
        Events tests = run(SampleWithEndpointOnly.class);
        Duration total = Duration.ofNanos(System.nanoTime() - startNanos);

        // Then, where no Docker daemon responds, the class ran against the in-JVM broker without waiting for the
        // probe timeout
        assertSucceeded(tests, 1);
        assumeTrue(SEEN.get(0) instanceof KafkaLocalBroker, "a Docker daemon answered, so Kafka ran in a container");
        KafkaLocalBroker broker = (KafkaLocalBroker) SEEN.get(0);
        assertFalse(broker.isRunning());
        Duration besidesStartup = total.minus(broker.startupDuration());
        assertTrue(besidesStartup.compareTo(KafkaEndpoints.DOCKER_PROBE_TIMEOUT) < 0,
                "the run took " + total.toMillis() + " ms besides " + broker.startupDuration().toMillis()
                        + " ms of broker start-up");
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void optInWorksWithoutTestcontainersJars() throws Exception {
        // Given a child JVM whose class path has no Testcontainers or Docker client jars
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("testcontainers") && !entry.contains("docker-java")
                        && !entry.contains("duct-tape") && !entry.contains("jna"))
                .collect(Collectors.joining(File.pathSeparator));
        Process process = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, WithoutTestcontainersMain.class.getName())
                .redirectErrorStream(true)
                .start();

        // When it loads the extension and starts a broker with the opt-in set
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean exited = process.waitFor(2, TimeUnit.MINUTES);

        // Then it falls back to the in-JVM broker and logs the reason
        assertTrue(exited, "child JVM exited");
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("endpoint KafkaLocalBroker 127.0.0.1:"), output);
        assertTrue(output.contains("Testcontainers is not on the classpath"), output);
    }

    private static void assertSucceeded(Events tests, long expected) {
        String failures = tests.failed().stream()
                .map(Event::getPayload)
                .map(payload -> payload.map(Object::toString).orElse("?"))
                .reduce("", (text, failure) -> text + System.lineSeparator() + failure);
        assertEquals("", failures, "sample tests failed");
        assertEquals(expected, tests.succeeded().count(), "succeeded sample tests");
    }

    private static Events run(Class<?> testClass) {
        return EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(testClass))
                .execute()
                .testEvents();
    }

    @ExtendWith(KafkaLocalExtension.class)
    static class SampleWithExtendWith {

        static int port;

        SampleWithExtendWith(KafkaLocalBroker broker) {
            SEEN.add(broker);
        }

        @BeforeAll
        static void recordPort(KafkaLocalBroker broker) {
            port = broker.port();
        }

        @Test
        void receivesRunningBroker(KafkaLocalBroker broker) {
            assertTrue(broker.isRunning());
        }

        @Test
        void receivesBrokerAsEndpoint(KafkaEndpoint endpoint) {
            assertTrue(endpoint.bootstrapServers().startsWith("127.0.0.1:"), endpoint.bootstrapServers());
        }

        @Test
        void brokerAnswersAdminRequests(KafkaLocalBroker broker) throws Exception {
            try (Admin admin = admin(broker)) {
                assertEquals(1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
            }
        }
    }

    @ExtendWith(KafkaLocalExtension.class)
    static class SampleWithEndpointOnly {

        @Test
        void receivesEndpoint(KafkaEndpoint endpoint) throws Exception {
            SEEN.add(endpoint);
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoint.bootstrapServers()))) {
                assertEquals(1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
            }
        }
    }

    static class SampleWithRegisteredTopics {

        @RegisterExtension
        static final KafkaLocalExtension KAFKA = new KafkaLocalExtension(KafkaLocalBroker.builder()
                .topic("registered-orders", 3)
                .compactedTopic("registered-state", 1));

        @Test
        void topicsExist(KafkaLocalBroker broker) throws Exception {
            SEEN.add(broker);
            try (Admin admin = admin(broker)) {
                Map<String, TopicDescription> topics = admin
                        .describeTopics(List.of("registered-orders", "registered-state"))
                        .allTopicNames().get(30, TimeUnit.SECONDS);
                assertEquals(3, topics.get("registered-orders").partitions().size());
                assertEquals(1, topics.get("registered-state").partitions().size());
            }
        }
    }

    @ExtendWith(KafkaLocalExtension.class)
    static class SampleWithNestedClass {

        @Test
        void outerTest(KafkaLocalBroker broker) {
            SEEN.add(broker);
        }

        @Nested
        class Inner {

            @Test
            void innerTest(KafkaLocalBroker broker) {
                assertTrue(broker.isRunning(), "the outer broker still runs");
                SEEN.add(broker);
            }
        }
    }

    @ExtendWith(KafkaLocalExtension.class)
    static class SampleWithFailingTest {

        @Test
        void failsAfterReceivingTheBroker(KafkaLocalBroker broker) {
            SEEN.add(broker);
            assertNotNull(null, "this sample test fails on purpose");
        }
    }

    private static Admin admin(KafkaLocalBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }
}
