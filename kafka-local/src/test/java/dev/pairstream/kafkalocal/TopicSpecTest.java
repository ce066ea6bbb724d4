package dev.pairstream.kafkalocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicSpecTest {

    @Test
    void parseReadsNamePartitionsAndCompaction() {
        // Given the two text forms

        // When they are parsed
        TopicSpec plain = TopicSpec.parse("orders:6");
        TopicSpec compacted = TopicSpec.parse(" adapters.promoted:1:compact ");

        // Then name, partition count and compaction come through
        assertEquals(new TopicSpec("orders", 6, false), plain);
        assertEquals(new TopicSpec("adapters.promoted", 1, true), compacted);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "orders|expected name:partitions",
        "orders:1:2:3|expected name:partitions",
        "orders:six|'six'",
        "orders:0|expected at least 1",
        "orders:1:delete|'delete'",
        ":1|Invalid topic name ''",
        "or ders:1|'or ders'"})
    void parseRejectsMalformedText(String text, String expectedInMessage) {
        // Given malformed topic text

        // When it is parsed
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> TopicSpec.parse(text));

        // Then the message names what is wrong
        assertTrue(error.getMessage().contains(expectedInMessage),
                "expected '" + expectedInMessage + "' in: " + error.getMessage());
    }

    @Test
    void newTopicCarriesCompactionOnlyWhenRequested() {
        // Given a plain and a compacted spec

        // When they become Admin requests
        NewTopic plain = new TopicSpec("plain", 2, false).toNewTopic();
        NewTopic compacted = new TopicSpec("compacted", 1, true).toNewTopic();

        // Then only the compacted one sets cleanup.policy, and both use replication factor 1
        assertEquals(2, plain.numPartitions());
        assertEquals(1, plain.replicationFactor());
        assertFalse(plain.configs() != null && plain.configs().containsKey("cleanup.policy"));
        assertEquals(Map.of("cleanup.policy", "compact"), compacted.configs());
    }

    @Test
    void isCompactedReadsPolicyList() {
        assertTrue(TopicCreator.isCompacted("compact"));
        assertTrue(TopicCreator.isCompacted("delete, compact"));
        assertFalse(TopicCreator.isCompacted("delete"));
        assertFalse(TopicCreator.isCompacted(null));
    }

    @Test
    void brokerPropertiesMapToKafkaImageEnvironmentNames() {
        assertEquals("KAFKA_LOG_RETENTION_MS", TestcontainersKafkaEndpoint.toEnvironmentName("log.retention.ms"));
        assertEquals("KAFKA_ABC___DEF", TestcontainersKafkaEndpoint.toEnvironmentName("abc-def"));
        assertEquals("KAFKA_ABC__DEF", TestcontainersKafkaEndpoint.toEnvironmentName("abc_def"));
    }
}
