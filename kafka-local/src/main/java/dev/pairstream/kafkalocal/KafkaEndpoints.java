package dev.pairstream.kafkalocal;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses between the in-JVM broker and a Testcontainers broker for {@link KafkaLocalExtension}.
 */
final class KafkaEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaEndpoints.class);

    private static final String DOCKER_CLIENT_FACTORY = "org.testcontainers.DockerClientFactory";

    /**
     * Upper bound for the Docker probe. Testcontainers returns within about a second when no daemon listens, but a
     * daemon that accepts the connection and never replies would otherwise block the test class.
     */
    static final Duration DOCKER_PROBE_TIMEOUT = Duration.ofSeconds(15);

    private KafkaEndpoints() {
    }

    /**
     * Starts a Testcontainers broker when {@value KafkaLocalExtension#TESTCONTAINERS_PROPERTY} is {@code true} and
     * a Docker daemon responds, else an in-JVM broker.
     *
     * @throws KafkaLocalException when the chosen broker fails to start
     */
    static KafkaEndpoint start(BrokerSettings settings) {
        if (Boolean.getBoolean(KafkaLocalExtension.TESTCONTAINERS_PROPERTY) && isDockerUsable()) {
            LOG.info("Starting a Kafka container because {}=true and Docker is available",
                    KafkaLocalExtension.TESTCONTAINERS_PROPERTY);
            return TestcontainersKafkaEndpoint.start(settings);
        }
        KafkaLocalBroker broker = new KafkaLocalBroker(settings);
        return broker.start();
    }

    private static boolean isDockerUsable() {
        if (!isOnClasspath(DOCKER_CLIENT_FACTORY)) {
            LOG.warn("{}=true, but Testcontainers is not on the classpath; using the in-JVM Kafka broker. Add "
                    + "org.testcontainers:testcontainers-kafka as a test dependency to run Kafka in Docker",
                    KafkaLocalExtension.TESTCONTAINERS_PROPERTY);
            return false;
        }
        KafkaLogLevels.quietDockerProbe();
        FutureTask<Boolean> probe = new FutureTask<>(TestcontainersKafkaEndpoint::isDockerAvailable);
        Thread probeThread = new Thread(probe, "kafka-local-docker-probe");
        probeThread.setDaemon(true);
        probeThread.start();
        try {
            if (probe.get(DOCKER_PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            LOG.warn("{}=true, but no Docker daemon responded; using the in-JVM Kafka broker. Set the level of "
                    + "logger org.testcontainers.dockerclient to DEBUG to see why",
                    KafkaLocalExtension.TESTCONTAINERS_PROPERTY);
        } catch (TimeoutException e) {
            probe.cancel(true);
            LOG.warn("{}=true, but the Docker probe did not answer within {} ms; using the in-JVM Kafka broker",
                    KafkaLocalExtension.TESTCONTAINERS_PROPERTY, DOCKER_PROBE_TIMEOUT.toMillis());
        } catch (ExecutionException e) {
            LOG.warn("{}=true, but the Docker probe failed; using the in-JVM Kafka broker",
                    KafkaLocalExtension.TESTCONTAINERS_PROPERTY, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaLocalException("Interrupted while checking for a Docker daemon", e);
        }
        return false;
    }

    private static boolean isOnClasspath(String className) {
        try {
            Class.forName(className, false, KafkaEndpoints.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
