package dev.pairstream.fisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.artifact.ArtifactStore;
import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.topic.TopicProvisioner;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.fisher.FisherBundle;
import dev.pairstream.erasure.fisher.FisherEstimate;
import dev.pairstream.erasure.fisher.PairHalf;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import dev.pairstream.kafkalocal.KafkaLocalExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The Fisher topology on the real in-JVM broker, exactly once, through a crash and a restart. */
@ExtendWith(KafkaLocalExtension.class)
class FisherStreamKafkaTest {

    private static final int PAIRS = 12;
    private static final FisherStreamSettings SETTINGS = new FisherStreamSettings(TestPairs.BASE_MODEL, 4,
            Duration.ofMillis(500), PAIRS, Duration.ofMinutes(10), 7L);

    private static FisherModel model;

    @TempDir
    Path folder;

    @BeforeAll
    static void setUp(KafkaLocalBroker broker) throws IOException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()))) {
            TopicProvisioner.ensureTopics(admin, Topics.all(), (short) 1, Duration.ofSeconds(30));
        }
        model = FisherModel.load(Path.of("..", "models", "emoji-world-base"), Optional.empty(), SETTINGS.seed());
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @Test
    void restartAfterCrashCountsEachPairOnce(KafkaLocalBroker broker) throws Exception {
        // Given twelve pairs on the pairs topic, and an artifact store that fails like an unreachable server at its
        // 30th read, after the first batches were estimated
        FileSystemArtifactStore files = new FileSystemArtifactStore(folder.resolve("artifacts"));
        List<ErasurePair> pairs = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < PAIRS; i++) {
                ErasurePair pair = TestPairs.pistolPair(files, i);
                pairs.add(pair);
                producer.send(new ProducerRecord<>(Topics.PAIRS.name(), "emoji-world-base|pistol",
                        TestPairs.json(pair)));
            }
        }
        AtomicInteger reads = new AtomicInteger();
        ArtifactStore failing = new ArtifactStore() {
            @Override
            public ArtifactRef put(InputStream content, String mediaType) throws IOException {
                return files.put(content, mediaType);
            }

            @Override
            public InputStream open(ArtifactRef ref) throws IOException {
                if (reads.incrementAndGet() == 30) {
                    throw new IOException("artifact store unreachable (injected outage)");
                }
                return files.open(ref);
            }

            @Override
            public boolean exists(ArtifactRef ref) throws IOException {
                return files.exists(ref);
            }
        };

        // When the first instance dies on the outage, and a second one with a fresh state folder takes over
        KafkaStreams first = start(broker, failing, folder.resolve("state-1"));
        waitUntil(() -> first.state() == KafkaStreams.State.ERROR, Duration.ofSeconds(120));
        first.close(Duration.ofSeconds(30));
        assertThat(reads.get()).isGreaterThanOrEqualTo(30);
        KafkaStreams second = start(broker, files, folder.resolve("state-2"));
        FisherSnapshot snapshot;
        try {
            snapshot = awaitSnapshot(broker, Duration.ofSeconds(120));
        } finally {
            second.close(Duration.ofSeconds(30));
        }

        // Then the snapshot counts every pair once, and its sums equal the uninterrupted estimate of the same pairs
        assertEquals(PAIRS, snapshot.pairCount());
        assertEquals(PAIRS, snapshot.unsafeSampleCount());
        assertEquals(PAIRS, snapshot.safeSampleCount());
        Map<PairHalf, FisherEstimate> published = FisherBundle.read(new ByteArrayInputStream(
                files.read(snapshot.tensors())));
        Map<PairHalf, FisherEstimate> uninterrupted = TestPairs.directEstimate(model.fisher(), "pistol", pairs,
                PAIRS);
        for (PairHalf half : PairHalf.values()) {
            assertThat(TestPairs.relativeDifference(uninterrupted.get(half), published.get(half))).isLessThan(1e-5);
        }
    }

    private static KafkaStreams start(KafkaLocalBroker broker, ArtifactStore store, Path state) {
        Properties properties = FisherTopology.streamsProperties("fisher-kafka-test", broker.bootstrapServers(),
                state);
        // A member that died without leaving the group keeps its partitions until this timeout.
        properties.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        properties.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1_000);
        KafkaStreams streams = new KafkaStreams(FisherTopology.build(SETTINGS, model.fisher(), store,
                model.pictureSide(), new FisherMetrics(new SimpleMeterRegistry()), Clock.systemUTC()), properties);
        streams.setUncaughtExceptionHandler(error ->
                StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        streams.start();
        return streams;
    }

    private static FisherSnapshot awaitSnapshot(KafkaLocalBroker broker, Duration timeout) {
        try (KafkaConsumer<String, FisherSnapshot> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(),
                Topics.FISHER.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.FISHER.name()).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            List<FisherSnapshot> snapshots = new ArrayList<>();
            while (snapshots.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, FisherSnapshot> record : consumer.poll(Duration.ofMillis(200))) {
                    snapshots.add(record.value());
                }
            }
            assertEquals(1, snapshots.size(), "committed snapshots within " + timeout);
            return snapshots.get(0);
        }
    }

    private static void waitUntil(BooleanSupplier condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            Thread.sleep(100);
        }
    }
}
