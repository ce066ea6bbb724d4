package dev.pairstream.contracts.topic;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;

/**
 * Typed description of one Kafka topic: its name, the serdes of its keys and values, and the settings it must
 * be created with.
 *
 * @param name       topic name: 1 to 249 characters from {@code [a-zA-Z0-9._-]}, not "." or ".."
 * @param keySerde   serde of the record keys
 * @param valueSerde serde of the record values
 * @param partitions number of partitions, at least 1; an existing topic may have more
 * @param compacted  whether the topic is compacted, keeping the latest record per key
 * @param retention  how long records are kept, positive, or {@link #RETAIN_FOREVER}
 * @param <K>        key type
 * @param <V>        value type
 */
public record TopicDefinition<K, V>(
        String name, Serde<K> keySerde, Serde<V> valueSerde, int partitions, boolean compacted, Duration retention) {

    /** Retention that never deletes records by age. */
    public static final Duration RETAIN_FOREVER = ChronoUnit.FOREVER.getDuration();

    // Kafka's rule for topic names (org.apache.kafka.common.internals.Topic, Kafka 4.1).
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    /** Validates every field; see the parameter descriptions for the rules. */
    public TopicDefinition {
        Objects.requireNonNull(name, "name");
        if (!LEGAL_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("Topic name '" + name
                    + "' is invalid: expected 1 to 249 characters from [a-zA-Z0-9._-], not '.' or '..'");
        }
        Objects.requireNonNull(keySerde, () -> "keySerde of topic " + name);
        Objects.requireNonNull(valueSerde, () -> "valueSerde of topic " + name);
        if (partitions < 1) {
            throw new IllegalArgumentException(
                    "Topic " + name + " must have at least 1 partition but was given " + partitions);
        }
        Objects.requireNonNull(retention, () -> "retention of topic " + name);
        if (!retention.equals(RETAIN_FOREVER) && (retention.isNegative() || retention.isZero())) {
            throw new IllegalArgumentException(
                    "Topic " + name + " must have a positive retention or RETAIN_FOREVER but was given " + retention);
        }
    }

    /** Returns whether records are never deleted by age. */
    public boolean retainsForever() {
        return retention.equals(RETAIN_FOREVER);
    }

    /**
     * Returns the topic-level configs to create the topic with: {@code cleanup.policy} ({@code compact}, or
     * {@code compact,delete} for a compacted topic with finite retention, otherwise {@code delete}) and
     * {@code retention.ms} ({@code -1} for {@link #RETAIN_FOREVER}).
     */
    public Map<String, String> configs() {
        Map<String, String> configs = new LinkedHashMap<>();
        String cleanupPolicy;
        if (!compacted) {
            cleanupPolicy = TopicConfig.CLEANUP_POLICY_DELETE;
        } else if (retainsForever()) {
            cleanupPolicy = TopicConfig.CLEANUP_POLICY_COMPACT;
        } else {
            cleanupPolicy = TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE;
        }
        configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy);
        configs.put(TopicConfig.RETENTION_MS_CONFIG, retainsForever() ? "-1" : Long.toString(retention.toMillis()));
        return Map.copyOf(configs);
    }

    /**
     * Creates the admin request for this topic.
     *
     * @param replication replication factor, at least 1
     */
    public NewTopic newTopic(short replication) {
        if (replication < 1) {
            throw new IllegalArgumentException(
                    "Replication factor of topic " + name + " must be at least 1 but was " + replication);
        }
        return new NewTopic(name, partitions, replication).configs(configs());
    }

    /**
     * Creates the admin request for this topic; an empty {@code replication} leaves the replication factor to the
     * broker's {@code default.replication.factor}.
     */
    public NewTopic newTopic(Optional<Short> replication) {
        if (replication.isPresent()) {
            return newTopic(replication.get());
        }
        return new NewTopic(name, Optional.of(partitions), Optional.empty()).configs(configs());
    }
}
