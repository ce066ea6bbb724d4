package dev.pairstream.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** How a service creates and verifies its Kafka topics at start-up ({@code pair.kafka.topics.*}). */
@ConfigMapping(prefix = "pair.kafka.topics")
public interface TopicSettings {

    /**
     * Replication factor for the topics this service creates. When unset, the broker's
     * {@code default.replication.factor} applies, which suits a single-node broker and a production cluster alike.
     */
    Optional<Short> replicationFactor();

    /** Time limit for one round of Admin requests (describe, create). */
    @WithDefault("15s")
    Duration requestTimeout();

    /** Wait between two attempts while the broker is unreachable or a topic is still being created. */
    @WithDefault("2s")
    Duration retryInterval();
}
