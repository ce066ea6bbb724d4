package dev.pairstream.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;

/** How a service reaches Kafka and sets up its topics ({@code pair.kafka.*}). */
@ConfigMapping(prefix = "pair.kafka")
public interface KafkaSettings {

    /**
     * Replication factor for the topics this service creates. When unset, the broker's
     * {@code default.replication.factor} applies, which suits a single-node broker and a production cluster alike.
     */
    @WithName("topics.replication-factor")
    Optional<Short> replicationFactor();

    /** Time limit for one round of Admin requests (describe, create). */
    @WithName("topics.request-timeout")
    @WithDefault("15s")
    Duration requestTimeout();

    /** Wait between two attempts while the broker is unreachable or a topic is still being created. */
    @WithName("topics.retry-interval")
    @WithDefault("2s")
    Duration retryInterval();

    /** Time limit of the readiness check's request to the broker; keep it below the orchestrator's probe timeout. */
    @WithDefault("3s")
    Duration healthTimeout();
}
