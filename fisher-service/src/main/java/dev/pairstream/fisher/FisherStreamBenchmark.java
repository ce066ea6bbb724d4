package dev.pairstream.fisher;

import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.EventKeys;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.emoji.PictureCodec;
import dev.pairstream.erasure.fisher.PairFisher;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import dev.pairstream.erasure.train.TrainingPair;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
import org.jboss.logging.Logger;

/**
 * Measures how many pairs per second the Fisher stream turns into Fisher sums through a Kafka broker, against
 * {@link PairFisher} on the same pairs in process.
 *
 * <p>Through the broker: the pictures go to an artifact store and the pair records to {@code erasure.pairs}; the
 * stream runs exactly once. The warm-up concept's pairs go first, and the clock starts once its snapshot is
 * committed, so the stream's start-up, the group's assignment and the first JIT compilation stay out of the figure.
 * Every measured concept gets a snapshot when its last pair is counted ({@code snapshotEveryPairs} is set to the
 * pairs per concept); the clock stops when a {@code read_committed} reader has seen all of them. In process: the
 * same pairs, concept by concept, in chunks of the stream's batch size, with pictures already decoded. The broker side
 * runs first, so the in-process side has the warmer JIT and the ratio errs low.
 */
public final class FisherStreamBenchmark {

    private static final Logger LOG = Logger.getLogger(FisherStreamBenchmark.class);
    private static final Instant CREATED = Instant.parse("2026-12-05T00:00:00Z");

    private FisherStreamBenchmark() {
    }

    /**
     * Figures of one run.
     *
     * @param pairs            measured pairs on each side
     * @param concepts         measured concepts
     * @param streamSeconds    wall time through the broker, from the first send to the last committed snapshot
     * @param inProcessSeconds wall time of the in-process estimate
     * @param gradientSeconds  time the stream spent in the Fisher computation itself, warm-up included
     */
    public record Result(int pairs, int concepts, double streamSeconds, double inProcessSeconds,
            double gradientSeconds) {

        public double streamPairsPerSecond() {
            return pairs / streamSeconds;
        }

        public double inProcessPairsPerSecond() {
            return pairs / inProcessSeconds;
        }

        /** Returns the stream's throughput as a share of the in-process one. */
        public double ratio() {
            return streamPairsPerSecond() / inProcessPairsPerSecond();
        }
    }

    /**
     * Runs both sides.
     *
     * @param warmUp           pairs of one concept that is not measured
     * @param measured         pairs with the same count for every concept, none of the warm-up concept
     * @param settings         stream settings; {@code snapshotEveryPairs} must equal the pairs per measured concept
     * @param bootstrapServers a broker whose pipeline topics exist
     * @param workDirectory    an empty folder for the artifact store and the state stores
     */
    public static Result run(FisherModel model, List<TrainingPair> warmUp, List<TrainingPair> measured,
            FisherStreamSettings settings, String bootstrapServers, Path workDirectory, Duration timeout)
            throws IOException, TimeoutException, InterruptedException {
        Map<String, List<TrainingPair>> byConcept = new LinkedHashMap<>();
        measured.forEach(pair -> byConcept.computeIfAbsent(pair.conceptId(), id -> new ArrayList<>()).add(pair));
        for (List<TrainingPair> pairs : byConcept.values()) {
            if (pairs.size() != settings.snapshotEveryPairs()) {
                throw new IllegalArgumentException("Every measured concept needs snapshotEveryPairs = "
                        + settings.snapshotEveryPairs() + " pairs, but " + pairs.get(0).conceptId() + " has "
                        + pairs.size());
            }
        }
        FileSystemArtifactStore store = new FileSystemArtifactStore(workDirectory.resolve("artifacts"));
        List<ErasurePair> warmUpRecords = records(model, store, warmUp, settings.baseModelId());
        List<ErasurePair> measuredRecords = records(model, store, measured, settings.baseModelId());

        double streamSeconds;
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KafkaStreams streams = new KafkaStreams(FisherTopology.build(settings, model.fisher(), store,
                model.pictureSide(), new FisherMetrics(registry), Clock.systemUTC()),
                FisherTopology.streamsProperties("fisher-benchmark-" + System.nanoTime(), bootstrapServers,
                        workDirectory.resolve("state")));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ProducerConfig.LINGER_MS_CONFIG, 5,
                        ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
                SnapshotReader snapshots = new SnapshotReader(bootstrapServers)) {
            streams.start();
            send(producer, warmUpRecords);
            snapshots.awaitConcepts(List.of(warmUp.get(0).conceptId()), warmUp.size(), timeout);
            LOG.infof("Warm-up done: %d pairs of %s", warmUp.size(), warmUp.get(0).conceptId());

            long start = System.nanoTime();
            send(producer, measuredRecords);
            snapshots.awaitConcepts(List.copyOf(byConcept.keySet()), (int) settings.snapshotEveryPairs(), timeout);
            streamSeconds = (System.nanoTime() - start) / 1e9;
        } finally {
            streams.close(Duration.ofSeconds(30));
        }
        LOG.infof("Through the broker: %d pairs in %.2f s", measured.size(), streamSeconds);

        // The stream encoded these prompts already; an empty cache makes the in-process side encode them too.
        if (model.pipeline().textEncoder() instanceof MiniLmTextEncoder encoder) {
            encoder.clearCaches();
        }
        long start = System.nanoTime();
        for (Map.Entry<String, List<TrainingPair>> entry : byConcept.entrySet()) {
            List<PairFisher.Sample> samples = new ArrayList<>();
            for (TrainingPair pair : entry.getValue()) {
                samples.add(new PairFisher.Sample(PairFisher.sampleId(pair.pairId()), pair.unsafePicture(),
                        pair.unsafePrompt(), pair.safePicture(), pair.safePrompt()));
            }
            for (int from = 0; from < samples.size(); from += settings.batchPairs()) {
                model.fisher().estimate(settings.baseModelId(), entry.getKey(),
                        samples.subList(from, Math.min(samples.size(), from + settings.batchPairs())),
                        settings.batchPairs());
            }
        }
        double inProcessSeconds = (System.nanoTime() - start) / 1e9;
        LOG.infof("In process: %d pairs in %.2f s", measured.size(), inProcessSeconds);
        double gradientSeconds = registry.get("fisher.gradients").timer().totalTime(TimeUnit.SECONDS);
        return new Result(measured.size(), byConcept.size(), streamSeconds, inProcessSeconds, gradientSeconds);
    }

    private static List<ErasurePair> records(FisherModel model, FileSystemArtifactStore store,
            List<TrainingPair> pairs, String baseModelId) throws IOException {
        int side = model.pictureSide();
        List<ErasurePair> records = new ArrayList<>(pairs.size());
        for (TrainingPair pair : pairs) {
            ArtifactRef unsafe = store.put(PictureCodec.toPng(pair.unsafePicture(), side, side), "image/png");
            ArtifactRef safe = store.put(PictureCodec.toPng(pair.safePicture(), side, side), "image/png");
            records.add(new ErasurePair(new Envelope("record-" + pair.pairId(), "bench-" + pair.pairId(),
                    baseModelId, List.of(pair.conceptId()), CREATED), pair.pairId(), pair.unsafePrompt(),
                    pair.safePrompt(), "1.0.0", 0L, unsafe, safe, 1, 0.5, "catalog-anchor-minimal-edit"));
        }
        return records;
    }

    private static void send(KafkaProducer<String, byte[]> producer, List<ErasurePair> records) {
        for (ErasurePair record : records) {
            producer.send(new ProducerRecord<>(Topics.PAIRS.name(),
                    EventKeys.conceptSetKey(record.baseModelId(), record.conceptIds()),
                    Topics.PAIRS.valueSerde().serializer().serialize(Topics.PAIRS.name(), record)));
        }
        producer.flush();
    }

    /** Reads committed snapshots from the start of the Fisher topic. */
    private static final class SnapshotReader implements AutoCloseable {

        private final KafkaConsumer<String, FisherSnapshot> consumer;
        private final Map<String, Long> pairCounts = new LinkedHashMap<>();

        SnapshotReader(String bootstrapServers) {
            consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                    new StringDeserializer(), Topics.FISHER.valueSerde().deserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.FISHER.name()).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        void awaitConcepts(List<String> concepts, int pairs, Duration timeout) throws TimeoutException {
            Objects.requireNonNull(concepts, "concepts");
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!concepts.stream().allMatch(id -> pairCounts.getOrDefault(id, 0L) >= pairs)) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("Timed out after " + timeout + " waiting for snapshots of " + concepts
                            + " with " + pairs + " pairs each; seen " + pairCounts);
                }
                for (ConsumerRecord<String, FisherSnapshot> record : consumer.poll(Duration.ofMillis(20))) {
                    pairCounts.merge(record.value().conceptIds().get(0), record.value().pairCount(), Math::max);
                }
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
