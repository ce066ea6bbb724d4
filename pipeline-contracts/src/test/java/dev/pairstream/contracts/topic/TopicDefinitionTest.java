package dev.pairstream.contracts.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.contracts.event.AdapterPromotion;
import dev.pairstream.contracts.serde.JsonSerde;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicDefinitionTest {

    @Test
    void pipelineTopicsHaveTheAgreedNamesAndPartitions() {
        // Given
        List<String> expectedNames = List.of("moderation.flagged-prompts", "erasure.pairs", "erasure.fisher",
                "erasure.training-jobs", "erasure.adapters.candidates", "erasure.evaluations",
                "erasure.adapters.promoted", "erasure.dead-letters");
        List<Integer> expectedPartitions = List.of(6, 6, 3, 3, 1, 1, 1, 3);

        // When
        List<TopicDefinition<?, ?>> all = Topics.all();

        // Then
        assertEquals(expectedNames, all.stream().map(TopicDefinition::name).toList());
        assertEquals(expectedPartitions, all.stream().map(TopicDefinition::partitions).toList());
        assertEquals(List.of(false, false, false, false, false, false, true, false),
                all.stream().map(TopicDefinition::compacted).toList());
    }

    @Test
    void promotedTopicIsCompactedAndKeptForever() {
        // When
        Map<String, String> configs = Topics.ADAPTERS_PROMOTED.configs();

        // Then
        assertEquals(Map.of("cleanup.policy", "compact", "retention.ms", "-1"), configs);
        assertTrue(Topics.ADAPTERS_PROMOTED.retainsForever());
        assertEquals(AdapterPromotion.class, ((JsonSerde<?>) Topics.ADAPTERS_PROMOTED.valueSerde()).type());
    }

    @Test
    void deleteTopicConfigsCarryRetentionInMilliseconds() {
        // When
        Map<String, String> configs = Topics.PAIRS.configs();

        // Then 30 days = 30 * 24 * 3600 * 1000 ms
        assertEquals(Map.of("cleanup.policy", "delete", "retention.ms", "2592000000"), configs);
        assertFalse(Topics.PAIRS.retainsForever());
    }

    @Test
    void compactedTopicWithFiniteRetentionAlsoDeletes() {
        // Given
        TopicDefinition<String, String> topic = new TopicDefinition<>("state.cache", Serdes.String(),
                Serdes.String(), 2, true, Duration.ofHours(1));

        // When
        Map<String, String> configs = topic.configs();

        // Then
        assertEquals(Map.of("cleanup.policy", "compact,delete", "retention.ms", "3600000"), configs);
    }

    @Test
    void newTopicCarriesPartitionsReplicationAndConfigs() {
        // When
        NewTopic newTopic = Topics.FISHER.newTopic((short) 3);

        // Then
        assertEquals("erasure.fisher", newTopic.name());
        assertEquals(3, newTopic.numPartitions());
        assertEquals(3, newTopic.replicationFactor());
        assertEquals(Map.of("cleanup.policy", "delete", "retention.ms", "2592000000"), newTopic.configs());
    }

    @Test
    void newTopicRejectsReplicationBelowOne() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> Topics.FISHER.newTopic((short) 0));

        // Then
        assertEquals("Replication factor of topic erasure.fisher must be at least 1 but was 0", error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "has space", "slash/name", "ümlaut"})
    void invalidTopicNamesAreRejected(String name) {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new TopicDefinition<>(name, Serdes.String(), Serdes.String(), 1, false, Duration.ofDays(1)));

        // Then
        assertEquals("Topic name '" + name + "' is invalid: expected 1 to 249 characters from [a-zA-Z0-9._-], not"
                + " '.' or '..'", error.getMessage());
    }

    @Test
    void partitionsAndRetentionMustBePositive() {
        // When
        IllegalArgumentException partitions = assertThrows(IllegalArgumentException.class,
                () -> new TopicDefinition<>("t", Serdes.String(), Serdes.String(), 0, false, Duration.ofDays(1)));
        IllegalArgumentException retention = assertThrows(IllegalArgumentException.class,
                () -> new TopicDefinition<>("t", Serdes.String(), Serdes.String(), 1, false, Duration.ZERO));

        // Then
        assertEquals("Topic t must have at least 1 partition but was given 0", partitions.getMessage());
        assertEquals("Topic t must have a positive retention or RETAIN_FOREVER but was given PT0S",
                retention.getMessage());
    }
}
