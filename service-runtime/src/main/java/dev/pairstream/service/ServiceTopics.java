package dev.pairstream.service;

import dev.pairstream.contracts.topic.TopicDefinition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The topics one service reads and writes. Each service produces one bean of this type, and
 * {@link TopicBootstrap} creates the missing ones and verifies the rest at start-up.
 *
 * @param serviceName the service's name, used in logs and health-check data
 * @param consumed topics the service reads
 * @param produced topics the service writes
 */
public record ServiceTopics(String serviceName, List<TopicDefinition<?, ?>> consumed,
        List<TopicDefinition<?, ?>> produced) {

    public ServiceTopics {
        Objects.requireNonNull(serviceName, "serviceName");
        consumed = List.copyOf(consumed);
        produced = List.copyOf(produced);
    }

    /** Returns every topic the service touches, each once, consumed ones first. */
    public List<TopicDefinition<?, ?>> all() {
        Map<String, TopicDefinition<?, ?>> byName = new LinkedHashMap<>();
        consumed.forEach(topic -> byName.putIfAbsent(topic.name(), topic));
        produced.forEach(topic -> byName.putIfAbsent(topic.name(), topic));
        return new ArrayList<>(byName.values());
    }
}
