package dev.pairstream.kafkalocal;

import static dev.pairstream.kafkalocal.KafkaTestClients.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Client-facing behaviour of one shared broker: topics, produce and consume, transactions. */
class KafkaLocalBrokerTest {

    private static final String EVENTS = "events";
    private static final String LATEST_STATE = "latest-state";
    private static final String TRANSACTIONS = "transactions";
    private static final String EOS_INPUT = "eos-input";
    private static final String EOS_OUTPUT = "eos-output";

    /** Acceptance bar for start-up; about 2 to 5 s were measured on a 2-core development machine. */
    private static final Duration MAX_STARTUP = Duration.ofSeconds(15);

    @RegisterExtension
    static final KafkaLocalExtension KAFKA = new KafkaLocalExtension(KafkaLocalBroker.builder()
            .topic(EVENTS, 3)
            .compactedTopic(LATEST_STATE, 2)
            .topic(TRANSACTIONS, 1)
            .topic(EOS_INPUT, 1)
            .topic(EOS_OUTPUT, 1));

    @Test
    void startsWithinFifteenSeconds(KafkaLocalBroker broker) {
        // Given the broker that the extension started for this class

        // When its recorded start-up duration is read
        Duration startup = broker.startupDuration();

        // Then it stays below the acceptance bar
        assertTrue(startup.compareTo(MAX_STARTUP) < 0, "start-up took " + startup.toMillis() + " ms");
        assertTrue(broker.bootstrapServers().startsWith("127.0.0.1:"), broker.bootstrapServers());
        assertEquals("127.0.0.1:" + broker.port(), broker.bootstrapServers());
    }

    @Test
    void declaredTopicsMatchBuilder(KafkaLocalBroker broker) throws Exception {
        // Given the topics declared on the builder

        // When they are described through the Admin API
        try (Admin admin = admin(broker)) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(EVENTS, LATEST_STATE))
                    .allTopicNames().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Config eventsConfig = topicConfig(admin, EVENTS);
            Config stateConfig = topicConfig(admin, LATEST_STATE);

            // Then partition counts and cleanup policies match the declaration
            assertEquals(3, topics.get(EVENTS).partitions().size());
            assertEquals(2, topics.get(LATEST_STATE).partitions().size());
            assertEquals(TopicConfig.CLEANUP_POLICY_DELETE,
                    eventsConfig.get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
            assertEquals(TopicConfig.CLEANUP_POLICY_COMPACT,
                    stateConfig.get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
        }
    }

    @Test
    void roundTripKeepsPartitions(KafkaLocalBroker broker) throws Exception {
        // Given 30 keyed records spread over the 3 partitions of a topic
        List<ProducerRecord<String, String>> sent = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            sent.add(new ProducerRecord<>(EVENTS, i % 3, "key-" + i, "value-" + i));
        }

        // When they are produced and the topic is read back
        KafkaTestClients.produce(broker.bootstrapServers(), sent);
        List<ConsumerRecord<String, String>> received =
                KafkaTestClients.readAll(broker.bootstrapServers(), EVENTS, IsolationLevel.READ_UNCOMMITTED);

        // Then every record arrives once, in its partition, with its key
        Map<String, String> expectedValueByKey = new HashMap<>();
        Map<String, Integer> expectedPartitionByKey = new HashMap<>();
        for (ProducerRecord<String, String> record : sent) {
            expectedValueByKey.put(record.key(), record.value());
            expectedPartitionByKey.put(record.key(), record.partition());
        }
        Map<String, String> actualValueByKey = new HashMap<>();
        Map<String, Integer> actualPartitionByKey = new HashMap<>();
        for (ConsumerRecord<String, String> record : received) {
            actualValueByKey.put(record.key(), record.value());
            actualPartitionByKey.put(record.key(), record.partition());
        }
        assertEquals(sent.size(), received.size());
        assertEquals(expectedValueByKey, actualValueByKey);
        assertEquals(expectedPartitionByKey, actualPartitionByKey);
    }

    @Test
    void readCommittedSkipsAbortedRecords(KafkaLocalBroker broker) throws Exception {
        // Given one committed, one aborted and another committed transaction
        try (KafkaProducer<String, String> producer =
                KafkaTestClients.transactionalProducer(broker.bootstrapServers(), "tx-visibility")) {
            producer.initTransactions();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TRANSACTIONS, "a", "committed-1"));
            producer.send(new ProducerRecord<>(TRANSACTIONS, "b", "committed-2"));
            producer.commitTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TRANSACTIONS, "c", "aborted-1"));
            producer.flush();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TRANSACTIONS, "d", "committed-3"));
            producer.commitTransaction();
        }

        // When the topic is read with both isolation levels
        List<String> committedView = values(KafkaTestClients.readAll(
                broker.bootstrapServers(), TRANSACTIONS, IsolationLevel.READ_COMMITTED));
        List<String> uncommittedView = values(KafkaTestClients.readAll(
                broker.bootstrapServers(), TRANSACTIONS, IsolationLevel.READ_UNCOMMITTED));

        // Then read_committed skips the aborted record, which read_uncommitted still returns
        assertEquals(List.of("committed-1", "committed-2", "committed-3"), committedView);
        assertEquals(List.of("committed-1", "committed-2", "aborted-1", "committed-3"), uncommittedView);
    }

    @Test
    void transactionCommitsConsumerOffsets(KafkaLocalBroker broker) throws Exception {
        // Given three input records and a consumer group, as a Kafka Streams exactly_once_v2 task uses them
        String group = "eos-group";
        KafkaTestClients.produce(broker.bootstrapServers(), List.of(
                new ProducerRecord<>(EOS_INPUT, "k1", "one"),
                new ProducerRecord<>(EOS_INPUT, "k2", "two"),
                new ProducerRecord<>(EOS_INPUT, "k3", "three")));

        // When a transactional producer writes the transformed records and the input offsets in one transaction
        try (KafkaConsumer<String, String> consumer =
                     KafkaTestClients.consumer(broker.bootstrapServers(), group, IsolationLevel.READ_COMMITTED);
             KafkaProducer<String, String> producer =
                     KafkaTestClients.transactionalProducer(broker.bootstrapServers(), "tx-eos")) {
            producer.initTransactions();
            consumer.subscribe(List.of(EOS_INPUT));
            List<ConsumerRecord<String, String>> input = new ArrayList<>();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (input.size() < 3 && System.nanoTime() - deadline < 0) {
                ConsumerRecords<String, String> batch = consumer.poll(Duration.ofMillis(200));
                batch.forEach(input::add);
            }
            assertEquals(3, input.size(), "input records consumed");

            producer.beginTransaction();
            for (ConsumerRecord<String, String> record : input) {
                producer.send(new ProducerRecord<>(EOS_OUTPUT, record.key(), record.value().toUpperCase()));
            }
            long nextOffset = input.get(input.size() - 1).offset() + 1;
            producer.sendOffsetsToTransaction(
                    Map.of(new TopicPartition(EOS_INPUT, 0), new OffsetAndMetadata(nextOffset)),
                    consumer.groupMetadata());
            producer.commitTransaction();
        }

        // Then the output is visible to read_committed readers and the group offset moved past the input
        List<String> output = values(KafkaTestClients.readAll(
                broker.bootstrapServers(), EOS_OUTPUT, IsolationLevel.READ_COMMITTED));
        assertEquals(List.of("ONE", "TWO", "THREE"), output);
        try (Admin admin = admin(broker)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(3L, committed.get(new TopicPartition(EOS_INPUT, 0)).offset());
        }
    }

    @Test
    void createTopicWaitsForLeaders(KafkaLocalBroker broker) throws Exception {
        // Given a running broker

        // When a topic is created through the convenience method
        broker.createTopic("created-later", 4);

        // Then it exists with the requested partitions, each with a leader
        try (Admin admin = admin(broker)) {
            TopicDescription description = admin.describeTopics(List.of("created-later")).allTopicNames()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get("created-later");
            assertEquals(4, description.partitions().size());
            assertTrue(description.partitions().stream().allMatch(partition -> partition.leader() != null));
        }
    }

    @Test
    void createTopicsAcceptsMatchingTopic(KafkaLocalBroker broker) {
        // Given a topic that exists with 3 partitions and no compaction

        // When it is requested again with the same and with fewer partitions
        broker.createTopics(new NewTopic(EVENTS, 3, (short) 1));
        broker.createTopics(List.of(new NewTopic(EVENTS, 2, (short) 1)));

        // Then the request succeeds and the topic keeps its partitions
        assertEquals(3, partitionCount(broker, EVENTS));
    }

    @Test
    void createTopicsRejectsFewerPartitions(KafkaLocalBroker broker) {
        // Given a topic that exists with 3 partitions

        // When it is requested with 5
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> broker.createTopic(EVENTS, 5));

        // Then the error names the topic and both counts
        assertTrue(error.getMessage().contains("'" + EVENTS + "'"), error.getMessage());
        assertTrue(error.getMessage().contains("3 partitions"), error.getMessage());
        assertTrue(error.getMessage().contains("5"), error.getMessage());
    }

    @Test
    void createTopicsRejectsCompactionMismatch(KafkaLocalBroker broker) {
        // Given a compacted topic

        // When it is requested without compaction
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> broker.createTopic(LATEST_STATE, 2));

        // Then the error names the topic and the compaction mismatch
        assertTrue(error.getMessage().contains("'" + LATEST_STATE + "'"), error.getMessage());
        assertTrue(error.getMessage().contains("compaction enabled"), error.getMessage());
    }

    @Test
    void createTopicRejectsInvalidName(KafkaLocalBroker broker) {
        // Given a name with a character Kafka does not allow
        String name = "bad/name";

        // When the topic is requested
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> broker.createTopic(name, 1));

        // Then the error names the topic
        assertTrue(error.getMessage().contains("'" + name + "'"), error.getMessage());
    }

    private static Admin admin(KafkaLocalBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static Config topicConfig(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all()
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(resource);
    }

    private static int partitionCount(KafkaLocalBroker broker, String topic) {
        try (Admin admin = admin(broker)) {
            return admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic).partitions().size();
        } catch (Exception e) {
            throw new AssertionError("Failed to describe topic " + topic, e);
        }
    }

    private static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }
}
