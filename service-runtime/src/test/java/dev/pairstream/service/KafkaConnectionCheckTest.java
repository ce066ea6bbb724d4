package dev.pairstream.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import io.quarkus.runtime.ShutdownEvent;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

class KafkaConnectionCheckTest {

    private static final ServiceTopics TOPICS = new ServiceTopics("test-service", List.of(Topics.PAIRS), List.of());

    @Test
    void reportsUpWithClusterDetails() {
        try (KafkaLocalBroker broker = KafkaLocalBroker.builder().build().start()) {
            KafkaConnectionCheck check = checkFor(broker.bootstrapServers());
            try {
                HealthCheckResponse response = check.call();

                assertEquals(HealthCheckResponse.Status.UP, response.getStatus());
                assertEquals(1L, response.getData().orElseThrow().get("nodes"));
            } finally {
                check.onStop(new ShutdownEvent());
            }
        }
    }

    @Test
    void reportsDownWithinHealthTimeoutWhenBrokerIsAbsent() throws IOException {
        KafkaConnectionCheck check = checkFor("127.0.0.1:" + freePort());
        try {
            long started = System.nanoTime();
            HealthCheckResponse response = check.call();
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

            assertEquals(HealthCheckResponse.Status.DOWN, response.getStatus());
            assertThat(response.getData().orElseThrow().get("reason").toString()).isNotBlank();
            // The settings' health timeout is 2 s; allow for a slow, shared machine but not Kafka's 60 s default.
            assertThat(elapsed).isLessThan(Duration.ofSeconds(10));
        } finally {
            check.onStop(new ShutdownEvent());
        }
    }

    private static KafkaConnectionCheck checkFor(String bootstrapServers) {
        return new KafkaConnectionCheck(TOPICS, TopicBootstrapTest.FAST_RETRIES,
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
