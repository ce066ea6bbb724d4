package dev.pairstream.evaluator;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import ai.djl.ndarray.NDManager;
import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import dev.pairstream.contracts.event.AdapterCandidate;
import dev.pairstream.contracts.event.AdapterPromotion;
import dev.pairstream.contracts.event.AdapterProvenance;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.EvaluationReport;
import dev.pairstream.contracts.event.OffsetRange;
import dev.pairstream.contracts.topic.TopicDefinition;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.adapter.AdapterArchive;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.fisher.FisherEstimate;
import dev.pairstream.erasure.fisher.PairHalf;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.train.AdapterErasure;
import dev.pairstream.erasure.train.EmojiPairs;
import dev.pairstream.erasure.train.ErasureProblem;
import dev.pairstream.erasure.train.ErasureResult;
import dev.pairstream.erasure.train.RealignmentSettings;
import dev.pairstream.kafkalocal.KafkaLocalTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tests of the evaluator against a real in-JVM broker. The adapters are trained in the test by erasure-core on pairs
 * that the shipped base model draws: a trained PAIR adapter, one trained for a single step, and one whose file is
 * altered after it is published. The gates are the defaults, but the prompt set is smaller than the default one.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaLocalTestResource.class, restrictToAnnotatedClass = true)
@TestProfile(EvaluatorServiceTest.SmallPromptSet.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EvaluatorServiceTest {

    static final Path ARTIFACTS = Path.of("target", "test-artifacts");
    static final String KEY = "emoji-world-base|pistol";
    private static final Duration WAIT = Duration.ofMinutes(5);

    /** A smaller prompt set and sampler than the defaults; the gates stay the defaults. */
    public static class SmallPromptSet implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pair.evaluator.artifact-store", ARTIFACTS.toString(),
                    "pair.evaluator.evaluation.train-prompts-per-concept", "8",
                    "pair.evaluator.evaluation.held-out-prompts-per-concept", "8",
                    "pair.evaluator.evaluation.neutral-prompts", "24",
                    "pair.evaluator.evaluation.grid-rows", "4",
                    "pair.evaluator.evaluation.inference-steps", "10");
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String servers;

    @Inject
    EvaluatorService service;

    private static FileSystemArtifactStore store;
    private static ArtifactRef trained;
    private static ArtifactRef oneStep;

    @BeforeAll
    static void trainAdapters() throws Exception {
        store = new FileSystemArtifactStore(ARTIFACTS);
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        SamplingOptions sampling = SamplingOptions.defaults().withInferenceSteps(10);
        try (TextToImagePipeline pipeline = TextToImagePipeline.load(Path.of("..", "models", "emoji-world-base"));
                NDManager manager = PyTorchRuntime.engine().newBaseManager()) {
            EmojiPairs.Data data = EmojiPairs.build(catalog, pipeline, List.of("pistol"), 16, 24, 11L, sampling);
            Map<PairHalf, FisherEstimate> fisher = EmojiPairs.fisher(pipeline.unet(), pipeline.noiseSchedule(),
                    pipeline.textEncoder(), data.pairs(), pipeline.unet().layout().crossAttentionKeyValuePaths(),
                    "emoji-world-base", "pistol", 0L, 8);
            ErasureProblem problem = new ErasureProblem(pipeline.unet(), "emoji-world-base",
                    pipeline.noiseSchedule(), pipeline.textEncoder(), data.pairs(), data.neutral(),
                    Optional.of(fisher.get(PairHalf.UNSAFE)), Optional.of(fisher.get(PairHalf.SAFE)));
            // More weight on the neutral term than ./pair erase uses keeps neutral accuracy within the preservation
            // gate after a short run.
            RealignmentSettings defaults = RealignmentSettings.defaults();
            RealignmentSettings settings = new RealignmentSettings(200, defaults.batchSize(),
                    defaults.learningRate(), defaults.warmupSteps(), defaults.rank(), defaults.alpha(),
                    defaults.preservationWeight(), 4.0, defaults.targetModules(), defaults.seed(),
                    defaults.maxGradientNorm(), defaults.fisherDamping(), defaults.checkpointEvery(),
                    defaults.logEvery());
            try (ErasureResult good = AdapterErasure.PAIR.train(problem, settings, null, manager)) {
                trained = store.put(AdapterArchive.write(good.adapter()), AdapterArchive.MEDIA_TYPE);
            }
            try (ErasureResult bad = AdapterErasure.PAIR.train(problem, settings.withSteps(1), null, manager)) {
                oneStep = store.put(AdapterArchive.write(bad.adapter()), AdapterArchive.MEDIA_TYPE);
            }
        }
    }

    @Test
    @Order(1)
    void trainedAdapterIsPromoted() throws Exception {
        // When
        publish(candidate(1, trained));

        // Then
        EvaluationReport report = awaitEvaluation(1);
        System.out.println("Evaluation of v1: " + report.metrics() + " " + report.reasons());
        assertThat(report.decision()).isEqualTo(EvaluationReport.Decision.PROMOTED);
        assertThat(report.reasons()).isEmpty();
        assertThat(report.provenance()).containsKeys("detector", "sampler", "inferenceSteps", "guidanceScale",
                "seed", "promptSetSha256", "provenanceDigest");
        assertThat(report.provenance()).containsEntry("inferenceSteps", "10");
        AdapterPromotion latest = latestPromotion();
        assertThat(latest.adapterVersion()).isEqualTo(1);
        assertThat(latest.kind()).isEqualTo(AdapterPromotion.Kind.PROMOTION);
        assertThat(latest.evaluationId()).isEqualTo(report.evaluationId());
        assertThat(latest.adapter()).isEqualTo(trained);
    }

    @Test
    @Order(2)
    void adapterTrainedForOneStepIsRejectedNamingEachFailedGate() throws Exception {
        // When
        publish(candidate(2, oneStep));

        // Then
        EvaluationReport report = awaitEvaluation(2);
        System.out.println("Evaluation of v2: " + report.metrics() + " " + report.reasons());
        assertThat(report.decision()).isEqualTo(EvaluationReport.Decision.REJECTED);
        List<String> failed = report.gates().stream().filter(g -> !g.passed()).map(g -> g.gate()).toList();
        assertThat(failed).contains("erasure-rate");
        assertThat(report.reasons()).hasSameSizeAs(failed);
        for (int i = 0; i < failed.size(); i++) {
            assertThat(report.reasons().get(i)).startsWith(failed.get(i) + ": ");
        }
        assertThat(latestPromotion().adapterVersion()).isEqualTo(1);
    }

    @Test
    @Order(3)
    void rollbackServesTheEarlierAdapterAgain() throws Exception {
        // Given: version 3, the same weights as version 1, is promoted too
        publish(candidate(3, trained));
        assertThat(awaitEvaluation(3).decision()).isEqualTo(EvaluationReport.Decision.PROMOTED);
        assertThat(latestPromotion().adapterVersion()).isEqualTo(3);

        // When
        given().contentType(ContentType.JSON)
                .body("{\"conceptIds\":[\"pistol\"],\"adapterId\":\"pair-emoji-world-base-pistol\","
                        + "\"adapterVersion\":1,\"reason\":\"version 3 draws a grey sky\"}")
                .post("/rollback").then().statusCode(202);

        // Then the compacted topic's latest record for the key points to version 1
        AdapterPromotion latest = latestPromotion();
        assertThat(latest.kind()).isEqualTo(AdapterPromotion.Kind.ROLLBACK);
        assertThat(latest.adapterVersion()).isEqualTo(1);
        assertThat(latest.reason()).isEqualTo("version 3 draws a grey sky");
        given().get("/decisions").then().statusCode(200).body(containsString("ROLLBACK"))
                .body(containsString("version 3 draws a grey sky"));
        given().contentType(ContentType.JSON)
                .body("{\"conceptIds\":[\"pistol\"],\"adapterId\":\"pair-emoji-world-base-pistol\","
                        + "\"adapterVersion\":2,\"reason\":\"try\"}")
                .post("/rollback").then().statusCode(404);
    }

    @Test
    @Order(4)
    void candidateWhoseFileWasAlteredIsRefused() throws Exception {
        // Given: the file of a published candidate changed afterwards
        ArtifactRef copy = store.put(Files.readAllBytes(store.pathOf(trained)), "application/x-pair-copy");
        Path file = store.pathOf(oneStep);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 10] ^= 0x33;
        file.toFile().setWritable(true);
        Files.write(file, bytes);

        // When
        publish(candidate(4, oneStep));

        // Then
        EvaluationReport report = awaitEvaluation(4);
        assertThat(report.decision()).isEqualTo(EvaluationReport.Decision.REJECTED);
        assertThat(report.reasons()).singleElement().asString()
                .startsWith("adapter-accepted: the adapter " + oneStep.uri() + " does not match its digest");
        assertThat(latestPromotion().adapterVersion()).isEqualTo(1);
        assertThat(copy.sha256()).isEqualTo(trained.sha256());
    }

    @Test
    @Order(5)
    void reportsGridsAndMetricsAreServed() {
        given().get("/evaluations").then().statusCode(200).body(containsString("eval-pair-emoji-world-base-pistol"));
        given().get("/evaluations/pair-emoji-world-base-pistol/1/report").then().statusCode(200)
                .body(containsString("candidateScores")).body(containsString("provenance"));
        byte[] png = given().get("/evaluations/pair-emoji-world-base-pistol/1/grid").then().statusCode(200)
                .extract().asByteArray();
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        given().get("/evaluations/pair-emoji-world-base-pistol/9").then().statusCode(404);
        given().get("/promoted").then().statusCode(200).body(containsString("ROLLBACK"));
        given().get("/q/openapi").then().statusCode(200).body(containsString("/rollback"));
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("evaluator_erasure_rate{concept_set=\"emoji-world-base|pistol\"}"))
                .body(containsString("evaluator_decisions_total{decision=\"promoted\",reason=\"all-gates-passed\"} 2.0"))
                .body(containsString("evaluator_decisions_total{decision=\"rejected\",reason=\"adapter-accepted\"} 1.0"))
                .body(containsString("evaluator_decisions_total{decision=\"rollback\",reason=\"operator\"} 1.0"));
        given().get("/q/health/ready").then().statusCode(200);
    }

    private static AdapterCandidate candidate(long version, ArtifactRef adapter) {
        AdapterProvenance provenance = new AdapterProvenance(Map.of("steps", "150"), "fisher-emoji-world-base-pistol-1",
                "0".repeat(64), List.of(new OffsetRange(0, 0, 15)), "sha256:test", Map.of("finalLoss", 0.01));
        return new AdapterCandidate(new Envelope("candidate-" + version, "snapshot-record", "emoji-world-base",
                List.of("pistol"), Instant.now()), "pair-emoji-world-base-pistol", version, "job-" + version, "pair",
                adapter, provenance);
    }

    private void publish(AdapterCandidate candidate) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers), new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.ADAPTER_CANDIDATES.name(), KEY, Topics.ADAPTER_CANDIDATES
                    .valueSerde().serializer().serialize(Topics.ADAPTER_CANDIDATES.name(), candidate)))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    private EvaluationReport awaitEvaluation(long version) {
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).until(() -> readAll(Topics.EVALUATIONS)
                .stream().anyMatch(report -> report.adapterVersion() == version));
        return readAll(Topics.EVALUATIONS).stream().filter(report -> report.adapterVersion() == version)
                .reduce((first, second) -> second).orElseThrow();
    }

    private AdapterPromotion latestPromotion() {
        List<AdapterPromotion> promotions = readAll(Topics.ADAPTERS_PROMOTED);
        assertThat(promotions).isNotEmpty();
        return promotions.get(promotions.size() - 1);
    }

    private <V> List<V> readAll(TopicDefinition<String, V> topic) {
        List<V> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
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
