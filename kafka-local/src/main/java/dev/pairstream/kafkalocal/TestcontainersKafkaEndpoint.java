package dev.pairstream.kafkalocal;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Kafka broker in a Docker container, started through Testcontainers' Kafka module.
 *
 * <p>This class is the only one that refers to Testcontainers types. Callers load it only after the opt-in system
 * property is set and Testcontainers is on the classpath, so the module works without that optional dependency.
 */
final class TestcontainersKafkaEndpoint implements KafkaEndpoint {

    /** System property that overrides the image; the default matches the in-JVM broker's Kafka version. */
    static final String IMAGE_PROPERTY = "pairstream.kafka.image";

    private static final String DEFAULT_IMAGE = "apache/kafka:4.1.2";

    private final KafkaContainer container;

    private TestcontainersKafkaEndpoint(KafkaContainer container) {
        this.container = container;
    }

    /** Tells whether a Docker daemon responds; Testcontainers caches the result for the JVM. */
    static boolean isDockerAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    /**
     * Starts a container with the settings' broker properties and creates the settings' topics in it. The port
     * and data directory settings do not apply to a container.
     *
     * @throws KafkaLocalException when the container does not start or a topic cannot be created
     */
    static TestcontainersKafkaEndpoint start(BrokerSettings settings) {
        String image = System.getProperty(IMAGE_PROPERTY, DEFAULT_IMAGE);
        // NOTE: Docker publishes the mapped port on every host interface unless the daemon sets a default bind
        // address. No test covers this path, because the build machines have no Docker daemon.
        KafkaContainer container = new KafkaContainer(DockerImageName.parse(image)
                .asCompatibleSubstituteFor("apache/kafka"));
        settings.brokerProperties().forEach((key, value) -> container.withEnv(toEnvironmentName(key), value));
        container.withStartupTimeout(settings.startupTimeout());
        TestcontainersKafkaEndpoint endpoint = new TestcontainersKafkaEndpoint(container);
        try {
            container.start();
            List<NewTopic> topics = settings.topics().stream().map(TopicSpec::toNewTopic).toList();
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoint.bootstrapServers()))) {
                TopicCreator.ensureTopics(admin, topics, settings.startupTimeout());
            }
            return endpoint;
        } catch (RuntimeException e) {
            try {
                endpoint.close();
            } catch (RuntimeException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            if (e instanceof KafkaLocalException) {
                throw e;
            }
            throw new KafkaLocalException("Failed to start Kafka container from image " + image + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Converts a server property name to the environment variable that the apache/kafka image reads, for example
     * {@code log.retention.ms} to {@code KAFKA_LOG_RETENTION_MS}. The image maps "_" back from "__" and "-" from
     * "___", so those are escaped before dots become underscores.
     */
    static String toEnvironmentName(String propertyName) {
        String escaped = propertyName.replace("_", "__").replace("-", "___").replace('.', '_');
        return "KAFKA_" + escaped.toUpperCase(Locale.ROOT);
    }

    @Override
    public String bootstrapServers() {
        if (!container.isRunning()) {
            throw new IllegalStateException("The Kafka container is not running");
        }
        return container.getBootstrapServers();
    }

    @Override
    public void close() {
        container.stop();
    }
}
