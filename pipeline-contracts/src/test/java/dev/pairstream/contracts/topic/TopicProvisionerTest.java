package dev.pairstream.contracts.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.kafkalocal.KafkaLocalBroker;
import dev.pairstream.kafkalocal.KafkaLocalExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaLocalExtension.class)
class TopicProvisionerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Admin admin;

    @BeforeEach
    void connect(KafkaLocalBroker broker) {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterEach
    void disconnect() {
        admin.close(Duration.ofSeconds(10));
    }

    @Test
    void missingTopicsAreCreatedWithTheirSettings() throws Exception {
        // Given
        TopicDefinition<String, String> events = definition("created.events", 3, false, Duration.ofDays(2));
        TopicDefinition<String, String> latest = definition("created.latest", 2, true, TopicDefinition.RETAIN_FOREVER);

        // When
        TopicProvisioner.ensureTopics(admin, List.of(events, latest), (short) 1, TIMEOUT);

        // Then
        assertEquals(3, partitionsOf("created.events"));
        assertEquals("delete", configOf("created.events", "cleanup.policy"));
        assertEquals("172800000", configOf("created.events", "retention.ms"));
        assertEquals(2, partitionsOf("created.latest"));
        assertEquals("compact", configOf("created.latest", "cleanup.policy"));
        assertEquals("-1", configOf("created.latest", "retention.ms"));
    }

    @Test
    void brokerDefaultReplicationIsUsedWhenUnset() throws Exception {
        // Given a single broker, whose default.replication.factor is 1
        TopicDefinition<String, String> events = definition("defaulted.events", 2, false, Duration.ofDays(1));

        // When
        TopicProvisioner.ensureTopics(admin, List.of(events), Optional.empty(), TIMEOUT);

        // Then
        TopicDescription description = admin.describeTopics(List.of("defaulted.events")).allTopicNames().get()
                .get("defaulted.events");
        assertEquals(2, description.partitions().size());
        assertEquals(1, description.partitions().get(0).replicas().size());
    }

    @Test
    void matchingExistingTopicsAreAcceptedAgain() throws Exception {
        // Given a topic created by an earlier run, and one created by hand with more partitions than needed
        TopicDefinition<String, String> earlier = definition("existing.earlier", 2, false, Duration.ofDays(1));
        TopicProvisioner.ensureTopics(admin, List.of(earlier), (short) 1, TIMEOUT);
        admin.createTopics(List.of(new NewTopic("existing.wider", 4, (short) 1))).all().get();
        TopicDefinition<String, String> wider = definition("existing.wider", 2, false, Duration.ofDays(7));

        // When
        TopicProvisioner.ensureTopics(admin, List.of(earlier, wider), (short) 1, TIMEOUT);

        // Then nothing changed
        assertEquals(2, partitionsOf("existing.earlier"));
        assertEquals(4, partitionsOf("existing.wider"));
    }

    @Test
    void topicWithTooFewPartitionsIsRejected() throws Exception {
        // Given
        admin.createTopics(List.of(new NewTopic("narrow.topic", 1, (short) 1))).all().get();
        TopicDefinition<String, String> definition = definition("narrow.topic", 3, false, Duration.ofDays(1));

        // When
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> TopicProvisioner.ensureTopics(admin, List.of(definition), (short) 1, TIMEOUT));

        // Then
        assertEquals("Existing topics do not match their definitions: topic narrow.topic has 1 partitions but"
                + " needs at least 3. Fix these topics (kafka-topics --alter adds partitions, kafka-configs --alter"
                + " sets cleanup.policy) or delete them so that they are created again.", error.getMessage());
    }

    @Test
    void compactionMismatchesAreRejectedTogether() throws Exception {
        // Given one plain topic that must be compacted and one compacted topic that must not be
        admin.createTopics(List.of(
                new NewTopic("plain.should-compact", 1, (short) 1),
                new NewTopic("compact.should-delete", 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                .all().get();
        List<TopicDefinition<?, ?>> definitions = List.of(
                definition("plain.should-compact", 1, true, TopicDefinition.RETAIN_FOREVER),
                definition("compact.should-delete", 1, false, Duration.ofDays(1)));

        // When
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> TopicProvisioner.ensureTopics(admin, definitions, (short) 1, TIMEOUT));

        // Then
        assertEquals("Existing topics do not match their definitions:"
                + " topic plain.should-compact has cleanup.policy=delete but must be compacted (cleanup.policy"
                + " containing compact);"
                + " topic compact.should-delete has cleanup.policy=compact but must not be compacted"
                + " (cleanup.policy=delete)."
                + " Fix these topics (kafka-topics --alter adds partitions, kafka-configs --alter sets"
                + " cleanup.policy) or delete them so that they are created again.", error.getMessage());
    }

    @Test
    void pipelineTopicsAreAcceptedByTheBroker() throws Exception {
        // When
        TopicProvisioner.ensureTopics(admin, Topics.all(), (short) 1, TIMEOUT);

        // Then
        Set<String> names = admin.listTopics().names().get();
        for (TopicDefinition<?, ?> topic : Topics.all()) {
            assertEquals(topic.partitions(), partitionsOf(topic.name()), topic.name());
            assertEquals(topic.configs().get("cleanup.policy"), configOf(topic.name(), "cleanup.policy"));
            assertTrue(names.contains(topic.name()), topic.name());
        }
    }

    @Test
    void duplicateDefinitionsAreRejected() {
        // Given
        TopicDefinition<String, String> once = definition("twice.listed", 1, false, Duration.ofDays(1));

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> TopicProvisioner.ensureTopics(admin, List.of(once, once), (short) 1, TIMEOUT));

        // Then
        assertEquals("Topic twice.listed is listed more than once", error.getMessage());
    }

    private static TopicDefinition<String, String> definition(
            String name, int partitions, boolean compacted, Duration retention) {
        return new TopicDefinition<>(name, Serdes.String(), Serdes.String(), partitions, compacted, retention);
    }

    private int partitionsOf(String topic) throws Exception {
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        return description.partitions().size();
    }

    private String configOf(String topic, String key) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        return config.get(key).value();
    }
}
