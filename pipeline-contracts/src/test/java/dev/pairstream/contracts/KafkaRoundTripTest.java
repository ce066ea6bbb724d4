package dev.pairstream.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pairstream.contracts.event.AdapterCandidate;
import dev.pairstream.contracts.event.AdapterPromotion;
import dev.pairstream.contracts.event.CapturedBytes;
import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.EvaluationReport;
import dev.pairstream.contracts.event.EventKeys;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.contracts.event.TrainingJobState;
import dev.pairstream.contracts.serde.RecordValidationException;
import dev.pairstream.contracts.topic.TopicDefinition;
import dev.pairstream.contracts.topic.TopicProvisioner;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import dev.pairstream.kafkalocal.KafkaLocalExtension;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Publishes contract records to a real in-JVM Kafka broker and reads them back through the contract serdes. */
@ExtendWith(KafkaLocalExtension.class)
class KafkaRoundTripTest {

    private static final Duration POLL_LIMIT = Duration.ofSeconds(30);

    @BeforeAll
    static void createPipelineTopics(KafkaLocalBroker broker) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()))) {
            TopicProvisioner.ensureTopics(admin, Topics.all(), (short) 1, Duration.ofSeconds(30));
        }
    }

    @Test
    void flaggedPromptRoundTrips(KafkaLocalBroker broker) {
        // Given
        FlaggedPrompt sent = SampleEvents.flaggedPrompt();

        // When
        ConsumerRecord<String, FlaggedPrompt> received =
                roundTrip(broker, Topics.FLAGGED_PROMPTS, sent.promptId(), sent);

        // Then
        assertEquals("prompt-42", received.key());
        assertSameFields(sent, received.value());
        assertEquals(List.of("sexual", "style-imitation"), received.value().categories());
        assertNull(received.value().causationId());
    }

    @Test
    void erasurePairRoundTrips(KafkaLocalBroker broker) {
        // Given
        ErasurePair sent = SampleEvents.erasurePair();
        String key = EventKeys.conceptSetKey(sent.baseModelId(), sent.conceptIds());

        // When
        ConsumerRecord<String, ErasurePair> received = roundTrip(broker, Topics.PAIRS, key, sent);

        // Then
        assertEquals("stable-diffusion-v1-5|nudity,van-gogh-style", received.key());
        assertSameFields(sent, received.value());
        assertEquals(Instant.parse("2025-03-01T10:15:31.123456789Z"), received.value().createdAt());
        assertEquals(SampleEvents.picture('2'), received.value().safePicture());
    }

    @Test
    void fisherSnapshotRoundTrips(KafkaLocalBroker broker) {
        // Given
        FisherSnapshot sent = SampleEvents.fisherSnapshot();

        // When
        ConsumerRecord<String, FisherSnapshot> received = roundTrip(broker, Topics.FISHER, "key", sent);

        // Then
        assertSameFields(sent, received.value());
        assertEquals(sent.coveredRanges(), received.value().coveredRanges());
    }

    @Test
    void trainingJobStateRoundTrips(KafkaLocalBroker broker) {
        // Given
        TrainingJobState sent = SampleEvents.trainingJobState();

        // When
        ConsumerRecord<String, TrainingJobState> received = roundTrip(broker, Topics.TRAINING_JOBS, sent.jobId(),
                sent);

        // Then
        assertSameFields(sent, received.value());
        assertEquals(TrainingJobState.State.FAILED, received.value().state());
        assertEquals(0.4375, received.value().loss());
    }

    @Test
    void adapterCandidateRoundTrips(KafkaLocalBroker broker) {
        // Given
        AdapterCandidate sent = SampleEvents.adapterCandidate();

        // When
        ConsumerRecord<String, AdapterCandidate> received = roundTrip(broker, Topics.ADAPTER_CANDIDATES, "key", sent);

        // Then
        assertSameFields(sent, received.value());
        assertSameFields(sent.provenance(), received.value().provenance());
    }

    @Test
    void evaluationReportRoundTrips(KafkaLocalBroker broker) {
        // Given
        EvaluationReport sent = SampleEvents.evaluationReport();

        // When
        ConsumerRecord<String, EvaluationReport> received = roundTrip(broker, Topics.EVALUATIONS, "key", sent);

        // Then
        assertSameFields(sent, received.value());
        assertSameFields(sent.gates().get(1), received.value().gates().get(1));
        assertEquals(Map.of("erasureRate", 0.96, "clipScore", 30.5), received.value().metrics());
    }

    @Test
    void adapterPromotionRoundTripsUnderItsKey(KafkaLocalBroker broker) {
        // Given
        AdapterPromotion sent = SampleEvents.adapterPromotion();

        // When
        ConsumerRecord<String, AdapterPromotion> received = roundTrip(broker, Topics.ADAPTERS_PROMOTED, sent.key(),
                sent);

        // Then
        assertEquals(sent.key(), received.key());
        assertSameFields(sent, received.value());
    }

    @Test
    void deadLetterRoundTrips(KafkaLocalBroker broker) {
        // Given
        DeadLetter sent = SampleEvents.deadLetter();

        // When
        ConsumerRecord<String, DeadLetter> received = roundTrip(broker, Topics.DEAD_LETTERS, sent.causationId(),
                sent);

        // Then
        assertSameFields(sent, received.value());
        assertEquals(new CapturedBytes("/w==", CapturedBytes.Encoding.BASE64, 5000, true), received.value().payload());
    }

    @Test
    void malformedRecordFailsAndIsDeadLettered(KafkaLocalBroker broker) throws Exception {
        // Given a record on the pairs topic that lacks every field after schemaVersion
        byte[] malformed = "{\"schemaVersion\":1}".getBytes(StandardCharsets.UTF_8);
        RecordMetadata written;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProperties(broker),
                new StringSerializer(), new ByteArraySerializer())) {
            written = producer.send(new ProducerRecord<>(Topics.PAIRS.name(), "bad-key", malformed)).get();
        }
        TopicPartition partition = new TopicPartition(written.topic(), written.partition());

        // When the contract deserializer reads it
        RecordDeserializationException error;
        try (KafkaConsumer<String, ErasurePair> consumer = newConsumer(broker, Topics.PAIRS)) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, written.offset());
            error = assertThrows(RecordDeserializationException.class, () -> pollUntilRecord(consumer));
        }

        // Then the error names the first missing field
        RecordValidationException cause = assertInstanceOf(RecordValidationException.class, error.getCause());
        assertEquals("ErasurePair.recordId", cause.field());
        assertEquals("ErasurePair.recordId is missing", cause.getMessage());
        assertEquals(written.offset(), error.offset());

        // And the dead letter built from it round-trips on the dead-letter topic
        DeadLetter letter = DeadLetter.fromFailedRecord("contracts-test", SampleEvents.BASE_MODEL, partition.topic(),
                partition.partition(), error.offset(), "bad-key".getBytes(StandardCharsets.UTF_8), malformed, cause,
                SampleEvents.T0);
        ConsumerRecord<String, DeadLetter> dead = roundTrip(broker, Topics.DEAD_LETTERS, letter.causationId(), letter);
        assertSameFields(letter, dead.value());
        assertEquals("{\"schemaVersion\":1}", dead.value().payload().data());
    }

    private static <K, V> ConsumerRecord<K, V> roundTrip(
            KafkaLocalBroker broker, TopicDefinition<K, V> topic, K key, V value) {
        RecordMetadata written;
        try (KafkaProducer<K, V> producer = new KafkaProducer<>(producerProperties(broker),
                topic.keySerde().serializer(), topic.valueSerde().serializer())) {
            written = producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
        } catch (Exception e) {
            throw new AssertionError("Failed to produce to " + topic.name(), e);
        }
        TopicPartition partition = new TopicPartition(written.topic(), written.partition());
        try (KafkaConsumer<K, V> consumer = newConsumer(broker, topic)) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, written.offset());
            ConsumerRecord<K, V> received = pollUntilRecord(consumer);
            assertEquals(written.offset(), received.offset());
            return received;
        }
    }

    private static <K, V> ConsumerRecord<K, V> pollUntilRecord(KafkaConsumer<K, V> consumer) {
        long deadline = System.nanoTime() + POLL_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<K, V> record : consumer.poll(Duration.ofMillis(200))) {
                return record;
            }
        }
        throw new AssertionError("No record arrived within " + POLL_LIMIT);
    }

    private static <K, V> KafkaConsumer<K, V> newConsumer(KafkaLocalBroker broker, TopicDefinition<K, V> topic) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Deserializer<K> keys = topic.keySerde().deserializer();
        Deserializer<V> values = topic.valueSerde().deserializer();
        return new KafkaConsumer<>(properties, keys, values);
    }

    private static Properties producerProperties(KafkaLocalBroker broker) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return properties;
    }

    /** Compares two records component by component, so that a failure names the component that differs. */
    private static void assertSameFields(Record expected, Record actual) {
        assertNotNull(actual);
        assertEquals(expected.getClass(), actual.getClass());
        for (RecordComponent component : expected.getClass().getRecordComponents()) {
            assertEquals(valueOf(component, expected), valueOf(component, actual),
                    expected.getClass().getSimpleName() + "." + component.getName());
        }
        assertEquals(expected, actual);
    }

    private static Object valueOf(RecordComponent component, Record record) {
        try {
            return component.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("Cannot read " + component.getName(), e);
        }
    }
}
