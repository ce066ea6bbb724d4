package dev.pairstream.trainer;

import ai.djl.ndarray.NDManager;
import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.artifact.ArtifactStore;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.event.OffsetRange;
import dev.pairstream.contracts.topic.TopicDefinition;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.adapter.Adapter;
import dev.pairstream.erasure.adapter.AdapterArchive;
import dev.pairstream.erasure.detector.ConceptDetector;
import dev.pairstream.erasure.detector.Detection;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.PictureCodec;
import dev.pairstream.erasure.fisher.FisherBundle;
import dev.pairstream.erasure.fisher.FisherEstimate;
import dev.pairstream.erasure.fisher.PairFisher;
import dev.pairstream.erasure.fisher.PairHalf;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.train.EmojiPairs;
import dev.pairstream.erasure.train.TrainingPair;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

/**
 * Real inputs for the trainer: pairs of pistol captions and their safe counterparts drawn by the shipped base model,
 * their pictures in an artifact store, and the Fisher snapshot erasure-core estimates for them. Also measures the
 * erasure rate of an adapter with the shipped concept detector.
 */
final class TrainerTestData implements AutoCloseable {

    static final String BASE_MODEL = "emoji-world-base";
    static final Path MODEL_FOLDER = Path.of("..", "models", "emoji-world-base");
    static final SamplingOptions SAMPLING = SamplingOptions.defaults().withInferenceSteps(10);

    private final TextToImagePipeline pipeline;
    private final ConceptCatalog catalog = ConceptCatalog.loadDefault();
    private final ArtifactStore store;

    TrainerTestData(ArtifactStore store) throws IOException {
        this.store = store;
        this.pipeline = TextToImagePipeline.load(MODEL_FOLDER);
    }

    /** Pairs drawn by the base model, and the records that carry them. */
    record Pairs(List<TrainingPair> rendered, List<ErasurePair> records) {
    }

    /** Draws {@code count} pistol pairs and stores their pictures; the records name {@code conceptIds}. */
    Pairs pistolPairs(String baseModelId, List<String> conceptIds, String idPrefix, int count, long seed)
            throws IOException {
        List<TrainingPair> rendered = EmojiPairs.build(catalog, pipeline, List.of("pistol"), count, 0, seed,
                SAMPLING).pairs();
        List<ErasurePair> records = new ArrayList<>();
        int side = pipeline.pictureSize();
        for (int i = 0; i < rendered.size(); i++) {
            TrainingPair pair = rendered.get(i);
            ArtifactRef unsafe = store.put(PictureCodec.toPng(pair.unsafePicture(), side, side), "image/png");
            ArtifactRef safe = store.put(PictureCodec.toPng(pair.safePicture(), side, side), "image/png");
            String pairId = idPrefix + "-" + i;
            records.add(new ErasurePair(new Envelope("record-" + pairId, "flagged-" + pairId, baseModelId,
                    conceptIds, Instant.now()), pairId, pair.unsafePrompt(), pair.safePrompt(), catalog.version(),
                    seed + i, unsafe, safe, 8, 0.8, "catalog-anchor-minimal-edit"));
        }
        return new Pairs(rendered, records);
    }

    /** Estimates the Fisher of the pairs, stores the bundle and returns the snapshot record. */
    FisherSnapshot snapshot(String baseModelId, List<String> conceptIds, Pairs pairs, String snapshotId)
            throws IOException {
        PairFisher fisher = new PairFisher(pipeline.unet(), pipeline.noiseSchedule(), pipeline.textEncoder(),
                pipeline.unet().layout().crossAttentionKeyValuePaths(), 0L);
        List<PairFisher.Sample> samples = new ArrayList<>();
        for (TrainingPair pair : pairs.rendered()) {
            samples.add(new PairFisher.Sample(PairFisher.sampleId(pair.pairId()), pair.unsafePicture(),
                    pair.unsafePrompt(), pair.safePicture(), pair.safePrompt()));
        }
        Map<PairHalf, FisherEstimate> estimates = fisher.estimate(BASE_MODEL, conceptIds.get(0), samples, 8);
        ArtifactRef tensors = store.put(FisherBundle.write(estimates.get(PairHalf.UNSAFE),
                estimates.get(PairHalf.SAFE)), FisherBundle.MEDIA_TYPE);
        Envelope envelope = new Envelope("record-" + snapshotId, "pairs-of-" + snapshotId, baseModelId,
                conceptIds, Instant.now());
        return new FisherSnapshot(envelope,
                snapshotId, pairs.records().size(), pairs.records().size(), pairs.records().size(), tensors,
                catalog.version(), List.of(new OffsetRange(0, 0, 100_000)));
    }

    /**
     * Returns the share of pictures of held-out pistol prompts that the detector still reads as a pistol, drawn by
     * the base model with the adapter archive {@code adapterRef}, or without an adapter when it is null.
     */
    double pistolRate(List<String> prompts, long[] seeds, ArtifactRef adapterRef) throws IOException {
        List<float[]> pictures;
        if (adapterRef == null) {
            pictures = pipeline.generate(prompts, seeds, SAMPLING);
        } else {
            try (NDManager manager = PyTorchRuntime.engine().newBaseManager();
                    Adapter adapter = AdapterArchive.read(new ByteArrayInputStream(store.read(adapterRef)),
                            pipeline.unet().weights(), manager)) {
                pictures = pipeline.generate(prompts, seeds, SAMPLING, adapter);
            }
        }
        try (ConceptDetector detector = ConceptDetector.load(Path.of("..", "models", "concept-detector"))) {
            List<Detection> detections = detector.detectBatch(pictures);
            return detections.stream().filter(d -> d.conceptId().equals("pistol")).count() / (double) prompts.size();
        }
    }

    @Override
    public void close() {
        pipeline.close();
    }

    static <V> void send(String servers, TopicDefinition<String, V> topic, String key, List<V> values)
            throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers), new StringSerializer(),
                new ByteArraySerializer())) {
            for (V value : values) {
                producer.send(new ProducerRecord<>(topic.name(), key, topic.valueSerde().serializer()
                        .serialize(topic.name(), value))).get(30, TimeUnit.SECONDS);
            }
        }
    }

    static void sendRaw(String servers, String topic, String key, byte[] value) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers), new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    /** Reads every committed record of a topic, in partition and offset order. */
    static <V> List<V> readAll(String servers, TopicDefinition<String, V> topic) {
        List<V> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            if (!reader.listTopics().containsKey(topic.name())) {
                return values;
            }
            List<TopicPartition> partitions = reader.partitionsFor(topic.name()).stream()
                    .map(info -> new TopicPartition(topic.name(), info.partition())).toList();
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> reader.position(tp) < ends.get(tp))
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(200))) {
                    values.add(topic.valueSerde().deserializer().deserialize(record.topic(), record.value()));
                }
            }
        }
        return values;
    }
}
