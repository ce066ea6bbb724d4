package dev.pairstream.service;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** Builds Admin client settings from the service's {@code kafka.*} configuration. */
final class KafkaClients {

    /**
     * Longest wait between reconnection attempts to an unreachable broker. Kafka's default of 1 s makes an idle
     * service log a connection warning every second while the broker is down.
     */
    static final Duration RECONNECT_BACKOFF_MAX = Duration.ofSeconds(10);

    private KafkaClients() {
    }

    static Map<String, Object> adminConfig(Map<String, Object> kafkaConfig, String clientId, Duration timeout) {
        Map<String, Object> config = new HashMap<>();
        kafkaConfig.forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains(key)) {
                config.put(key, value);
            }
        });
        int timeoutMillis = Math.toIntExact(timeout.toMillis());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMillis);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMillis);
        config.putIfAbsent(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG,
                Math.toIntExact(RECONNECT_BACKOFF_MAX.toMillis()));
        return config;
    }

    static String bootstrapServers(Map<String, Object> kafkaConfig) {
        return String.valueOf(kafkaConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
    }
}
