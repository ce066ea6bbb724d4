package dev.pairstream.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import dev.pairstream.contracts.event.AdapterCandidate;
import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.event.TrainingJobState;
import dev.pairstream.contracts.event.TrainingJobState.State;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.emoji.CaptionGenerator;
import dev.pairstream.erasure.emoji.CaptionSplit;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.Scene;
import dev.pairstream.erasure.emoji.SceneSampler;
import dev.pairstream.kafkalocal.KafkaLocalTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The trainer against a real in-JVM broker, with pairs drawn by the shipped base model and their real Fisher: one
 * worker and no queue, so readiness goes down while a job trains.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaLocalTestResource.class, restrictToAnnotatedClass = true)
@TestProfile(TrainerServiceTest.ShortJobs.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainerServiceTest {

    static final Path ARTIFACTS = Path.of("target", "test-artifacts");
    static final int STEPS = 80;
    private static final Duration JOB_WAIT = Duration.ofMinutes(6);

    /** Short jobs, one worker, no queue, and a consumer poll deadline that every job outlasts. */
    public static class ShortJobs implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("pair.trainer.state-folder", "target/trainer-state-" + UUID.randomUUID()),
                    Map.entry("pair.trainer.artifact-store", ARTIFACTS.toString()),
                    Map.entry("pair.trainer.trigger.min-pairs", "8"),
                    Map.entry("pair.trainer.trigger.min-fisher-pairs", "8"),
                    Map.entry("pair.trainer.trigger.cool-down", "0s"),
                    Map.entry("pair.trainer.trigger.max-concurrent-jobs", "1"),
                    Map.entry("pair.trainer.trigger.max-queued-jobs", "0"),
                    Map.entry("pair.trainer.training.steps", Integer.toString(STEPS)),
                    Map.entry("pair.trainer.training.batch-size", "4"),
                    Map.entry("pair.trainer.training.learning-rate", "0.006"),
                    Map.entry("pair.trainer.training.checkpoint-every", "10"),
                    Map.entry("pair.trainer.training.neutral-examples", "8"),
                    Map.entry("pair.trainer.training.neutral-sampling-steps", "10"),
                    Map.entry("pair.trainer.training.progress-interval", "0s"),
                    Map.entry("kafka.max.poll.interval.ms", "5000"));
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String servers;

    @Inject
    TrainerService service;

    private static FileSystemArtifactStore store;
    private static TrainerTestData data;

    @BeforeAll
    static void openData() throws Exception {
        store = new FileSystemArtifactStore(ARTIFACTS);
        data = new TrainerTestData(store);
    }

    @AfterAll
    static void closeData() {
        data.close();
    }

    @Test
    @Order(1)
    void pairsAndSnapshotBecomeOneCandidateThatLowersTheErasureRate() throws Exception {
        // Given: 16 pistol pairs and their Fisher snapshot on the topics
        TrainerTestData.Pairs pairs = data.pistolPairs(TrainerTestData.BASE_MODEL, List.of("pistol"), "pistol", 16,
                11);
        FisherSnapshot snapshot = data.snapshot(TrainerTestData.BASE_MODEL, List.of("pistol"), pairs,
                "fisher-emoji-world-base-pistol-1");
        TrainerTestData.send(servers, Topics.PAIRS, "emoji-world-base|pistol", pairs.records());
        TrainerTestData.send(servers, Topics.FISHER, "emoji-world-base|pistol", List.of(snapshot));
        String jobId = "job-fisher-emoji-world-base-pistol-1";

        // When the job trains, more pairs arrive: the reader keeps consuming, the service stays live, and with its
        // only worker busy and no queue it is not ready for more work
        Awaitility.await().atMost(JOB_WAIT).until(() -> service.job(jobId)
                .filter(job -> job.state() == State.RUNNING && job.step() >= 1).isPresent());
        TrainerTestData.Pairs late = data.pistolPairs(TrainerTestData.BASE_MODEL, List.of("pistol"), "late", 4, 12);
        TrainerTestData.send(servers, Topics.PAIRS, "emoji-world-base|pistol", late.records());
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> service.materialisedPairs() >= 20);
        assertThat(service.job(jobId).orElseThrow().state()).isEqualTo(State.RUNNING);
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(503).body(containsString("every worker is busy"));

        // Then one candidate comes out
        Awaitility.await().atMost(JOB_WAIT).pollInterval(Duration.ofSeconds(1))
                .until(() -> !TrainerTestData.readAll(servers, Topics.ADAPTER_CANDIDATES).isEmpty());
        List<AdapterCandidate> candidates = TrainerTestData.readAll(servers, Topics.ADAPTER_CANDIDATES);
        assertThat(candidates).hasSize(1);
        AdapterCandidate candidate = candidates.get(0);
        assertThat(candidate.adapterId()).isEqualTo("pair-emoji-world-base-pistol");
        assertThat(candidate.adapterVersion()).isEqualTo(1);
        assertThat(candidate.trainingJobId()).isEqualTo(jobId);
        assertThat(candidate.method()).isEqualTo("pair");
        assertThat(candidate.causationId()).isEqualTo(snapshot.recordId());
        assertThat(candidate.provenance().fisherSnapshotId()).isEqualTo(snapshot.snapshotId());
        assertThat(candidate.provenance().fisherSnapshotSha256()).isEqualTo(snapshot.tensors().sha256());
        assertThat(candidate.provenance().baseModelDigest()).startsWith("sha256:");
        assertThat(candidate.provenance().hyperParameters()).containsEntry("steps", Integer.toString(STEPS))
                .containsEntry("rank", "4");
        assertThat(candidate.provenance().trainingMetrics()).containsEntry("steps", (double) STEPS)
                .containsEntry("pairs", 16.0).containsKey("finalLoss");
        assertThat(candidate.provenance().pairRanges()).isNotEmpty();

        // ... with its job states in order
        List<TrainingJobState> states = TrainerTestData.readAll(servers, Topics.TRAINING_JOBS).stream()
                .filter(state -> state.jobId().equals(jobId)).toList();
        assertThat(states.get(0).state()).isEqualTo(State.QUEUED);
        assertThat(states.get(states.size() - 1).state()).isEqualTo(State.SUCCEEDED);
        assertThat(states.get(states.size() - 1).candidateAdapterId()).isEqualTo("pair-emoji-world-base-pistol@1");
        List<TrainingJobState> running = states.subList(1, states.size() - 1);
        assertThat(running).isNotEmpty().allMatch(state -> state.state() == State.RUNNING);
        for (int i = 1; i < running.size(); i++) {
            assertThat(running.get(i).step()).isGreaterThanOrEqualTo(running.get(i - 1).step());
        }
        assertThat(running.get(running.size() - 1).step()).isEqualTo(STEPS);

        // ... and its adapter, loaded by erasure-core, draws fewer pistols for held-out pistol prompts
        List<String> prompts = heldOutPistolPrompts(24);
        long[] seeds = new long[prompts.size()];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = 500 + i;
        }
        double before = data.pistolRate(prompts, seeds, null);
        double after = data.pistolRate(prompts, seeds, candidate.adapter());
        System.out.printf("Pistol rate on %d held-out prompts: base %.3f, candidate %.3f%n", prompts.size(), before,
                after);
        assertThat(after).isLessThan(before - 0.2);
    }

    @Test
    @Order(2)
    void snapshotWhoseTensorsFailTheirDigestFailsTheJob() throws Exception {
        // Given: a snapshot whose stored tensors were changed after publishing
        TrainerTestData.Pairs pairs = data.pistolPairs(TrainerTestData.BASE_MODEL, List.of("knife"), "knife", 8, 21);
        FisherSnapshot snapshot = data.snapshot(TrainerTestData.BASE_MODEL, List.of("knife"), pairs,
                "fisher-emoji-world-base-knife-1");
        Path tensors = store.pathOf(snapshot.tensors());
        byte[] bytes = Files.readAllBytes(tensors);
        bytes[bytes.length / 2] ^= 0x5a;
        tensors.toFile().setWritable(true);
        Files.write(tensors, bytes);

        // When
        TrainerTestData.send(servers, Topics.PAIRS, "emoji-world-base|knife", pairs.records());
        TrainerTestData.send(servers, Topics.FISHER, "emoji-world-base|knife", List.of(snapshot));

        // Then
        String jobId = "job-fisher-emoji-world-base-knife-1";
        Awaitility.await().atMost(JOB_WAIT).until(() -> service.job(jobId)
                .filter(job -> job.state() == State.FAILED).isPresent());
        assertThat(service.job(jobId).orElseThrow().reason())
                .startsWith("the tensors " + snapshot.tensors().uri() + " of Fisher snapshot "
                        + snapshot.snapshotId() + " do not match their digest");
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    @Order(3)
    void pairsOfUnknownBaseModelFailTheJob() throws Exception {
        // Given
        TrainerTestData.Pairs pairs = data.pistolPairs("other-model", List.of("pistol"), "other", 8, 31);
        FisherSnapshot snapshot = data.snapshot("other-model", List.of("pistol"), pairs, "fisher-other-model-1");

        // When
        TrainerTestData.send(servers, Topics.PAIRS, "other-model|pistol", pairs.records());
        TrainerTestData.send(servers, Topics.FISHER, "other-model|pistol", List.of(snapshot));

        // Then
        String jobId = "job-fisher-other-model-1";
        Awaitility.await().atMost(JOB_WAIT).until(() -> service.job(jobId)
                .filter(job -> job.state() == State.FAILED).isPresent());
        assertThat(service.job(jobId).orElseThrow().reason()).isEqualTo("unknown base model 'other-model': this"
                + " trainer trains adapters for 'emoji-world-base' only");
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    @Order(4)
    void restApiStartsListsAndCancelsAJob() {
        // When a short job is started by hand, its candidate is the concept set's second version
        String shortJob = given().contentType(ContentType.JSON)
                .body("{\"conceptIds\":[\"pistol\"],\"overrides\":{\"steps\":3}}")
                .post("/jobs").then().statusCode(202)
                .body("state", equalTo("QUEUED"))
                .extract().path("jobId");
        Awaitility.await().atMost(JOB_WAIT).until(() -> service.job(shortJob)
                .filter(job -> job.state() == State.SUCCEEDED).isPresent());
        assertThat(service.job(shortJob).orElseThrow().candidateAdapterId())
                .isEqualTo("pair-emoji-world-base-pistol@2");
        List<AdapterCandidate> candidates = TrainerTestData.readAll(servers, Topics.ADAPTER_CANDIDATES);
        assertThat(candidates).extracting(AdapterCandidate::adapterVersion).containsExactly(1L, 2L);
        assertThat(candidates.get(1).provenance().hyperParameters()).containsEntry("steps", "3");

        // When a job is started by hand with more steps, and cancelled
        String jobId = given().contentType(ContentType.JSON)
                .body("{\"conceptIds\":[\"pistol\"],\"overrides\":{\"steps\":5000,\"learningRate\":0.001}}")
                .post("/jobs").then().statusCode(202)
                .body("origin", equalTo("manual"))
                .body("fisherSnapshotId", equalTo("fisher-emoji-world-base-pistol-1"))
                .body("totalSteps", equalTo(5000))
                .extract().path("jobId");
        given().get("/jobs").then().statusCode(200).body(containsString(jobId));
        Awaitility.await().atMost(JOB_WAIT).until(() -> service.job(jobId)
                .filter(job -> job.state() == State.RUNNING && job.step() >= 1).isPresent());
        given().delete("/jobs/" + jobId).then().statusCode(202);

        // Then
        Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> service.job(jobId)
                .filter(job -> job.state() == State.CANCELLED).isPresent());
        assertThat(service.job(jobId).orElseThrow().reason()).startsWith("cancelled by request after ");
        given().delete("/jobs/" + jobId).then().statusCode(409);
        given().get("/jobs/no-such-job").then().statusCode(404);
        given().contentType(ContentType.JSON).body("{\"conceptIds\":[]}").post("/jobs").then().statusCode(400);
        given().contentType(ContentType.JSON).body("{\"conceptIds\":[\"banana\"]}").post("/jobs").then()
                .statusCode(404).body("error", containsString("no Fisher snapshot"));
        given().contentType(ContentType.JSON)
                .body("{\"conceptIds\":[\"pistol\"],\"overrides\":{\"steps\":0}}")
                .post("/jobs").then().statusCode(400).body("error", containsString("steps"));
        given().get("/q/openapi").then().statusCode(200).body(containsString("/jobs/{jobId}"));
    }

    @Test
    @Order(5)
    void malformedPairIsDeadLetteredAndReadingGoesOn() throws Exception {
        // When
        TrainerTestData.sendRaw(servers, Topics.PAIRS.name(), "emoji-world-base|pistol",
                "{\"schemaVersion\":1,\"pairId\":".getBytes(StandardCharsets.UTF_8));
        TrainerTestData.Pairs pairs = data.pistolPairs(TrainerTestData.BASE_MODEL, List.of("pistol"), "after", 2, 41);
        TrainerTestData.send(servers, Topics.PAIRS, "emoji-world-base|pistol", pairs.records());

        // Then
        long before = service.materialisedPairs();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> TrainerTestData.readAll(servers,
                Topics.DEAD_LETTERS).stream().anyMatch(letter -> letter.serviceName().equals("trainer-service")));
        List<DeadLetter> letters = new ArrayList<>(TrainerTestData.readAll(servers, Topics.DEAD_LETTERS));
        letters.removeIf(letter -> !letter.serviceName().equals("trainer-service"));
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).sourceTopic()).isEqualTo(Topics.PAIRS.name());
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> service.materialisedPairs() >= before + 2
                || service.materialisedPairs() >= 30);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("trainer_records_rejected_total{topic=\"erasure.pairs\"} 1.0"))
                .body(containsString("trainer_jobs{state=\"succeeded\"} 2.0"))
                .body(containsString("trainer_step_seconds_count"));
    }

    private static List<String> heldOutPistolPrompts(int count) {
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        SceneSampler sampler = new SceneSampler(catalog, 77);
        CaptionGenerator captions = new CaptionGenerator(catalog, 78);
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Scene scene = sampler.sample("pistol");
            prompts.add(captions.caption(scene, CaptionSplit.HELD_OUT));
        }
        return prompts;
    }

}
