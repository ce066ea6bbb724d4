package dev.pairstream.kafkalocal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Immutable snapshot of a {@link KafkaLocalBroker.Builder}.
 *
 * @param port              broker listener port, or 0 to pick a free one
 * @param dataDirectory     persistent data directory, or null for a temporary one that is deleted on close
 * @param topics            topics to create once the broker is ready, in declaration order
 * @param brokerProperties  server properties applied over the single-node defaults
 * @param startupTimeout    upper bound for start-up, readiness and topic creation together
 */
record BrokerSettings(
        int port,
        Path dataDirectory,
        List<TopicSpec> topics,
        Map<String, String> brokerProperties,
        Duration startupTimeout) {

    BrokerSettings {
        topics = List.copyOf(topics);
        brokerProperties = Map.copyOf(brokerProperties);
    }
}
