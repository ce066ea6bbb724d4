package dev.pairstream.fisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.topic.TopicProvisioner;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.fisher.FisherBundle;
import dev.pairstream.erasure.fisher.FisherEstimate;
import dev.pairstream.erasure.fisher.PairHalf;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged service (target/quarkus-app) as its own process against an in-JVM broker and kills it with SIGKILL
 * while it works through a backlog of pairs. It then restarts the service with an empty state folder and checks that
 * the final snapshot counts every pair once and equals the uninterrupted estimate.
 */
class FisherServiceKillIT {

    private static final Duration WAIT = Duration.ofMinutes(4);
    private static final int PAIRS = 48;
    private static final String COUNTED_CHANGELOG = "fisher-service-" + FisherAggregateProcessor.COUNTED_STORE
            + "-changelog";

    @TempDir
    Path folder;

    @Test
    void restartAfterKillCountsEachPairOnce() throws Exception {
        Path app = Path.of("target", "quarkus-app", "quarkus-run.jar");
        assertTrue(Files.isRegularFile(app), "missing " + app.toAbsolutePath() + "; run mvn verify, which packages"
                + " the service before the integration tests");
        FileSystemArtifactStore store = new FileSystemArtifactStore(folder.resolve("artifacts"));
        try (KafkaLocalBroker broker = KafkaLocalBroker.builder().port(0).build().start()) {
            String servers = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
                TopicProvisioner.ensureTopics(admin, Topics.all(), (short) 1, Duration.ofSeconds(60));
            }
            // Given a backlog of pairs of one concept
            List<ErasurePair> pairs = new ArrayList<>();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers), new StringSerializer(),
                    new ByteArraySerializer())) {
                for (int i = 0; i < PAIRS; i++) {
                    ErasurePair pair = TestPairs.pistolPair(store, i);
                    pairs.add(pair);
                    producer.send(new ProducerRecord<>(Topics.PAIRS.name(), "emoji-world-base|pistol",
                            TestPairs.json(pair))).get(30, TimeUnit.SECONDS);
                }
            }

            // When the service is killed once it has committed some counted pairs, and then runs again from an
            // empty state folder
            Process first = start(app, servers, 1);
            try {
                Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
                        .until(() -> committedRecords(servers, COUNTED_CHANGELOG) >= 8);
            } finally {
                first.destroyForcibly();
                assertTrue(first.waitFor(30, TimeUnit.SECONDS), "process " + first.pid() + " did not die");
            }
            assertThat(committedRecords(servers, Topics.FISHER.name())).isZero();
            Process second = start(app, servers, 2);
            List<FisherSnapshot> snapshots;
            try {
                Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500))
                        .until(() -> committedRecords(servers, Topics.FISHER.name()) >= 1);
                snapshots = snapshots(servers);
            } finally {
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
            }

            // Then the one snapshot counts every pair once, with the sums of the uninterrupted estimate
            assertEquals(1, snapshots.size());
            FisherSnapshot snapshot = snapshots.get(0);
            assertEquals(PAIRS, snapshot.pairCount());
            assertEquals(PAIRS, snapshot.unsafeSampleCount());
            Map<PairHalf, FisherEstimate> published = FisherBundle.read(new ByteArrayInputStream(
                    store.read(snapshot.tensors())));
            try (FisherModel model = FisherModel.load(Path.of("..", "models", "emoji-world-base"), Optional.empty(),
                    0L)) {
                Map<PairHalf, FisherEstimate> uninterrupted = TestPairs.directEstimate(model.fisher(), "pistol",
                        pairs, 16);
                for (PairHalf half : PairHalf.values()) {
                    assertThat(TestPairs.relativeDifference(uninterrupted.get(half), published.get(half)))
                            .isLessThan(1e-5);
                }
            }
        }
    }

    private Process start(Path app, String servers, int run) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        File log = Path.of("target", "fisher-kill-it-run-" + run + ".log").toFile();
        return new ProcessBuilder(java, "-Xmx1g",
                "-Dkafka.bootstrap.servers=" + servers,
                "-Dquarkus.http.port=0",
                "-Dpair.fisher.model-folder=../models/emoji-world-base",
                "-Dpair.fisher.artifact-store=" + folder.resolve("artifacts"),
                "-Dpair.fisher.batch-pairs=4",
                "-Dpair.fisher.flush-interval=500ms",
                "-Dpair.fisher.snapshot-every-pairs=" + PAIRS,
                "-Dpair.fisher.snapshot-interval=1h",
                // Each run starts without local state, so the second one restores everything from the changelogs.
                "-Dkafka-streams.state.dir=" + folder.resolve("state-" + run),
                // A killed member leaves the group when its session times out, so keep that short.
                "-Dkafka-streams.consumer.session.timeout.ms=6000",
                "-Dkafka-streams.consumer.heartbeat.interval.ms=1000",
                "-jar", app.toString())
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start();
    }

    private static long committedRecords(String servers, String topic) {
        try (KafkaConsumer<byte[], byte[]> reader = reader(servers)) {
            List<TopicPartition> partitions = partitions(reader, topic);
            if (partitions.isEmpty()) {
                return 0;
            }
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
            long count = 0;
            while (partitions.stream().anyMatch(tp -> reader.position(tp) < ends.get(tp))) {
                count += reader.poll(Duration.ofMillis(200)).count();
            }
            return count;
        }
    }

    private static List<FisherSnapshot> snapshots(String servers) {
        List<FisherSnapshot> snapshots = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = reader(servers)) {
            List<TopicPartition> partitions = partitions(reader, Topics.FISHER.name());
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> reader.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(200))) {
                    snapshots.add(Topics.FISHER.valueSerde().deserializer().deserialize(record.topic(),
                            record.value()));
                }
            }
        }
        return snapshots;
    }

    private static KafkaConsumer<byte[], byte[]> reader(String servers) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> reader, String topic) {
        return reader.listTopics().containsKey(topic)
                ? reader.partitionsFor(topic).stream().map(info -> new TopicPartition(topic, info.partition()))
                        .toList()
                : List.of();
    }
}
