package dev.pairstream.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.topic.TopicProvisioner;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Runs the packaged service (target/quarkus-app) as its own process against an in-JVM broker, kills it with SIGKILL
 * while it works through a backlog, twice, and checks that the last run leaves exactly one output per input record.
 */
class PairGeneratorKillIT {

    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final int RECORDS = 480;
    private static final String TRANSACTIONAL_ID = "pair-generator-kill-it";

    @Test
    void killedTwiceOneOutputPerRecord() throws Exception {
        Path app = Path.of("target", "quarkus-app", "quarkus-run.jar");
        assertTrue(Files.isRegularFile(app), "missing " + app.toAbsolutePath() + "; run mvn verify, which packages"
                + " the service before the integration tests");
        try (KafkaLocalBroker broker = KafkaLocalBroker.builder().port(0).build().start()) {
            String servers = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
                TopicProvisioner.ensureTopics(admin, Topics.all(), (short) 1, Duration.ofSeconds(60));
            }
            // Given a backlog of matched, unmatched and malformed records
            Map<String, RecordMetadata> byRecordId = new HashMap<>();
            List<RecordMetadata> sent = send(servers, byRecordId);

            // When the service is killed twice while it works through them, and then runs to the end
            for (int kill = 1; kill <= 2; kill++) {
                int before = readOutputs(servers, byRecordId).total();
                Process process = start(app, servers, kill);
                int threshold = before + 40;
                Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
                        .until(() -> readOutputs(servers, byRecordId).total() >= threshold);
                process.destroyForcibly();
                assertTrue(process.waitFor(30, TimeUnit.SECONDS), "process " + process.pid() + " did not die");
                int atKill = readOutputs(servers, byRecordId).total();
                assertTrue(atKill < RECORDS, "the backlog was done before kill " + kill + " (" + atKill
                        + " outputs); the test needs a longer backlog");
            }
            Process last = start(app, servers, 3);
            try {
                Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500))
                        .until(() -> readOutputs(servers, byRecordId).total() >= RECORDS);
            } finally {
                last.destroy();
                last.waitFor(30, TimeUnit.SECONDS);
            }

            // Then each record has exactly one committed output: a pair or a dead letter
            Outputs outputs = readOutputs(servers, byRecordId);
            for (int i = 0; i < sent.size(); i++) {
                RecordMetadata input = sent.get(i);
                assertEquals(1, outputs.perInput.getOrDefault(key(input), 0), "outputs of record " + i + " at "
                        + key(input));
            }
            assertEquals(RECORDS, outputs.total());
            assertEquals(RECORDS / 4, outputs.pairs);
        }
    }

    private static List<RecordMetadata> send(String servers, Map<String, RecordMetadata> byRecordId)
            throws Exception {
        List<RecordMetadata> sent = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers), new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                String promptId = "kill-" + i;
                byte[] value = switch (i % 4) {
                    case 0 -> TestPrompts.json(TestPrompts.flagged(promptId, "a bomb number " + i));
                    case 1, 2 -> TestPrompts.json(TestPrompts.flagged(promptId, "a green field under rain " + i));
                    default -> ("{broken " + i).getBytes(StandardCharsets.UTF_8);
                };
                RecordMetadata metadata = producer.send(new ProducerRecord<>(Topics.FLAGGED_PROMPTS.name(),
                        promptId, value)).get(30, TimeUnit.SECONDS);
                sent.add(metadata);
                byRecordId.put("record-" + promptId, metadata);
            }
        }
        return sent;
    }

    private static Process start(Path app, String servers, int run) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        File log = Path.of("target", "kill-it-run-" + run + ".log").toFile();
        return new ProcessBuilder(java, "-Xmx512m",
                "-Dkafka.bootstrap.servers=" + servers,
                "-Dquarkus.http.port=0",
                "-Dpair.generator.mode=text-only",
                "-Dpair.generator.consumer.transactional-id=" + TRANSACTIONAL_ID,
                "-Dpair.generator.consumer.batch-size=8",
                // A killed consumer leaves the group when its session times out, so keep that short.
                "-Dkafka.session.timeout.ms=6000",
                "-Dkafka.heartbeat.interval.ms=1000",
                "-jar", app.toString())
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start();
    }

    private static String key(RecordMetadata input) {
        return input.partition() + "@" + input.offset();
    }

    private static Outputs readOutputs(String servers, Map<String, RecordMetadata> byRecordId) {
        Outputs outputs = new Outputs();
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(),
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
                for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(200))) {
                    outputs.add(record, byRecordId);
                }
            }
        }
        return outputs;
    }

    /** Committed outputs counted per input record, keyed by partition and offset. */
    private static final class Outputs {

        final Map<String, Integer> perInput = new HashMap<>();
        int pairs;

        void add(ConsumerRecord<byte[], byte[]> record, Map<String, RecordMetadata> byRecordId) {
            String input;
            if (record.topic().equals(Topics.PAIRS.name())) {
                ErasurePair pair = Topics.PAIRS.valueSerde().deserializer().deserialize(record.topic(),
                        record.value());
                RecordMetadata source = byRecordId.get(pair.causationId());
                input = source == null ? "unknown " + pair.causationId() : key(source);
                pairs++;
            } else {
                DeadLetter letter = Topics.DEAD_LETTERS.valueSerde().deserializer().deserialize(record.topic(),
                        record.value());
                input = letter.sourcePartition() + "@" + letter.sourceOffset();
            }
            perInput.merge(input, 1, Integer::sum);
        }

        int total() {
            return perInput.values().stream().mapToInt(Integer::intValue).sum();
        }
    }
}
