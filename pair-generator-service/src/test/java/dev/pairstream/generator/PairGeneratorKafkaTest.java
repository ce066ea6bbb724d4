package dev.pairstream.generator;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.pairing.SafeCounterpartWriter;
import dev.pairstream.kafkalocal.KafkaLocalTestResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the service against the in-JVM broker in text-only mode: flagged prompts in, pairs and dead letters out.
 * Each test uses prompt ids with its own random prefix, so the records of other tests on the shared topics do not
 * count.
 */
@QuarkusTest
@QuarkusTestResource(KafkaLocalTestResource.class)
class PairGeneratorKafkaTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @Inject
    FlaggedPromptConsumer consumer;

    @Inject
    MeterRegistry registry;

    private String prefix;
    private KafkaProducer<String, byte[]> producer;

    @BeforeEach
    void awaitReadiness() {
        prefix = UUID.randomUUID().toString().substring(0, 8) + "-";
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
        consumer.start();
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                given().when().get("/q/health/ready").then().statusCode(200));
    }

    @AfterEach
    void closeProducer() {
        producer.close(Duration.ofSeconds(10));
    }

    @Test
    void publishesPairsOfFlaggedPrompts() throws Exception {
        // Given two flagged prompts
        FlaggedPrompt knife = TestPrompts.flagged(prefix + "knife", "a knife on a plate");
        FlaggedPrompt wine = TestPrompts.flagged(prefix + "wine", "A wine glass and a pill",
                List.of("alcohol", "illegal_activity"));

        // When they are sent to the flagged-prompts topic
        send(knife.promptId(), TestPrompts.json(knife));
        send(wine.promptId(), TestPrompts.json(wine));

        // Then one pair per prompt is published with the rewrite and the deterministic ids
        Outputs outputs = awaitOutputs(out -> out.pairsFor(knife).size() == 1 && out.pairsFor(wine).size() == 1);
        ConsumerRecord<String, ErasurePair> knifeRecord = outputs.pairsFor(knife).get(0);
        ErasurePair knifePair = knifeRecord.value();
        String knifePairId = PairIds.pairId(TestPrompts.BASE_MODEL, "1.0.0", knife.promptId());
        assertEquals("a spoon on a plate", knifePair.safePrompt());
        assertEquals(knifePairId, knifePair.pairId());
        assertEquals(PairIds.seed(knifePairId), knifePair.seed());
        assertEquals(List.of("kitchen_knife"), knifePair.conceptIds());
        assertEquals("1.0.0", knifePair.catalogVersion());
        assertEquals(SafeCounterpartWriter.NAME, knifePair.rewriter());
        assertEquals("emoji-world-base|kitchen_knife", knifeRecord.key());
        assertNull(knifePair.unsafePicture());

        ErasurePair winePair = outputs.pairsFor(wine).get(0).value();
        assertEquals("A glass of milk and a candy", winePair.safePrompt());
    }

    @Test
    void deadLettersEachMalformedRecordAndKeepsConsuming() throws Exception {
        // Given one record of each kind of bad input, then a valid prompt
        Map<String, byte[]> inputs = new LinkedHashMap<>();
        inputs.put("tombstone", null);
        inputs.put("malformed JSON", "{\"schemaVersion\":1,\"prompt\":".getBytes(StandardCharsets.UTF_8));
        inputs.put("missing fields", ("{\"schemaVersion\":1,\"recordId\":\"" + prefix + "r\"}")
                .getBytes(StandardCharsets.UTF_8));
        inputs.put("empty prompt", TestPrompts.rawJson(prefix + "empty", "", "[\"violence\"]"));
        inputs.put("100 KB prompt", TestPrompts.json(TestPrompts.flagged(prefix + "long",
                "a pistol " + "x".repeat(100 * 1024))));
        byte[] invalidUtf8 = TestPrompts.rawJson(prefix + "utf8", "a pistol ??", "[\"violence\"]");
        int question = new String(invalidUtf8, StandardCharsets.ISO_8859_1).indexOf("??");
        invalidUtf8[question] = (byte) 0xC3;
        invalidUtf8[question + 1] = (byte) 0x28;
        inputs.put("invalid UTF-8", invalidUtf8);
        inputs.put("unknown category", TestPrompts.json(TestPrompts.flagged(prefix + "category", "a pistol",
                List.of("spam"))));
        inputs.put("unmatched", TestPrompts.json(TestPrompts.flagged(prefix + "meadow",
                "a quiet meadow with yellow flowers at sunset")));
        Map<String, String> expectedReasons = Map.of(
                "tombstone", "record has no value (a tombstone); expected a FlaggedPrompt JSON object",
                "malformed JSON", "FlaggedPrompt",
                "missing fields", "FlaggedPrompt",
                "empty prompt", "prompt",
                "100 KB prompt", "has 102409 chars; expected at most 2000 (pair.generator.max-prompt-chars)",
                "invalid UTF-8", "value is not valid UTF-8: 1 malformed byte(s) at byte offset",
                "unknown category", "categories [spam] of " + prefix + "category are unknown to catalog 1.0.0",
                "unmatched", "no catalog term of an UNSAFE concept occurs in the prompt");
        FlaggedPrompt valid = TestPrompts.flagged(prefix + "valid", "a syringe");

        // When they are sent in that order, all with one key so that they share a partition
        Map<String, RecordMetadata> sent = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> input : inputs.entrySet()) {
            sent.put(input.getKey(), send(prefix + "bad", input.getValue()));
        }
        send(prefix + "bad", TestPrompts.json(valid));

        // Then each bad record has one dead letter with its reason, and the valid prompt after them has its pair
        Outputs outputs = awaitOutputs(out -> out.pairsFor(valid).size() == 1
                && sent.values().stream().allMatch(metadata -> out.deadLettersAt(metadata).size() == 1));
        assertEquals("a thermometer", outputs.pairsFor(valid).get(0).value().safePrompt());
        for (Map.Entry<String, RecordMetadata> input : sent.entrySet()) {
            DeadLetter letter = outputs.deadLettersAt(input.getValue()).get(0).value();
            assertThat(letter.reason()).as(input.getKey()).contains(expectedReasons.get(input.getKey()));
            assertEquals(PromptRejectedException.class.getName(), letter.errorClass(), input.getKey());
            assertEquals(Topics.FLAGGED_PROMPTS.name(), letter.sourceTopic(), input.getKey());
        }
    }

    @Test
    void redeliveredPromptKeepsItsPairIdWithoutDuplicate() throws Exception {
        // Given a flagged prompt delivered twice, then a marker prompt on the same partition
        FlaggedPrompt prompt = TestPrompts.flagged(prefix + "twice", "an axe in the snow");
        FlaggedPrompt marker = TestPrompts.flagged(prefix + "marker", "a coffin");
        String key = prefix + "redelivery";

        // When all three are sent
        send(key, TestPrompts.json(prompt));
        send(key, TestPrompts.json(prompt));
        send(key, TestPrompts.json(marker));

        // Then, once the marker is paired, the repeated prompt has exactly one pair with the deterministic id
        Outputs outputs = awaitOutputs(out -> out.pairsFor(marker).size() == 1);
        List<ConsumerRecord<String, ErasurePair>> pairs = outputs.pairsFor(prompt);
        assertEquals(1, pairs.size());
        assertEquals(PairIds.pairId(TestPrompts.BASE_MODEL, "1.0.0", prompt.promptId()), pairs.get(0).value().pairId());
        assertEquals("a hammer in the snow", pairs.get(0).value().safePrompt());
    }

    @Test
    void promptRedeliveredInLaterBatchIsSkipped() throws Exception {
        // Given a prompt whose pair is published and committed
        FlaggedPrompt prompt = TestPrompts.flagged(prefix + "later", "a dagger on a rock");
        FlaggedPrompt marker = TestPrompts.flagged(prefix + "later-marker", "a coffin");
        String key = prefix + "later-batch";
        send(key, TestPrompts.json(prompt));
        awaitOutputs(out -> out.pairsFor(prompt).size() == 1);
        Counter duplicates = registry.get("pair.generator.duplicates").counter();
        double duplicatesBefore = duplicates.count();

        // When the same prompt is delivered again in a later batch, followed by a marker prompt
        send(key, TestPrompts.json(prompt));
        send(key, TestPrompts.json(marker));

        // Then, once the marker is paired, the prompt still has one pair and the second delivery counts as a duplicate
        Outputs outputs = awaitOutputs(out -> out.pairsFor(marker).size() == 1);
        assertEquals(1, outputs.pairsFor(prompt).size());
        assertEquals("a pencil on a rock", outputs.pairsFor(prompt).get(0).value().safePrompt());
        Awaitility.await().atMost(WAIT).untilAsserted(() ->
                assertEquals(duplicatesBefore + 1, duplicates.count()));
    }

    @Test
    void restartMidStreamAccountsForEveryRecordOnce() throws Exception {
        // Given a stream of valid, unmatched and malformed records, sent in two halves around a restart
        List<RecordMetadata> sent = new ArrayList<>();
        Map<String, RecordMetadata> byRecordId = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            if (i == 30) {
                // When the consumer stops mid-stream and starts again
                consumer.stop();
                assertEquals(false, consumer.isRunning());
                assertEquals(new FlaggedPromptConsumer.Status(false, "the consumer is stopped"), consumer.status());
                given().when().get("/q/health/ready").then().statusCode(503)
                        .body("checks.find { it.name == '" + FlaggedPromptConsumerCheck.NAME + "' }.data.error",
                                equalTo("the consumer is stopped"));
            }
            String promptId = prefix + "stream-" + i;
            byte[] value = switch (i % 3) {
                case 0 -> TestPrompts.json(TestPrompts.flagged(promptId, "a bomb number " + i));
                case 1 -> TestPrompts.json(TestPrompts.flagged(promptId, "a green field number " + i));
                default -> ("{broken " + i).getBytes(StandardCharsets.UTF_8);
            };
            RecordMetadata metadata = send(promptId, value);
            sent.add(metadata);
            byRecordId.put("record-" + promptId, metadata);
        }
        consumer.start();
        Awaitility.await().atMost(WAIT).until(() -> consumer.status().ready());

        // Then every record has exactly one output: a pair or a dead letter
        Outputs outputs = awaitOutputs(out -> sent.stream().allMatch(metadata -> out.countFor(metadata,
                byRecordId) >= 1));
        for (int i = 0; i < sent.size(); i++) {
            assertEquals(1, outputs.countFor(sent.get(i), byRecordId), "outputs of record " + i);
        }
        long pairs = byRecordId.keySet().stream().filter(id -> outputs.pairs.stream()
                .anyMatch(pair -> pair.value().causationId().equals(id))).count();
        assertEquals(20, pairs);
        // 30 records wait when the consumer starts again, more than the buffer of 8 in the test profile.
        assertThat(registry.get("pair.generator.consumer.pauses").counter().count()).isGreaterThan(0.0);
        assertThat(registry.get("pair.generator.pairs.out").counter().count()).isGreaterThanOrEqualTo(20.0);
    }

    private RecordMetadata send(String key, byte[] value) throws Exception {
        return producer.send(new ProducerRecord<>(Topics.FLAGGED_PROMPTS.name(), key, value))
                .get(30, TimeUnit.SECONDS);
    }

    private static String bootstrapServers() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private static Outputs awaitOutputs(Predicate<Outputs> done) {
        Outputs[] latest = new Outputs[1];
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
            latest[0] = readOutputs();
            return done.test(latest[0]);
        });
        return latest[0];
    }

    /** Reads every committed record of the pairs and dead-letter topics from the start. */
    private static Outputs readOutputs() {
        Outputs outputs = new Outputs();
        try (KafkaConsumer<String, byte[]> reader = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < Topics.PAIRS.partitions(); p++) {
                partitions.add(new TopicPartition(Topics.PAIRS.name(), p));
            }
            for (int p = 0; p < Topics.DEAD_LETTERS.partitions(); p++) {
                partitions.add(new TopicPartition(Topics.DEAD_LETTERS.name(), p));
            }
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> reader.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(200))) {
                    outputs.add(record);
                }
            }
        }
        return outputs;
    }

    /** The committed pairs and dead letters at one moment. */
    private static final class Outputs {

        final List<ConsumerRecord<String, ErasurePair>> pairs = new ArrayList<>();
        final List<ConsumerRecord<String, DeadLetter>> deadLetters = new ArrayList<>();

        void add(ConsumerRecord<String, byte[]> record) {
            if (record.topic().equals(Topics.PAIRS.name())) {
                pairs.add(typed(record, Topics.PAIRS.valueSerde().deserializer().deserialize(record.topic(),
                        record.value())));
            } else {
                deadLetters.add(typed(record, Topics.DEAD_LETTERS.valueSerde().deserializer()
                        .deserialize(record.topic(), record.value())));
            }
        }

        List<ConsumerRecord<String, ErasurePair>> pairsFor(FlaggedPrompt prompt) {
            return pairs.stream().filter(pair -> pair.value().causationId().equals(prompt.recordId())).toList();
        }

        List<ConsumerRecord<String, DeadLetter>> deadLettersAt(RecordMetadata input) {
            return deadLetters.stream()
                    .filter(letter -> letter.value().sourcePartition() == input.partition()
                            && letter.value().sourceOffset() == input.offset())
                    .toList();
        }

        long countFor(RecordMetadata input, Map<String, RecordMetadata> byRecordId) {
            long pairCount = pairs.stream()
                    .filter(pair -> input.equals(byRecordId.get(pair.value().causationId())))
                    .count();
            return pairCount + deadLettersAt(input).size();
        }

        private static <T> ConsumerRecord<String, T> typed(ConsumerRecord<String, byte[]> record, T value) {
            return new ConsumerRecord<>(record.topic(), record.partition(), record.offset(), record.key(), value);
        }
    }
}
