package dev.pairstream.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class TopicBootstrapTest {

    private static final ServiceTopics GENERATOR_TOPICS = new ServiceTopics("test-service",
            List.of(Topics.FLAGGED_PROMPTS), List.of(Topics.PAIRS, Topics.DEAD_LETTERS));

    static final KafkaSettings FAST_RETRIES = new KafkaSettings() {
        @Override
        public Optional<Short> replicationFactor() {
            return Optional.empty();
        }

        @Override
        public Duration requestTimeout() {
            return Duration.ofSeconds(5);
        }

        @Override
        public Duration retryInterval() {
            return Duration.ofMillis(200);
        }

        @Override
        public Duration healthTimeout() {
            return Duration.ofSeconds(2);
        }
    };

    @Test
    void createsMissingTopicsAndReportsReady() throws Exception {
        try (KafkaLocalBroker broker = KafkaLocalBroker.builder().build().start()) {
            TopicBootstrap bootstrap = bootstrapFor(broker.bootstrapServers());

            bootstrap.onStart(new StartupEvent());

            try {
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> bootstrap.status().ready());
                assertEquals(3, bootstrap.status().topicCount());
                try (Admin admin = adminFor(broker.bootstrapServers())) {
                    assertThat(admin.listTopics().names().get()).contains(Topics.FLAGGED_PROMPTS.name(),
                            Topics.PAIRS.name(), Topics.DEAD_LETTERS.name());
                }
            } finally {
                bootstrap.onStop(new ShutdownEvent());
            }
        }
    }

    @Test
    void mismatchingTopicKeepsServiceNotReady() throws Exception {
        try (KafkaLocalBroker broker = KafkaLocalBroker.builder().build().start()) {
            // Given: the pairs topic exists with fewer partitions than its definition
            try (Admin admin = adminFor(broker.bootstrapServers())) {
                admin.createTopics(List.of(new NewTopic(Topics.PAIRS.name(), 1, (short) 1))).all().get();
            }
            TopicBootstrap bootstrap = bootstrapFor(broker.bootstrapServers());

            bootstrap.onStart(new StartupEvent());

            try {
                Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> bootstrap.status().error() != null
                                && bootstrap.status().error().contains(Topics.PAIRS.name()));
                assertFalse(bootstrap.status().ready());
            } finally {
                bootstrap.onStop(new ShutdownEvent());
            }
        }
    }

    @Test
    void retriesUntilBrokerComesUp() throws Exception {
        // Given: nothing listens on the port yet
        int port = freePort();
        TopicBootstrap bootstrap = bootstrapFor("127.0.0.1:" + port);
        bootstrap.onStart(new StartupEvent());
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> bootstrap.status().error() != null
                    && !bootstrap.status().error().equals("topic set-up has not finished yet"));
            assertFalse(bootstrap.status().ready());

            // When: the broker starts on that port
            try (KafkaLocalBroker broker = KafkaLocalBroker.builder().port(port).build().start()) {

                // Then
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> bootstrap.status().ready());
                assertTrue(bootstrap.status().ready());
            }
        } finally {
            bootstrap.onStop(new ShutdownEvent());
        }
    }

    private static TopicBootstrap bootstrapFor(String bootstrapServers) {
        Map<String, Object> kafkaConfig = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return new TopicBootstrap(GENERATOR_TOPICS, FAST_RETRIES, kafkaConfig);
    }

    private static Admin adminFor(String bootstrapServers) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
