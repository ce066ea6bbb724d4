package dev.pairstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import dev.pairstream.contracts.event.AdapterCandidate;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.event.TrainingJobState;
import dev.pairstream.contracts.event.TrainingJobState.State;
import dev.pairstream.contracts.topic.TopicProvisioner;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged service (target/quarkus-app) as its own process against an in-JVM broker and kills it with
 * SIGKILL in the middle of a job. After a restart on the same state folder, the job must go on from its newest
 * checkpoint and publish exactly one candidate.
 */
class TrainerServiceKillIT {

    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final int STEPS = 80;
    private static final int CHECKPOINT_EVERY = 10;
    private static final String JOB_ID = "job-fisher-emoji-world-base-pistol-7";

    @TempDir
    Path folder;

    @Test
    void killedJobResumesFromCheckpointAndPublishesOneCandidate() throws Exception {
        Path app = Path.of("target", "quarkus-app", "quarkus-run.jar");
        assertTrue(Files.isRegularFile(app), "missing " + app.toAbsolutePath() + "; run mvn verify, which packages"
                + " the service before the integration tests");
        FileSystemArtifactStore store = new FileSystemArtifactStore(folder.resolve("artifacts"));
        try (KafkaLocalBroker broker = KafkaLocalBroker.builder().port(0).build().start();
                TrainerTestData data = new TrainerTestData(store)) {
            String servers = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
                TopicProvisioner.ensureTopics(admin, Topics.all(), (short) 1, Duration.ofSeconds(60));
            }
            // Given pairs and a snapshot that start a job of 80 steps
            TrainerTestData.Pairs pairs = data.pistolPairs(TrainerTestData.BASE_MODEL, List.of("pistol"), "pistol",
                    12, 7);
            FisherSnapshot snapshot = data.snapshot(TrainerTestData.BASE_MODEL, List.of("pistol"), pairs,
                    "fisher-emoji-world-base-pistol-7");
            TrainerTestData.send(servers, Topics.PAIRS, "emoji-world-base|pistol", pairs.records());
            TrainerTestData.send(servers, Topics.FISHER, "emoji-world-base|pistol", List.of(snapshot));

            // When the service is killed once the job has passed two checkpoints, and then started again
            Process first = start(app, servers, 1);
            int stepAtKill;
            try {
                Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200))
                        .until(() -> newestStep(servers) >= 2 * CHECKPOINT_EVERY + 5);
            } finally {
                first.destroyForcibly();
                assertTrue(first.waitFor(30, TimeUnit.SECONDS), "process " + first.pid() + " did not die");
            }
            stepAtKill = newestStep(servers);
            Process second = start(app, servers, 2);
            try {
                Awaitility.await().atMost(WAIT).pollInterval(Duration.ofSeconds(1))
                        .until(() -> jobStates(servers).stream().anyMatch(s -> s.state().isTerminal()));
                // Give a second candidate, if the service wrongly made one, the time to appear.
                Thread.sleep(3000);
            } finally {
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
            }

            // Then the job went back to its newest checkpoint, not to step 0, and ended with one candidate
            List<TrainingJobState> states = jobStates(servers);
            assertThat(states.get(states.size() - 1).state()).isEqualTo(State.SUCCEEDED);
            int resumedAt = -1;
            for (int i = 1; i < states.size(); i++) {
                if (states.get(i).step() < states.get(i - 1).step()) {
                    resumedAt = states.get(i).step();
                }
            }
            int lastCheckpoint = stepAtKill / CHECKPOINT_EVERY * CHECKPOINT_EVERY;
            assertThat(resumedAt).as("first step after the restart (killed at %d)", stepAtKill)
                    .isGreaterThanOrEqualTo(2 * CHECKPOINT_EVERY + 1).isLessThanOrEqualTo(lastCheckpoint + 1);
            List<AdapterCandidate> candidates = TrainerTestData.readAll(servers, Topics.ADAPTER_CANDIDATES);
            assertThat(candidates).hasSize(1);
            assertThat(candidates.get(0).trainingJobId()).isEqualTo(JOB_ID);
            assertThat(candidates.get(0).provenance().trainingMetrics().get("resumedFromStep"))
                    .isEqualTo(resumedAt - 1.0);
            assertThat(store.exists(candidates.get(0).adapter())).isTrue();
        }
    }

    private static List<TrainingJobState> jobStates(String servers) {
        return TrainerTestData.readAll(servers, Topics.TRAINING_JOBS).stream()
                .filter(state -> state.jobId().equals(JOB_ID)).toList();
    }

    private static int newestStep(String servers) {
        List<TrainingJobState> states = jobStates(servers);
        return states.isEmpty() ? 0 : states.get(states.size() - 1).step();
    }

    private Process start(Path app, String servers, int run) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        File log = Path.of("target", "trainer-kill-it-run-" + run + ".log").toFile();
        return new ProcessBuilder(java, "-Xmx2g",
                "-Dkafka.bootstrap.servers=" + servers,
                "-Dquarkus.http.port=0",
                "-Dpair.trainer.model-folder=../models/emoji-world-base",
                "-Dpair.trainer.artifact-store=" + folder.resolve("artifacts"),
                // Both runs share the state folder, as a restarted pod keeps its volume.
                "-Dpair.trainer.state-folder=" + folder.resolve("state"),
                "-Dpair.trainer.trigger.min-pairs=8",
                "-Dpair.trainer.trigger.min-fisher-pairs=8",
                "-Dpair.trainer.training.steps=" + STEPS,
                "-Dpair.trainer.training.batch-size=4",
                "-Dpair.trainer.training.checkpoint-every=" + CHECKPOINT_EVERY,
                "-Dpair.trainer.training.neutral-examples=4",
                "-Dpair.trainer.training.neutral-sampling-steps=10",
                "-Dpair.trainer.training.progress-interval=0s",
                "-Dpair.trainer.reader.transactional-id=trainer-kill-it",
                "-jar", app.toString())
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start();
    }
}
