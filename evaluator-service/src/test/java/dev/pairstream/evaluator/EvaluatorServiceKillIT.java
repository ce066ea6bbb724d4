package dev.pairstream.evaluator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import dev.pairstream.contracts.event.AdapterCandidate;
import dev.pairstream.contracts.event.AdapterProvenance;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.EvaluationReport;
import dev.pairstream.contracts.event.OffsetRange;
import dev.pairstream.contracts.topic.TopicDefinition;
import dev.pairstream.contracts.topic.TopicProvisioner;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.adapter.Adapter;
import dev.pairstream.erasure.adapter.AdapterArchive;
import dev.pairstream.erasure.adapter.AdapterConfig;
import dev.pairstream.erasure.pipeline.ModelFolder;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged service (target/quarkus-app) as its own process against an in-JVM broker and kills it with SIGKILL
 * while it evaluates a candidate. The restarted service must evaluate the candidate again and publish exactly one
 * evaluation.
 */
class EvaluatorServiceKillIT {

    private static final Duration WAIT = Duration.ofMinutes(5);

    @TempDir
    Path folder;

    @Test
    void candidateEvaluatedWhenKilledIsEvaluatedOnceAfterRestart() throws Exception {
        Path app = Path.of("target", "quarkus-app", "quarkus-run.jar");
        assertTrue(Files.isRegularFile(app), "missing " + app.toAbsolutePath() + "; run mvn verify, which packages"
                + " the service before the integration tests");
        FileSystemArtifactStore store = new FileSystemArtifactStore(folder.resolve("artifacts"));
        ArtifactRef adapterRef;
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager();
                var unet = ModelFolder.read(Path.of("..", "models", "emoji-world-base")).loadUnet(manager);
                Adapter adapter = Adapter.initialize(AdapterConfig.dora(4, 4, "emoji-world-base"), unet.weights(),
                        manager, 3L)) {
            adapterRef = store.put(AdapterArchive.write(adapter), AdapterArchive.MEDIA_TYPE);
        }
        try (KafkaLocalBroker broker = KafkaLocalBroker.builder().port(0).build().start()) {
            String servers = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
                TopicProvisioner.ensureTopics(admin, Topics.all(), (short) 1, Duration.ofSeconds(60));
            }
            // Given a candidate on the topic
            AdapterProvenance provenance = new AdapterProvenance(Map.of("steps", "0"), "fisher-1", "0".repeat(64),
                    List.of(new OffsetRange(0, 0, 0)), "sha256:test", Map.of());
            AdapterCandidate candidate = new AdapterCandidate(new Envelope("candidate-1", "snapshot-1",
                    "emoji-world-base", List.of("pistol"), Instant.now()), "pair-emoji-world-base-pistol", 1,
                    "job-1", "pair", adapterRef, provenance);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers), new StringSerializer(),
                    new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(Topics.ADAPTER_CANDIDATES.name(), "emoji-world-base|pistol",
                        Topics.ADAPTER_CANDIDATES.valueSerde().serializer().serialize(
                                Topics.ADAPTER_CANDIDATES.name(), candidate))).get(30, TimeUnit.SECONDS);
            }

            // When the service is killed while it evaluates, and started again
            Path firstLog = Path.of("target", "evaluator-kill-it-run-1.log");
            Process first = start(app, servers, firstLog);
            try {
                Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200))
                        .until(() -> Files.exists(firstLog) && Files.readString(firstLog).contains("Evaluating "));
                Thread.sleep(2000);
            } finally {
                first.destroyForcibly();
                assertTrue(first.waitFor(30, TimeUnit.SECONDS), "process " + first.pid() + " did not die");
            }
            assertThat(readAll(servers, Topics.EVALUATIONS)).isEmpty();
            Process second = start(app, servers, Path.of("target", "evaluator-kill-it-run-2.log"));
            try {
                Awaitility.await().atMost(WAIT).pollInterval(Duration.ofSeconds(1))
                        .until(() -> !readAll(servers, Topics.EVALUATIONS).isEmpty());
                // Give a second evaluation, if the service wrongly made one, the time to appear.
                Thread.sleep(3000);
            } finally {
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
            }

            // Then exactly one evaluation, of the unchanged adapter: it erases nothing, so it is rejected
            List<EvaluationReport> evaluations = readAll(servers, Topics.EVALUATIONS);
            assertThat(evaluations).hasSize(1);
            assertThat(evaluations.get(0).decision()).isEqualTo(EvaluationReport.Decision.REJECTED);
            assertThat(evaluations.get(0).reasons().get(0)).startsWith("erasure-rate: ");
            assertThat(readAll(servers, Topics.ADAPTERS_PROMOTED)).isEmpty();
        }
    }

    private Process start(Path app, String servers, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        File output = log.toFile();
        return new ProcessBuilder(java, "-Xmx2g",
                "-Dkafka.bootstrap.servers=" + servers,
                "-Dquarkus.http.port=0",
                "-Dpair.evaluator.model-folder=../models/emoji-world-base",
                "-Dpair.evaluator.detector-folder=../models/concept-detector",
                "-Dpair.evaluator.artifact-store=" + folder.resolve("artifacts"),
                "-Dpair.evaluator.evaluation.train-prompts-per-concept=4",
                "-Dpair.evaluator.evaluation.held-out-prompts-per-concept=4",
                "-Dpair.evaluator.evaluation.neutral-prompts=8",
                "-Dpair.evaluator.evaluation.inference-steps=10",
                "-Dpair.evaluator.consumer.transactional-id=evaluator-kill-it",
                // A killed member leaves the group when its session times out, so keep that short.
                "-Dkafka.session.timeout.ms=6000",
                "-Dkafka.heartbeat.interval.ms=1000",
                "-jar", app.toString())
                .redirectErrorStream(true)
                .redirectOutput(output)
                .start();
    }

    private static <V> List<V> readAll(String servers, TopicDefinition<String, V> topic) {
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
