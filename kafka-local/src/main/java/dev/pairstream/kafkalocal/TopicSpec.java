package dev.pairstream.kafkalocal;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;

/**
 * Topic that a local broker creates once it is ready.
 *
 * @param name       Kafka topic name
 * @param partitions number of partitions, at least 1
 * @param compacted  whether the topic uses {@code cleanup.policy=compact}
 */
record TopicSpec(String name, int partitions, boolean compacted) {

    /** Suffix of the text form that marks a compacted topic. */
    static final String COMPACT_SUFFIX = "compact";

    /** The only replication factor a single-node broker can satisfy. */
    private static final short REPLICATION_FACTOR = 1;

    TopicSpec {
        Objects.requireNonNull(name, "topic name must not be null");
        try {
            Topic.validate(name);
        } catch (InvalidTopicException e) {
            throw new IllegalArgumentException("Invalid topic name '" + name + "': " + e.getMessage(), e);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException(
                    "Invalid partition count " + partitions + " for topic '" + name + "': expected at least 1");
        }
    }

    /**
     * Parses the text form {@code name:partitions[:compact]}, as given on the command line and in test resource
     * arguments.
     *
     * @throws IllegalArgumentException when the text does not have that form
     */
    static TopicSpec parse(String text) {
        Objects.requireNonNull(text, "topic text must not be null");
        String[] parts = text.trim().split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException(
                    "Invalid topic '" + text + "': expected name:partitions or name:partitions:compact");
        }
        boolean compacted = false;
        if (parts.length == 3) {
            if (!COMPACT_SUFFIX.equals(parts[2])) {
                throw new IllegalArgumentException("Invalid topic '" + text + "': the third field must be '"
                        + COMPACT_SUFFIX + "', not '" + parts[2] + "'");
            }
            compacted = true;
        }
        int partitions;
        try {
            partitions = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "Invalid partition count '" + parts[1] + "' in topic '" + text + "': expected an integer", e);
        }
        return new TopicSpec(parts[0], partitions, compacted);
    }

    /** Converts this spec into an Admin client request for a single-node cluster. */
    NewTopic toNewTopic() {
        NewTopic topic = new NewTopic(name, partitions, REPLICATION_FACTOR);
        if (compacted) {
            topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        }
        return topic;
    }
}
