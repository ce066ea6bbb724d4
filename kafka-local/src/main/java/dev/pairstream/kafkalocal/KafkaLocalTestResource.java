package dev.pairstream.kafkalocal;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Quarkus test resource that starts an in-JVM Kafka broker before the application and stops it afterwards.
 *
 * <p>Use it as {@code @WithTestResource(KafkaLocalTestResource.class)} or
 * {@code @QuarkusTestResource(KafkaLocalTestResource.class)}. It sets {@value #KAFKA_BOOTSTRAP_SERVERS} and
 * {@value #KAFKA_STREAMS_BOOTSTRAP_SERVERS} to the broker address, which also keeps Quarkus Dev Services from
 * starting a Kafka container. Test fields of type {@link KafkaLocalBroker} receive the broker.
 *
 * <p>Init arguments:
 * <ul>
 *   <li>{@value #TOPICS_ARG}: comma-separated {@code name:partitions} or {@code name:partitions:compact} entries</li>
 *   <li>{@value #PORT_ARG}: client port, 0 (the default) for a free one</li>
 * </ul>
 */
public class KafkaLocalTestResource implements QuarkusTestResourceLifecycleManager {

    /** Init argument with the topics to create. */
    public static final String TOPICS_ARG = "topics";

    /** Init argument with the client port. */
    public static final String PORT_ARG = "port";

    /** Configuration key that the Quarkus Kafka client and SmallRye Reactive Messaging read. */
    public static final String KAFKA_BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";

    /** Configuration key that the Quarkus Kafka Streams extension reads. */
    public static final String KAFKA_STREAMS_BOOTSTRAP_SERVERS = "quarkus.kafka-streams.bootstrap-servers";

    private KafkaLocalBroker.Builder builder = KafkaLocalBroker.builder();
    private KafkaLocalBroker broker;

    /**
     * Reads the {@value #TOPICS_ARG} and {@value #PORT_ARG} init arguments.
     *
     * @throws IllegalArgumentException when an argument is malformed or unknown
     */
    @Override
    public void init(Map<String, String> initArgs) {
        KafkaLocalBroker.Builder configured = KafkaLocalBroker.builder();
        for (Map.Entry<String, String> arg : initArgs.entrySet()) {
            switch (arg.getKey()) {
                case TOPICS_ARG -> addTopics(configured, arg.getValue());
                case PORT_ARG -> configured.port(parsePort(arg.getValue()));
                default -> throw new IllegalArgumentException("Unknown init argument '" + arg.getKey()
                        + "' for KafkaLocalTestResource: expected " + TOPICS_ARG + " or " + PORT_ARG);
            }
        }
        builder = configured;
    }

    /**
     * Starts the broker and returns the bootstrap address under both configuration keys.
     *
     * @throws KafkaLocalException when the broker fails to start
     */
    @Override
    public Map<String, String> start() {
        broker = builder.build().start();
        Map<String, String> config = new LinkedHashMap<>();
        config.put(KAFKA_BOOTSTRAP_SERVERS, broker.bootstrapServers());
        config.put(KAFKA_STREAMS_BOOTSTRAP_SERVERS, broker.bootstrapServers());
        return config;
    }

    /**
     * Injects the broker into test fields of type {@link KafkaLocalBroker}.
     */
    @Override
    public void inject(TestInjector testInjector) {
        if (broker != null) {
            testInjector.injectIntoFields(broker, new TestInjector.MatchesType(KafkaLocalBroker.class));
        }
    }

    /**
     * Stops the broker and deletes its temporary data directory.
     */
    @Override
    public void stop() {
        KafkaLocalBroker running = broker;
        broker = null;
        if (running != null) {
            running.close();
        }
    }

    /**
     * Returns the running broker, or null before {@link #start()} and after {@link #stop()}.
     */
    public KafkaLocalBroker broker() {
        return broker;
    }

    private static void addTopics(KafkaLocalBroker.Builder target, String value) {
        if (value == null || value.isBlank()) {
            return;
        }
        for (String entry : value.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            TopicSpec topic = TopicSpec.parse(entry);
            if (topic.compacted()) {
                target.compactedTopic(topic.name(), topic.partitions());
            } else {
                target.topic(topic.name(), topic.partitions());
            }
        }
    }

    private static int parsePort(String value) {
        if (value == null) {
            throw new IllegalArgumentException("Init argument " + PORT_ARG + " has no value: expected an integer "
                    + "from 0 to 65535");
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid init argument " + PORT_ARG + "='" + value
                    + "': expected an integer from 0 to 65535", e);
        }
    }
}
