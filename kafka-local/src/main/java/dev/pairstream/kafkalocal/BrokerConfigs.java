package dev.pairstream.kafkalocal;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Server properties of a single-node KRaft broker that runs the broker and controller roles in one process.
 */
final class BrokerConfigs {

    /** Node id of the only node; the static voter set names it. */
    static final int NODE_ID = 1;

    static final String HOST = "127.0.0.1";

    static final String BROKER_LISTENER = "PLAINTEXT";

    static final String CONTROLLER_LISTENER = "CONTROLLER";

    /**
     * Keys that kafka-local derives from the port and data directory; overriding them would break the listener or
     * quorum set-up, so {@link KafkaLocalBroker.Builder#brokerProperty(String, String)} rejects them.
     */
    static final Set<String> MANAGED_KEYS = Set.of(
            "process.roles",
            "node.id",
            "controller.quorum.voters",
            "controller.quorum.bootstrap.servers",
            "controller.listener.names",
            "listeners",
            "advertised.listeners",
            "listener.security.protocol.map",
            "inter.broker.listener.name",
            "log.dirs",
            "log.dir",
            "metadata.log.dir");

    /**
     * Defaults that differ from Kafka's because there is only one node. Internal topics need replication factor 1,
     * and 3 partitions instead of 50 keep the first group join and transaction fast. The 128 MiB default dedupe
     * buffer of the log cleaner is allocated at start-up and exhausts small test heaps, which makes the broker halt.
     * Automatic topic creation is off, as on a production cluster: a topic appears only through its definition, so a
     * client that touches a topic before its service created it cannot give it the wrong partition count.
     */
    private static final Map<String, String> SINGLE_NODE_DEFAULTS = defaults();

    private BrokerConfigs() {
    }

    private static Map<String, String> defaults() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("offsets.topic.replication.factor", "1");
        values.put("offsets.topic.num.partitions", "3");
        values.put("transaction.state.log.replication.factor", "1");
        values.put("transaction.state.log.min.isr", "1");
        values.put("transaction.state.log.num.partitions", "3");
        values.put("share.coordinator.state.topic.replication.factor", "1");
        values.put("share.coordinator.state.topic.min.isr", "1");
        values.put("share.coordinator.state.topic.num.partitions", "3");
        values.put("group.initial.rebalance.delay.ms", "0");
        values.put("auto.create.topics.enable", "false");
        values.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        return Map.copyOf(values);
    }

    /**
     * Builds the server properties for one start-up attempt.
     *
     * @param dataDirectory  the formatted log and metadata directory
     * @param brokerPort     port of the PLAINTEXT client listener
     * @param controllerPort port of the controller listener
     * @param overrides      user properties, applied over the single-node defaults
     */
    static Properties build(Path dataDirectory, int brokerPort, int controllerPort, Map<String, String> overrides) {
        Properties properties = new Properties();
        properties.putAll(SINGLE_NODE_DEFAULTS);
        properties.putAll(overrides);

        properties.put("process.roles", "broker,controller");
        properties.put("node.id", String.valueOf(NODE_ID));
        // A static voter set needs no --standalone format step and keeps kraft.version at 0.
        properties.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        properties.put("controller.listener.names", CONTROLLER_LISTENER);
        properties.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
        properties.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
        properties.put("listener.security.protocol.map",
                BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        properties.put("inter.broker.listener.name", BROKER_LISTENER);
        properties.put("log.dirs", dataDirectory.toString());
        return properties;
    }
}
