package dev.pairstream.evaluator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.contracts.artifact.ArtifactIntegrityException;
import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.artifact.ArtifactStore;
import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import dev.pairstream.contracts.event.AdapterCandidate;
import dev.pairstream.contracts.event.AdapterPromotion;
import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.EvaluationReport;
import dev.pairstream.contracts.event.EventKeys;
import dev.pairstream.contracts.event.GateResult;
import dev.pairstream.contracts.serde.ContractJson;
import dev.pairstream.contracts.topic.TopicDefinition;
import dev.pairstream.contracts.topic.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Evaluates every candidate on {@code erasure.adapters.candidates}, decides by the gates, and publishes the evaluation
 * and, on promotion, the promotion record together with the candidate's offset in one Kafka transaction.
 *
 * <p>At start one reader restores, from the beginning of {@code erasure.adapters.promoted}, {@code erasure.evaluations}
 * and {@code erasure.adapters.candidates}, which adapter each concept set serves, every earlier evaluation and every
 * candidate. Then a consumer of the group {@code pair.evaluator.consumer.group-id} reads the candidates. An evaluation
 * takes minutes, so it runs on a worker thread while the consumer pauses its partitions and keeps polling: it stays in
 * the group whatever the evaluation's length.
 */
@ApplicationScoped
public class EvaluatorService {

    private static final Logger LOG = Logger.getLogger(EvaluatorService.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper REPORT_JSON = ContractJson.newMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final EvaluatorConfig config;
    private final Map<String, Object> kafkaConfig;
    private final EvaluatorMetrics metrics;
    private final MeterRegistry registry;
    private final GatePolicy policy;
    private final Clock clock = Clock.systemUTC();
    private final Object lifecycle = new Object();
    private final Object producerLock = new Object();

    // Guarded by this.
    private final Map<String, EvaluationReport> evaluations = new LinkedHashMap<>();
    private final Map<String, AdapterCandidate> candidates = new HashMap<>();
    private final Map<String, AdapterPromotion> promoted = new TreeMap<>();
    private final Map<String, AdapterPromotion> previouslyPromoted = new TreeMap<>();
    private final List<DecisionView> decisions = new ArrayList<>();

    private volatile boolean running;
    private volatile boolean restored;
    private volatile boolean connected;
    private volatile String lastError;
    private volatile KafkaConsumer<byte[], byte[]> activeConsumer;
    private Thread thread;
    private ExecutorService worker;
    private ArtifactStore store;
    private EvaluatorEngine engine;
    private KafkaProducer<String, byte[]> producer;

    @Inject
    public EvaluatorService(EvaluatorConfig config,
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, MeterRegistry registry) {
        this.config = config;
        this.kafkaConfig = kafkaConfig;
        this.registry = registry;
        this.metrics = new EvaluatorMetrics(registry);
        this.policy = new GatePolicy(config.gates());
    }

    void onStart(@Observes StartupEvent event) {
        start();
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    /** Loads the model and detector and starts the consumer thread. */
    public void start() {
        synchronized (lifecycle) {
            if (thread != null) {
                return;
            }
            store = new FileSystemArtifactStore(config.artifactStore());
            try {
                engine = EvaluatorEngine.load(config, store);
            } catch (IOException e) {
                throw new UncheckedIOException("Failed to load the base model " + config.modelFolder().toAbsolutePath()
                        + " or the detector " + config.detectorFolder().toAbsolutePath(), e);
            }
            worker = Executors.newSingleThreadExecutor(task -> new Thread(task, EvaluatorTopics.SERVICE_NAME
                    + "-worker"));
            running = true;
            thread = new Thread(this::run, EvaluatorTopics.SERVICE_NAME + "-consumer");
            thread.start();
            LOG.infof("Evaluator started for base model %s", engine.baseModelId());
        }
    }

    /** Stops the consumer; an evaluation in progress is dropped and done again by the next start. */
    public void stop() {
        Thread stopping;
        synchronized (lifecycle) {
            stopping = thread;
            thread = null;
            running = false;
        }
        if (stopping == null) {
            return;
        }
        KafkaConsumer<byte[], byte[]> consumer = activeConsumer;
        if (consumer != null) {
            consumer.wakeup();
        }
        worker.shutdownNow();
        try {
            stopping.join(STOP_TIMEOUT.toMillis());
            worker.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        engine.close();
        LOG.info("Evaluator stopped");
    }

    // ---------------------------------------------------------------------------------------------------- queries

    /** Returns every evaluation, oldest first, optionally of one concept set. */
    public synchronized List<EvaluationReport> evaluations(String conceptSetKey) {
        return evaluations.values().stream()
                .filter(e -> conceptSetKey == null || key(e.baseModelId(), e.conceptIds()).equals(conceptSetKey))
                .toList();
    }

    /** Returns the newest evaluation of an adapter version. */
    public synchronized Optional<EvaluationReport> evaluation(String adapterId, long version) {
        EvaluationReport found = null;
        for (EvaluationReport report : evaluations.values()) {
            if (report.adapterId().equals(adapterId) && report.adapterVersion() == version) {
                found = report;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Returns the bytes of an artifact the evaluator wrote, verified. */
    public byte[] artifact(ArtifactRef ref) throws IOException {
        return store.read(ref);
    }

    /** Returns every decision, oldest first. */
    public synchronized List<DecisionView> decisions() {
        return List.copyOf(decisions);
    }

    /** Returns the adapter each concept set serves. */
    public synchronized Map<String, AdapterPromotion> promoted() {
        return Map.copyOf(promoted);
    }

    /** Returns whether the service has restored its state and its consumer is connected, with the reason if not. */
    public Readiness readiness() {
        if (!restored) {
            return new Readiness(false, lastError == null ? "restoring from the topics" : lastError);
        }
        return connected ? new Readiness(true, null)
                : new Readiness(false, lastError == null ? "the consumer is connecting" : lastError);
    }

    /** Returns whether the consumer thread is alive; an evaluation in progress keeps it alive. */
    public boolean isLive() {
        Thread current = thread;
        return current != null && current.isAlive();
    }

    /**
     * Readiness of the evaluator.
     *
     * @param ready whether it is ready
     * @param error why not, or {@code null}
     */
    public record Readiness(boolean ready, String error) {
    }

    // ---------------------------------------------------------------------------------------------------- rollback

    /**
     * Serves an earlier adapter of a concept set again: one that an evaluation promoted and whose file still matches
     * its digest. The rollback is a promotion record of kind ROLLBACK with the operator's reason.
     *
     * @throws RequestException when the request is invalid, the adapter was never promoted, or its file was altered
     */
    public synchronized DecisionView rollback(RollbackRequest request) {
        if (request == null || request.conceptIds() == null || request.conceptIds().isEmpty()
                || request.adapterId() == null || request.adapterVersion() == null || request.reason() == null
                || request.reason().isBlank()) {
            throw new RequestException(400, "conceptIds, adapterId, adapterVersion and reason are required");
        }
        if (!restored) {
            throw new RequestException(503, "the evaluator is still restoring");
        }

        String baseModelId = request.baseModelId() == null ? config.baseModelId() : request.baseModelId();
        String key;
        try {
            key = key(baseModelId, request.conceptIds());
        } catch (IllegalArgumentException e) {
            throw new RequestException(400, e.getMessage());
        }

        String candidateKey = request.adapterId() + "@" + request.adapterVersion();
        AdapterCandidate candidate = candidates.get(candidateKey);
        EvaluationReport promoting = evaluations.values().stream()
                .filter(e -> e.adapterId().equals(request.adapterId())
                        && e.adapterVersion() == request.adapterVersion()
                        && e.decision() == EvaluationReport.Decision.PROMOTED)
                .reduce((first, second) -> second).orElse(null);
        if (candidate == null || promoting == null || !key(candidate.baseModelId(), candidate.conceptIds())
                .equals(key)) {
            throw new RequestException(404, "no evaluation ever promoted " + candidateKey + " for " + key);
        }
        try {

            store.verify(candidate.adapter());
        } catch (ArtifactIntegrityException e) {
            throw new RequestException(409, "the adapter file of " + candidateKey + " no longer matches its digest: "
                    + e.getMessage());
        } catch (IOException e) {
            throw new RequestException(409, "the adapter file of " + candidateKey + " cannot be read: "
                    + e.getMessage());
        }
        Instant now = clock.instant();

        Envelope envelope = new Envelope(Envelope.newRecordId(), promoting.recordId(), candidate.baseModelId(),
                candidate.conceptIds(), now);
        AdapterPromotion rollback = new AdapterPromotion(envelope, candidate.adapterId(),
                candidate.adapterVersion(), candidate.adapter(), promoting.evaluationId(),
                AdapterPromotion.Kind.ROLLBACK, request.reason());
        try {
            publish(List.of(record(Topics.ADAPTERS_PROMOTED, key, rollback)), null, null);
        } catch (RuntimeException e) {
            throw new RequestException(503, "the rollback could not be published: " + e.getMessage());
        }

        promote(key, rollback);
        DecisionView view = new DecisionView("ROLLBACK", key, candidate.adapterId(), candidate.adapterVersion(),
                promoting.evaluationId(), List.of(request.reason()), Map.of(), now);
        decisions.add(view);
        metrics.decision("rollback", "operator");
        LOG.infof("Rolled %s back to %s (evaluation %s): %s", key, candidateKey, promoting.evaluationId(),
                request.reason());
        return view;
    }

    /** A request the service refuses, with the HTTP status of the refusal. */
    public static final class RequestException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        private final int status;

        RequestException(int status, String message) {
            super(message);
            this.status = status;
        }

        /** Returns the HTTP status. */
        public int status() {
            return status;
        }
    }

    // ---------------------------------------------------------------------------------------------------- consumer

    private void run() {
        while (running) {
            try {
                if (!restored) {
                    restore();
                }
                consume();
            } catch (WakeupException e) {
                if (running) {
                    LOG.warn("The consumer was woken up without a stop request; reconnecting");
                }
            } catch (RuntimeException e) {
                if (!running) {
                    break;
                }
                connected = false;
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                LOG.errorf(e, "The consumer of %s failed; reconnecting in %s from the committed offsets",
                        Topics.ADAPTER_CANDIDATES.name(), config.consumer().retryInterval());
                closeProducer();
                sleep(config.consumer().retryInterval());
            }
        }
        closeProducer();
    }

    /** Reads the promoted, evaluations and candidates topics from the beginning to the end offsets found at start. */
    private void restore() {
        Map<String, Object> settings = filtered(ConsumerConfig.configNames());
        settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
        settings.put(ConsumerConfig.CLIENT_ID_CONFIG, EvaluatorTopics.SERVICE_NAME + "-restore");
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(settings, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            activeConsumer = reader;
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.ADAPTERS_PROMOTED.name(), Topics.EVALUATIONS.name(),
                    Topics.ADAPTER_CANDIDATES.name())) {
                List<PartitionInfo> infos = reader.partitionsFor(topic);
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException("topic " + topic + " does not exist yet");
                }
                infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
            }
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
            while (running && partitions.stream().anyMatch(tp -> reader.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> record : reader.poll(config.consumer().pollTimeout())) {
                    restoreRecord(record);
                }
            }
        } finally {
            activeConsumer = null;
        }
        restored = true;
        synchronized (this) {
            // Evaluations are kept in the order read, so the newest of each concept set sets its gauges last.
            for (EvaluationReport report : evaluations.values()) {
                String key = key(report.baseModelId(), report.conceptIds());
                if (!report.metrics().isEmpty()) {
                    metrics.evaluated(key, report.adapterVersion(), report.metrics());
                }
                if (!promoted.containsKey(key)) {
                    metrics.promoted(key, Double.NaN, Double.NaN, Double.NaN);
                }
            }
            promoted.forEach((key, promotion) -> metrics.promoted(key, promotion.adapterVersion(),
                    erasureRateOf(promotion), erasureRateOf(previouslyPromoted.get(key))));
            LOG.infof("Restored %d evaluations, %d candidates and the promoted adapters of %d concept sets",
                    evaluations.size(), candidates.size(), promoted.size());
        }
    }

    private synchronized void restoreRecord(ConsumerRecord<byte[], byte[]> record) {
        try {
            if (record.topic().equals(Topics.EVALUATIONS.name())) {
                EvaluationReport report = Topics.EVALUATIONS.valueSerde().deserializer()
                        .deserialize(record.topic(), record.value());
                evaluations.put(report.evaluationId(), report);
                decisions.add(decisionOf(report));
            } else if (record.topic().equals(Topics.ADAPTERS_PROMOTED.name())) {
                AdapterPromotion promotion = Topics.ADAPTERS_PROMOTED.valueSerde().deserializer()
                        .deserialize(record.topic(), record.value());
                if (promotion != null) {
                    promote(promotion.key(), promotion);
                    if (promotion.kind() == AdapterPromotion.Kind.ROLLBACK) {
                        decisions.add(new DecisionView("ROLLBACK", promotion.key(), promotion.adapterId(),
                                promotion.adapterVersion(), promotion.evaluationId(), List.of(promotion.reason()),
                                Map.of(), promotion.createdAt()));
                    }
                }
            } else {
                AdapterCandidate candidate = Topics.ADAPTER_CANDIDATES.valueSerde().deserializer()
                        .deserialize(record.topic(), record.value());
                candidates.put(candidate.adapterId() + "@" + candidate.adapterVersion(), candidate);
            }
        } catch (RuntimeException e) {
            // The consumer group dead-letters bad candidates; other topics are written by this service only.
            LOG.warnf("Skipping %s while restoring: %s",
                    DeadLetter.coordinates(record.topic(), record.partition(), record.offset()), e.getMessage());
        }
    }

    private void consume() {
        Map<String, Object> settings = filtered(ConsumerConfig.configNames());
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, config.consumer().groupId());
        settings.put(ConsumerConfig.CLIENT_ID_CONFIG, EvaluatorTopics.SERVICE_NAME + "-consumer");
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
                KafkaClientMetrics meters = new KafkaClientMetrics(consumer)) {
            // Exports the consumer's own measures, the fetch lag among them, for the consumer-lag alert.
            meters.bindTo(registry);
            activeConsumer = consumer;
            if (!running) {
                return;
            }
            synchronized (producerLock) {
                producer();
            }
            ArrayDeque<ConsumerRecord<byte[], byte[]>> buffer = new ArrayDeque<>();
            InFlight[] inFlight = {null};
            consumer.subscribe(List.of(Topics.ADAPTER_CANDIDATES.name()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    buffer.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
                    if (inFlight[0] != null && partitions.contains(inFlight[0].partition())) {
                        inFlight[0].revoked = true;
                    }
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (inFlight[0] != null) {
                        consumer.pause(partitions);
                    }
                    LOG.infof("Partitions %s assigned", partitions);
                }
            });
            connected = true;
            lastError = null;
            while (running) {
                Duration timeout = inFlight[0] == null && buffer.isEmpty() ? config.consumer().pollTimeout()
                        : Duration.ofMillis(100);
                consumer.poll(timeout).forEach(buffer::addLast);
                if (inFlight[0] != null && inFlight[0].future.isDone()) {
                    finish(consumer, inFlight[0]);
                    inFlight[0] = null;
                    consumer.resume(consumer.paused());
                }
                while (inFlight[0] == null && !buffer.isEmpty()) {
                    inFlight[0] = begin(consumer, buffer.pollFirst());
                    if (inFlight[0] != null) {
                        consumer.pause(consumer.assignment());
                    }
                }
            }
        } finally {
            activeConsumer = null;
            connected = false;
        }
    }

    /** An evaluation running on the worker. */
    private static final class InFlight {

        final ConsumerRecord<byte[], byte[]> record;
        final Future<Outcome> future;
        volatile boolean revoked;

        InFlight(ConsumerRecord<byte[], byte[]> record, Future<Outcome> future) {
            this.record = record;
            this.future = future;
        }

        TopicPartition partition() {
            return new TopicPartition(record.topic(), record.partition());
        }
    }

    /** The records of one evaluation: the report, and the promotion when every gate passed. */
    private record Outcome(EvaluationReport report, AdapterPromotion promotion) {
    }

    /** Starts evaluating a record, or handles it at once (dead letter, repeat); returns null when handled. */
    private InFlight begin(KafkaConsumer<byte[], byte[]> consumer, ConsumerRecord<byte[], byte[]> record) {
        AdapterCandidate candidate;
        try {
            candidate = Topics.ADAPTER_CANDIDATES.valueSerde().deserializer().deserialize(record.topic(),
                    record.value());
            if (candidate == null) {
                throw new IllegalArgumentException("the record has no value");
            }
        } catch (RuntimeException e) {
            DeadLetter letter = DeadLetter.fromFailedRecord(EvaluatorTopics.SERVICE_NAME, config.baseModelId(),
                    record.topic(), record.partition(), record.offset(), record.key(), record.value(), e,
                    clock.instant());
            publish(List.of(record(Topics.DEAD_LETTERS, null, letter)), next(record), consumer.groupMetadata());
            LOG.warnf("Sent %s to %s: %s", DeadLetter.coordinates(record.topic(), record.partition(),
                    record.offset()), Topics.DEAD_LETTERS.name(), letter.reason());
            return null;
        }
        synchronized (this) {
            candidates.put(candidate.adapterId() + "@" + candidate.adapterVersion(), candidate);
        }
        if (evaluation(candidate.adapterId(), candidate.adapterVersion()).isPresent()) {
            publish(List.of(), next(record), consumer.groupMetadata());
            LOG.infof("Skipping %s@%d: it was evaluated before", candidate.adapterId(), candidate.adapterVersion());
            return null;
        }
        LOG.infof("Evaluating %s@%d of %s (job %s, record %s)", candidate.adapterId(), candidate.adapterVersion(),
                key(candidate.baseModelId(), candidate.conceptIds()), candidate.trainingJobId(),
                candidate.recordId());
        return new InFlight(record, worker.submit(() -> evaluate(candidate)));
    }

    private void finish(KafkaConsumer<byte[], byte[]> consumer, InFlight inFlight) {
        Outcome outcome;
        try {
            outcome = inFlight.future.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("The evaluation of " + DeadLetter.coordinates(inFlight.record.topic(),
                    inFlight.record.partition(), inFlight.record.offset()) + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for an evaluation", e);
        }
        if (inFlight.revoked) {
            LOG.infof("Dropping the evaluation of %s: its partition moved to another instance",
                    outcome.report().adapterId());
            return;
        }

        EvaluationReport report = outcome.report();
        String key = key(report.baseModelId(), report.conceptIds());
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        records.add(record(Topics.EVALUATIONS, key, report));
        if (outcome.promotion() != null) {
            records.add(record(Topics.ADAPTERS_PROMOTED, key, outcome.promotion()));
        }
        publish(records, next(inFlight.record), consumer.groupMetadata());

        synchronized (this) {
            evaluations.put(report.evaluationId(), report);
            decisions.add(decisionOf(report));
            if (outcome.promotion() != null) {
                promote(key, outcome.promotion());
            }
        }
        if (!report.metrics().isEmpty()) {
            metrics.evaluated(key, report.adapterVersion(), report.metrics());
        }
        synchronized (this) {
            if (!promoted.containsKey(key)) {
                metrics.promoted(key, Double.NaN, Double.NaN, Double.NaN);
            }
        }

        boolean promotedNow = outcome.promotion() != null;
        metrics.decision(promotedNow ? "promoted" : "rejected", promotedNow ? "all-gates-passed"
                : report.gates().stream().filter(g -> !g.passed()).findFirst().map(GateResult::gate)
                        .orElse("unknown"));
        LOG.infof("%s %s@%d of %s (evaluation %s)%s", promotedNow ? "Promoted" : "Rejected", report.adapterId(),
                report.adapterVersion(), key, report.evaluationId(),
                promotedNow ? "" : ": " + String.join("; ", report.reasons()));
    }

    /** Runs on the worker: evaluates, applies the gates, and stores the report and grid. */
    private Outcome evaluate(AdapterCandidate candidate) throws IOException {
        String key = key(candidate.baseModelId(), candidate.conceptIds());
        Instant now = clock.instant();
        Envelope envelope = new Envelope(Envelope.newRecordId(), candidate.recordId(), candidate.baseModelId(),
                candidate.conceptIds(), now);
        EvaluatorEngine.Evaluated evaluated;
        try {
            evaluated = engine.evaluate(candidate);
        } catch (EvaluatorEngine.Refused e) {
            String evaluationId = "eval-" + candidate.adapterId() + "-v" + candidate.adapterVersion() + "-refused";
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("evaluationId", evaluationId);
            body.put("candidate", candidate);
            body.put("refused", e.getMessage());
            ArtifactRef reportRef = store.put(REPORT_JSON.writeValueAsBytes(body), "application/json");
            GateResult integrity = new GateResult("adapter-accepted", false, 0, 1, e.getMessage());
            EvaluationReport report = new EvaluationReport(envelope, evaluationId, candidate.adapterId(),
                    candidate.adapterVersion(), Map.of(), List.of(integrity), EvaluationReport.Decision.REJECTED,
                    List.of("adapter-accepted: " + e.getMessage()), reportRef, null,
                    Map.of("refused", "the adapter was not evaluated"));
            return new Outcome(report, null);
        }

        Optional<Map<String, Double>> promotedMetrics = promotedMetrics(key,
                evaluated.provenance().get("provenanceDigest"));
        GatePolicy.Outcome gates = policy.decide(evaluated.metrics(), promotedMetrics);
        String evaluationId = "eval-" + candidate.adapterId() + "-v" + candidate.adapterVersion() + "-"
                + evaluated.provenance().get("provenanceDigest").substring(0, 12);

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("evaluationId", evaluationId);
        body.put("candidate", candidate);
        body.put("candidateScores", evaluated.candidate());
        body.put("baseScores", evaluated.base());
        body.put("gates", gates.gates());
        body.put("comparedWithPromoted", promotedMetrics.isPresent());
        body.put("provenance", evaluated.provenance());
        ArtifactRef reportRef = store.put(REPORT_JSON.writeValueAsBytes(body), "application/json");
        ArtifactRef gridRef = store.put(evaluated.grid(), "image/png");
        EvaluationReport report = new EvaluationReport(envelope, evaluationId, candidate.adapterId(),
                candidate.adapterVersion(), evaluated.metrics(), gates.gates(),
                gates.promote() ? EvaluationReport.Decision.PROMOTED : EvaluationReport.Decision.REJECTED,
                gates.reasons(), reportRef, gridRef, evaluated.provenance());

        AdapterPromotion promotion = null;
        if (gates.promote()) {
            Envelope promotionEnvelope = new Envelope(Envelope.newRecordId(), report.recordId(),
                    candidate.baseModelId(), candidate.conceptIds(), now);
            promotion = new AdapterPromotion(promotionEnvelope, candidate.adapterId(),
                    candidate.adapterVersion(), candidate.adapter(), evaluationId, AdapterPromotion.Kind.PROMOTION,
                    null);
        }
        return new Outcome(report, promotion);
    }

    /**
     * Makes {@code promotion} the concept set's current one, keeps the one it replaces for the regression alert, and
     * updates the promotion gauges once the topics are restored (before that, the evaluations a promotion points to
     * may not be read yet).
     */
    private synchronized void promote(String key, AdapterPromotion promotion) {
        AdapterPromotion before = promoted.put(key, promotion);
        if (before != null) {
            previouslyPromoted.put(key, before);
        }
        if (restored) {
            metrics.promoted(key, promotion.adapterVersion(), erasureRateOf(promotion), erasureRateOf(before));
        }
    }

    /** Returns the erasure rate the promotion's evaluation measured, or NaN when unknown. */
    private synchronized double erasureRateOf(AdapterPromotion promotion) {
        if (promotion == null || promotion.evaluationId() == null) {
            return Double.NaN;
        }
        EvaluationReport report = evaluations.get(promotion.evaluationId());
        Double rate = report == null ? null : report.metrics().get(GatePolicy.ERASURE);
        return rate == null ? Double.NaN : rate;
    }

    /** Returns the measures of the adapter the concept set serves, when they were taken with this provenance. */
    private synchronized Optional<Map<String, Double>> promotedMetrics(String key, String provenanceDigest) {
        AdapterPromotion current = promoted.get(key);
        if (current == null) {
            return Optional.empty();
        }
        EvaluationReport report = evaluations.get(current.evaluationId());
        if (report == null || !provenanceDigest.equals(report.provenance().get("provenanceDigest"))) {
            LOG.infof("The adapter %s@%d promoted for %s was evaluated with another provenance; not comparing",
                    current.adapterId(), current.adapterVersion(), key);
            return Optional.empty();
        }
        return Optional.of(report.metrics());
    }

    private static DecisionView decisionOf(EvaluationReport report) {
        return new DecisionView(report.decision().name(), key(report.baseModelId(), report.conceptIds()),
                report.adapterId(), report.adapterVersion(), report.evaluationId(), report.reasons(),
                report.metrics(), report.createdAt());
    }

    // ---------------------------------------------------------------------------------------------------- producer

    private void publish(List<ProducerRecord<String, byte[]>> records, Map<TopicPartition, OffsetAndMetadata> offsets,
            ConsumerGroupMetadata group) {
        synchronized (producerLock) {
            KafkaProducer<String, byte[]> active = producer();
            try {
                active.beginTransaction();
                records.forEach(active::send);
                if (offsets != null) {
                    active.sendOffsetsToTransaction(offsets, group);
                }
                active.commitTransaction();
            } catch (RuntimeException e) {
                // A failed transaction leaves the producer in an unknown state: a new one fences it.
                closeProducer();
                throw e;
            }
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        synchronized (producerLock) {
            if (producer == null) {
                Map<String, Object> settings = filtered(ProducerConfig.configNames());
                settings.put(ProducerConfig.CLIENT_ID_CONFIG, EvaluatorTopics.SERVICE_NAME + "-producer");
                settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId());
                settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
                settings.put(ProducerConfig.ACKS_CONFIG, "all");
                KafkaProducer<String, byte[]> created = new KafkaProducer<>(settings, new StringSerializer(),
                        new ByteArraySerializer());
                try {
                    created.initTransactions();
                } catch (RuntimeException e) {
                    created.close(Duration.ZERO);
                    throw e;
                }
                producer = created;
            }
            return producer;
        }
    }

    private void closeProducer() {
        synchronized (producerLock) {
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
                producer = null;
            }
        }
    }

    private static <V> ProducerRecord<String, byte[]> record(TopicDefinition<String, V> topic, String key, V value) {
        return new ProducerRecord<>(topic.name(), key, topic.valueSerde().serializer().serialize(topic.name(), value));
    }

    private static Map<TopicPartition, OffsetAndMetadata> next(ConsumerRecord<byte[], byte[]> record) {
        return Map.of(new TopicPartition(record.topic(), record.partition()),
                new OffsetAndMetadata(record.offset() + 1));
    }

    private static String key(String baseModelId, List<String> conceptIds) {
        return EventKeys.conceptSetKey(baseModelId, conceptIds);
    }

    private Map<String, Object> filtered(Set<String> names) {
        Map<String, Object> settings = new HashMap<>();
        kafkaConfig.forEach((name, value) -> {
            if (names.contains(name)) {
                settings.put(name, value);
            }
        });
        return settings;
    }

    private String transactionalId() {
        if (config.consumer().transactionalId().isPresent()) {
            return config.consumer().transactionalId().get();
        }
        try {
            return EvaluatorTopics.SERVICE_NAME + "-" + InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return EvaluatorTopics.SERVICE_NAME + "-" + UUID.randomUUID();
        }
    }

    private static void sleep(Duration duration) {
        try {
            TimeUnit.MILLISECONDS.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
