package dev.pairstream.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pairstream.contracts.artifact.ArtifactStore;
import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import dev.pairstream.contracts.event.AdapterCandidate;
import dev.pairstream.contracts.event.AdapterProvenance;
import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.EventKeys;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.event.TrainingJobState;
import dev.pairstream.contracts.event.TrainingJobState.State;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.emoji.ConceptGrouping;
import dev.pairstream.erasure.io.AtomicFiles;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * The trainer: materialises its inputs, starts jobs by policy or on request, runs them on worker threads and
 * publishes their states and candidates.
 *
 * <p>One reader thread reads {@code erasure.pairs}, {@code erasure.fisher}, {@code erasure.training-jobs} and
 * {@code erasure.adapters.candidates} from the beginning, with assigned partitions and no consumer group, like a
 * global table. It never joins a group, so no job, however long, can make it miss a poll deadline and trigger a
 * rebalance, and it keeps reading while jobs train. Until it has caught up with the end offsets it found at start, it
 * restores: job states rebuild the job table, candidates the adapter versions. Then jobs left QUEUED or RUNNING by the
 * previous process resume from their specification and newest checkpoint, and the trigger policy starts evaluating.
 *
 * <p>Jobs run on {@code pair.trainer.trigger.max-concurrent-jobs} worker threads; the reader only queues them. The
 * service assumes it is the only trainer instance of its deployment (one replica): two instances would train the same
 * snapshots.
 */
@ApplicationScoped
public class TrainerService {

    private static final Logger LOG = Logger.getLogger(TrainerService.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final String DEAD_LETTER_MARKS_FILE = "dead-lettered.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> INPUT_TOPICS = List.of(Topics.PAIRS.name(), Topics.FISHER.name(),
            Topics.TRAINING_JOBS.name(), Topics.ADAPTER_CANDIDATES.name());

    /** Largest number of pairs one job trains on: the newest ones of the concept set. */
    static final int MAX_PAIRS_PER_JOB = 512;

    private final TrainerConfig config;
    private final Map<String, Object> kafkaConfig;
    private final TrainerMetrics metrics;
    private final MeterRegistry registry;
    private final TriggerPolicy policy;
    private final Clock clock = Clock.systemUTC();
    private final Object lifecycle = new Object();

    // Guarded by this.
    private final PairLedger ledger = new PairLedger();
    private final Map<String, JobEntry> jobs = new LinkedHashMap<>();
    private final Map<String, FisherSnapshot> latestSnapshots = new TreeMap<>();
    private final Map<String, FisherSnapshot> snapshotsById = new HashMap<>();
    private final Map<String, Long> adapterVersions = new HashMap<>();
    private final Set<String> snapshotsWithCandidates = new HashSet<>();
    private final Map<String, Long> deadLetterMarks = new TreeMap<>();

    // Owned by the reader thread.
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private Map<TopicPartition, Long> restoreEnds;

    private volatile boolean running;
    private volatile boolean restored;
    private volatile boolean connected;
    private volatile String lastError;
    private volatile KafkaConsumer<byte[], byte[]> activeConsumer;
    private Thread reader;
    private ThreadPoolExecutor workers;
    private TrainerModel model;
    private volatile ConceptGrouping grouping;
    private ArtifactStore store;
    private TrainerPublisher publisher;

    @Inject
    public TrainerService(TrainerConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
            MeterRegistry registry) {
        this.config = config;
        this.kafkaConfig = kafkaConfig;
        this.policy = TriggerPolicy.of(config.trigger());
        if (config.trigger().maxConcurrentJobs() < 1) {
            throw new IllegalArgumentException("pair.trainer.trigger.max-concurrent-jobs is "
                    + config.trigger().maxConcurrentJobs() + "; expected at least 1");
        }
        JobSettings.defaults(config.training());
        this.registry = registry;
        this.metrics = new TrainerMetrics(registry, this, INPUT_TOPICS);
    }

    void onStart(@Observes StartupEvent event) {
        start();
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    /** Loads the model, opens the store and the producer, and starts the reader and the workers. */
    public void start() {
        synchronized (lifecycle) {
            if (reader != null) {
                return;
            }
            try {
                model = TrainerModel.load(config.baseModelId(), config.modelFolder(), config.catalog());
                grouping = new ConceptGrouping(ConceptGrouping.Mode.parse(config.conceptSets()), model.catalog());
                Files.createDirectories(config.stateFolder());
                loadDeadLetterMarks();
            } catch (IOException e) {
                throw new UncheckedIOException("Failed to load the base model from "
                        + config.modelFolder().toAbsolutePath() + " (pair.trainer.model-folder) or to prepare the"
                        + " state folder " + config.stateFolder().toAbsolutePath(), e);
            }
            store = new FileSystemArtifactStore(config.artifactStore());
            publisher = new TrainerPublisher(producerConfig());
            int threads = config.trigger().maxConcurrentJobs();
            AtomicInteger counter = new AtomicInteger();
            workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                    task -> new Thread(task, TrainerTopics.SERVICE_NAME + "-job-" + counter.incrementAndGet()));
            running = true;
            reader = new Thread(this::readLoop, TrainerTopics.SERVICE_NAME + "-reader");
            reader.start();
            LOG.infof("Trainer started for base model %s (%s): %d worker(s), trigger %s, state folder %s",
                    model.baseModelId(), model.digest(), threads, config.trigger().enabled() ? "on" : "off",
                    config.stateFolder().toAbsolutePath());
        }
    }

    /**
     * Stops reading, flags running jobs to end at their next step without publishing a terminal state (they resume
     * at the next start), and waits for the threads.
     */
    public void stop() {
        Thread stopping;
        synchronized (lifecycle) {
            stopping = reader;
            reader = null;
            running = false;
        }
        if (stopping == null) {
            return;
        }
        KafkaConsumer<byte[], byte[]> consumer = activeConsumer;
        if (consumer != null) {
            consumer.wakeup();
        }
        workers.shutdown();
        try {
            stopping.join(STOP_TIMEOUT.toMillis());
            if (!workers.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("Training jobs did not stop within %s", STOP_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publisher.close();
        model.close();
        LOG.info("Trainer stopped");
    }

    // ---------------------------------------------------------------------------------------------------- queries

    /** Returns every known job, newest first. */
    public synchronized List<JobView> jobs() {
        List<JobView> views = new ArrayList<>();
        for (JobEntry entry : jobs.values()) {
            views.add(entry.view());
        }
        views.sort(Comparator.comparing(JobView::createdAt).reversed());
        return views;
    }

    /** Returns one job. */
    public synchronized Optional<JobView> job(String jobId) {
        JobEntry entry = jobs.get(jobId);
        return entry == null ? Optional.empty() : Optional.of(entry.view());
    }

    /** Returns the number of jobs in a state. */
    synchronized int count(State state) {
        int count = 0;
        for (JobEntry entry : jobs.values()) {
            if (entry.latest.state() == state) {
                count++;
            }
        }
        return count;
    }

    /** Returns the number of jobs waiting for a worker. */
    int queueDepth() {
        ThreadPoolExecutor pool = workers;
        return pool == null ? 0 : pool.getQueue().size();
    }

    /** Returns the number of pairs with pictures the reader has materialised. */
    synchronized long materialisedPairs() {
        return ledger.size();
    }

    /**
     * Returns whether the service can take new work, with the reason when not: the reader has caught up, is connected,
     * and a worker or a queue place is free.
     */
    public Readiness readiness() {
        if (!restored) {
            return new Readiness(false, lastError == null ? "restoring the job table from the topics" : lastError);
        }
        if (!connected) {
            return new Readiness(false, lastError == null ? "the reader is connecting" : lastError);
        }
        int free = freeWorkers();
        int queued = queueDepth();
        if (!policy.hasRoom(free, queued)) {
            return new Readiness(false, "every worker is busy and " + queued + " jobs wait (limit "
                    + config.trigger().maxQueuedJobs() + ")");
        }
        return new Readiness(true, null);
    }

    /** Returns whether the reader thread and the workers are alive; a running job keeps the service live. */
    public boolean isLive() {
        Thread current = reader;
        return current != null && current.isAlive() && !workers.isShutdown();
    }

    /** Returns the number of jobs that train right now. */
    int activeWorkers() {
        ThreadPoolExecutor pool = workers;
        return pool == null ? 0 : pool.getActiveCount();
    }

    private int freeWorkers() {
        return config.trigger().maxConcurrentJobs() - activeWorkers();
    }

    /**
     * Readiness of the trainer.
     *
     * @param ready whether it can take new work
     * @param error why not, or {@code null}
     */
    public record Readiness(boolean ready, String error) {
    }

    // ---------------------------------------------------------------------------------------------------- commands

    /**
     * Starts a job by hand.
     *
     * @throws RequestException when the request is invalid, the concept set has no snapshot or an active job, or the
     *                          service cannot take work now
     */
    public synchronized JobView start(JobRequest request) {
        if (request == null || request.conceptIds() == null || request.conceptIds().isEmpty()) {
            throw new RequestException(400, "conceptIds is required and must not be empty");
        }
        if (!restored) {
            throw new RequestException(503, "the trainer is still restoring its job table");
        }

        String baseModelId = request.baseModelId() == null ? config.baseModelId() : request.baseModelId();
        String key;
        try {
            key = EventKeys.conceptSetKey(baseModelId, request.conceptIds());
        } catch (IllegalArgumentException e) {
            throw new RequestException(400, e.getMessage());
        }

        FisherSnapshot snapshot;
        if (request.fisherSnapshotId() != null) {
            snapshot = snapshotsById.get(request.fisherSnapshotId());
            if (snapshot == null || !key.equals(keyOf(snapshot))) {
                throw new RequestException(404, "no Fisher snapshot " + request.fisherSnapshotId() + " of " + key);
            }
        } else {
            snapshot = latestSnapshots.get(key);
            if (snapshot == null) {
                throw new RequestException(404, "no Fisher snapshot of " + key + " has been published");
            }
        }

        if (hasActiveJob(key)) {
            throw new RequestException(409, "a job of " + key + " is already queued or running");
        }
        if (!policy.hasRoom(freeWorkers(), queueDepth())) {
            throw new RequestException(503, "every worker is busy and the queue is full");
        }

        JobSettings settings;
        try {
            settings = JobSettings.defaults(config.training()).with(request.overrides());
        } catch (IllegalArgumentException e) {
            throw new RequestException(400, e.getMessage());
        }
        if (ledger.count(key) == 0) {
            throw new RequestException(409, "the concept set " + key + " has no pairs with pictures yet");
        }
        String jobId = "job-manual-" + UUID.randomUUID().toString().substring(0, 8);
        return createJob(jobId, key, snapshot, settings, "manual").view();
    }

    /**
     * Cancels a job: a queued one at once, a running one at its next step.
     *
     * @throws RequestException when the job is unknown or already ended
     */
    public synchronized JobView cancel(String jobId) {
        JobEntry entry = jobs.get(jobId);
        if (entry == null) {
            throw new RequestException(404, "no job " + jobId);
        }
        if (entry.latest.state().isTerminal()) {
            throw new RequestException(409, "job " + jobId + " already ended as " + entry.latest.state());
        }
        entry.cancelRequested = true;
        if (entry.latest.state() == State.QUEUED && entry.future != null && entry.future.cancel(false)) {
            workers.remove((Runnable) entry.future);
            publishQuietly(entry, entry.state(State.CANCELLED, "cancelled by request before it started", null,
                    clock.instant()));
            metrics.jobFinished(State.CANCELLED);
        }
        LOG.infof("Cancellation of job %s requested (state %s)", jobId, entry.latest.state());
        return entry.view();
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

    // ---------------------------------------------------------------------------------------------------- reader

    private void readLoop() {
        while (running) {
            try {
                readSession();
            } catch (WakeupException e) {
                if (running) {
                    LOG.warn("The reader was woken up without a stop request; reconnecting");
                }
            } catch (RuntimeException e) {
                if (!running) {
                    break;
                }
                connected = false;
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                LOG.errorf(e, "The reader of %s failed; reconnecting in %s", INPUT_TOPICS,
                        config.reader().retryInterval());
                sleep(config.reader().retryInterval());
            }
        }
    }

    private void readSession() {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
                KafkaClientMetrics meters = new KafkaClientMetrics(consumer)) {
            // Exports the reader's own measures, the fetch lag among them, for the consumer-lag alert.
            meters.bindTo(registry);
            activeConsumer = consumer;
            if (!running) {
                return;
            }
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : INPUT_TOPICS) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic);
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException("topic " + topic + " does not exist yet");
                }
                infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
            }
            consumer.assign(partitions);
            for (TopicPartition partition : partitions) {
                Long position = positions.get(partition);
                if (position == null) {
                    consumer.seekToBeginning(List.of(partition));
                } else {
                    consumer.seek(partition, position);
                }
            }
            if (restoreEnds == null) {
                restoreEnds = consumer.endOffsets(partitions);
                LOG.infof("Restoring from %s up to offsets %s", INPUT_TOPICS, restoreEnds);
            }
            connected = true;
            lastError = null;
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(config.reader().pollTimeout());
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    apply(record);
                    positions.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
                }
                if (!restored && caughtUp(consumer, partitions)) {
                    onRestored();
                }
                if (restored) {
                    evaluateTriggers();
                }
            }
        } finally {
            activeConsumer = null;
            connected = false;
        }
    }

    private boolean caughtUp(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            if (consumer.position(partition) < restoreEnds.getOrDefault(partition, 0L)) {
                return false;
            }
        }
        return true;
    }

    private synchronized void apply(ConsumerRecord<byte[], byte[]> record) {
        String topic = record.topic();
        try {
            if (topic.equals(Topics.PAIRS.name())) {
                ErasurePair pair = Topics.PAIRS.valueSerde().deserializer().deserialize(topic, record.value());
                if (pair == null) {
                    throw new IllegalArgumentException("the record has no value");
                }
                for (ConceptGrouping.ConceptSet set : grouping.setsOf(pair.conceptIds())) {
                    String key = EventKeys.conceptSetKey(pair.baseModelId(), set.conceptIds());
                    ledger.add(key, pair, record.partition(), record.offset());
                }
            } else if (topic.equals(Topics.FISHER.name())) {
                FisherSnapshot snapshot = Topics.FISHER.valueSerde().deserializer().deserialize(topic,
                        record.value());
                if (snapshot == null) {
                    throw new IllegalArgumentException("the record has no value");
                }
                String key = keyOf(snapshot);
                latestSnapshots.put(key, snapshot);
                snapshotsById.put(snapshot.snapshotId(), snapshot);
                LOG.debugf("Fisher snapshot %s of %s: %d pairs", snapshot.snapshotId(), key, snapshot.pairCount());
            } else if (topic.equals(Topics.TRAINING_JOBS.name())) {
                TrainingJobState state = Topics.TRAINING_JOBS.valueSerde().deserializer().deserialize(topic,
                        record.value());
                if (state != null && !restored) {
                    restoreState(state);
                }
            } else if (topic.equals(Topics.ADAPTER_CANDIDATES.name())) {
                AdapterCandidate candidate = Topics.ADAPTER_CANDIDATES.valueSerde().deserializer().deserialize(topic,
                        record.value());
                if (candidate != null) {
                    adapterVersions.merge(EventKeys.conceptSetKey(candidate.baseModelId(), candidate.conceptIds()),
                            candidate.adapterVersion(), Math::max);
                    snapshotsWithCandidates.add(candidate.provenance().fisherSnapshotId());
                }
            }
        } catch (RuntimeException e) {
            reject(record, e);
        }
    }

    private void restoreState(TrainingJobState state) {
        JobEntry entry = jobs.get(state.jobId());
        if (entry == null) {
            entry = new JobEntry(state.jobId(), EventKeys.conceptSetKey(state.baseModelId(), state.conceptIds()),
                    state.baseModelId(), state.conceptIds(), null, null, state.createdAt(), state);
            jobs.put(state.jobId(), entry);
        }
        entry.latest = state;
        entry.updatedAt = state.createdAt();
    }

    /** Counts a record the reader cannot use and dead-letters it, once per offset over restarts. */
    private void reject(ConsumerRecord<byte[], byte[]> record, RuntimeException error) {
        metrics.recordRejected(record.topic());
        String partition = record.topic() + "-" + record.partition();
        long mark = deadLetterMarks.getOrDefault(partition, -1L);
        if (record.offset() <= mark) {
            LOG.debugf("Skipping %s@%d again: already dead-lettered", partition, record.offset());
            return;
        }
        DeadLetter letter = DeadLetter.fromFailedRecord(TrainerTopics.SERVICE_NAME, config.baseModelId(),
                record.topic(), record.partition(), record.offset(), record.key(), record.value(), error,
                clock.instant());
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        publisher.publish(letter, key);
        deadLetterMarks.put(partition, record.offset());
        saveDeadLetterMarks();
        LOG.warnf("Sent %s to %s: %s", DeadLetter.coordinates(record.topic(), record.partition(), record.offset()),
                Topics.DEAD_LETTERS.name(), letter.reason());
    }

    private synchronized void onRestored() {
        restored = true;
        int resumed = 0;
        for (JobEntry entry : new ArrayList<>(jobs.values())) {
            if (entry.latest.state().isTerminal()) {
                continue;
            }
            Path folder = jobFolder(entry.jobId);
            try {
                JobSpec spec = JobSpec.read(folder);
                entry.origin = spec.origin();
                entry.snapshotId = spec.snapshot().snapshotId();
                entry.future = workers.submit(() -> runJob(entry, spec));
                resumed++;
                LOG.infof("Job %s was %s at step %d of %d when the trainer stopped; it resumes", entry.jobId,
                        entry.latest.state(), entry.latest.step(), entry.latest.totalSteps());
            } catch (IOException | RuntimeException e) {
                String reason = "its specification in " + folder + " cannot be read after the restart ("
                        + e.getMessage() + "); the state folder did not survive";
                publishQuietly(entry, entry.state(State.FAILED, reason, null, clock.instant()));
                metrics.jobFinished(State.FAILED);
            }
        }
        LOG.infof("Restored %d jobs (%d to resume), %d pairs with pictures, %d Fisher snapshots and %d adapter"
                + " versions", jobs.size(), resumed, ledger.size(), latestSnapshots.size(), adapterVersions.size());
    }

    private synchronized void evaluateTriggers() {
        if (!config.trigger().enabled()) {
            return;
        }
        Instant now = clock.instant();
        for (Map.Entry<String, FisherSnapshot> latest : latestSnapshots.entrySet()) {
            String key = latest.getKey();
            FisherSnapshot snapshot = latest.getValue();
            String jobId = triggeredJobId(snapshot);
            boolean snapshotHasJob = jobs.containsKey(jobId)
                    || snapshotsWithCandidates.contains(snapshot.snapshotId());
            TriggerPolicy.Decision decision = policy.decide(new TriggerPolicy.Situation(snapshotHasJob,
                    snapshot.pairCount(), ledger.count(key), hasActiveJob(key), lastJobCreatedAt(key),
                    freeWorkers(), queueDepth(), now));
            if (decision.start()) {
                LOG.infof("Fisher snapshot %s of %s starts job %s (%d pairs with pictures)", snapshot.snapshotId(),
                        key, jobId, ledger.count(key));
                createJob(jobId, key, snapshot, JobSettings.defaults(config.training()), "trigger");
            }
        }
    }

    private JobEntry createJob(String jobId, String key, FisherSnapshot snapshot, JobSettings settings,
            String origin) {
        List<PairLedger.Entry> entries = ledger.newest(key, MAX_PAIRS_PER_JOB);
        Instant now = clock.instant();
        JobSpec spec = new JobSpec(jobId, key, snapshot.baseModelId(), snapshot.conceptIds(), origin, now, snapshot,
                entries.stream().map(PairLedger.Entry::pair).toList(), PairLedger.ranges(entries), settings);
        Path folder = jobFolder(jobId);
        try {
            // A new job never resumes checkpoints that an earlier job of the same id left behind.
            AtomicFiles.deleteRecursively(folder);
            spec.write(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to write the specification of job " + jobId + " to " + folder, e);
        }
        JobEntry entry = new JobEntry(jobId, key, snapshot.baseModelId(), snapshot.conceptIds(), origin,
                snapshot.snapshotId(), now, null);
        entry.latest = entry.stateFor(snapshot, State.QUEUED, 0, settings.steps(), null, null, null, null, now);
        jobs.put(jobId, entry);
        publisher.publish(entry.latest);
        entry.future = workers.submit(() -> runJob(entry, spec));
        LOG.infof("Queued job %s (%s) for %s from snapshot %s: %d pairs, %d steps", jobId, origin, key,
                snapshot.snapshotId(), spec.pairs().size(), settings.steps());
        return entry;
    }

    // ---------------------------------------------------------------------------------------------------- jobs

    private void runJob(JobEntry entry, JobSpec spec) {
        if (entry.cancelRequested) {
            publishQuietly(entry, entry.state(State.CANCELLED, "cancelled by request before it started", null,
                    clock.instant()));
            metrics.jobFinished(State.CANCELLED);
            return;
        }
        if (!running) {
            return;
        }

        Path folder = jobFolder(entry.jobId);
        if (entry.latest.state() == State.QUEUED) {
            publishQuietly(entry, entry.running(0, null, null, clock.instant()));
        }
        // A resumed job publishes its next RUNNING state after its first step, with the step it resumed at.
        LOG.infof("Job %s starts training %s on %d pairs (snapshot %s)", entry.jobId, entry.key, spec.pairs().size(),
                spec.snapshot().snapshotId());

        long[] lastPublished = {Long.MIN_VALUE / 2};
        long[] lastStep = {System.nanoTime()};
        JobExecution execution = new JobExecution(spec, model, store, folder,
                () -> entry.cancelRequested || !running,
                (step, total, loss, secondsPerStep) -> {
                    long now = System.nanoTime();
                    metrics.step(entry.key, (now - lastStep[0]) / 1e9, loss, (double) step / total);
                    lastStep[0] = now;
                    entry.lastLoss = loss;
                    if (now - lastPublished[0] >= config.training().progressInterval().toNanos() || step == total) {
                        lastPublished[0] = now;
                        long eta = Math.round(secondsPerStep * (total - step));
                        publishQuietly(entry, entry.running(step, loss, eta, clock.instant()));
                    }
                });

        JobExecution.Result result;
        try {
            result = execution.run();
        } catch (RuntimeException e) {
            LOG.errorf(e, "Job %s failed", entry.jobId);
            result = new JobExecution.Failed(e.getClass().getSimpleName() + ": " + e.getMessage());
        }

        if (result instanceof JobExecution.Cancelled cancelled) {
            if (entry.cancelRequested) {
                publishQuietly(entry, entry.state(State.CANCELLED, cancelled.reason(), null, clock.instant()));
                metrics.jobFinished(State.CANCELLED);
                cleanUp(folder);
            } else {
                LOG.infof("Job %s paused for the shutdown; it resumes from its newest checkpoint at the next start",
                        entry.jobId);
            }
        } else if (result instanceof JobExecution.Failed failed) {
            LOG.warnf("Job %s failed: %s", entry.jobId, failed.reason());
            publishQuietly(entry, entry.state(State.FAILED, failed.reason(), null, clock.instant()));
            metrics.jobFinished(State.FAILED);
            cleanUp(folder);
        } else if (result instanceof JobExecution.Succeeded succeeded) {
            publishCandidate(entry, spec, succeeded);
            cleanUp(folder);
        }
    }

    /** Publishes the candidate and the SUCCEEDED state, retrying until Kafka takes them or the service stops. */
    private void publishCandidate(JobEntry entry, JobSpec spec, JobExecution.Succeeded succeeded) {
        while (true) {
            long version;
            synchronized (this) {
                version = adapterVersions.getOrDefault(entry.key, 0L) + 1;
            }
            Instant now = clock.instant();
            String adapterId = "pair-" + spec.baseModelId() + "-" + String.join("+", new TreeSet<>(spec.conceptIds()));
            AdapterProvenance provenance = new AdapterProvenance(spec.settings().asMap(),
                    spec.snapshot().snapshotId(), spec.snapshot().tensors().sha256(), spec.pairRanges(),
                    model.digest(), succeeded.metrics());
            Envelope envelope = new Envelope(Envelope.newRecordId(), spec.snapshot().recordId(), spec.baseModelId(),
                    spec.conceptIds(), now);
            AdapterCandidate candidate = new AdapterCandidate(envelope, adapterId, version, entry.jobId, "pair",
                    succeeded.adapter(), provenance);
            TrainingJobState state = entry.stateFor(spec.snapshot(), State.SUCCEEDED, spec.settings().steps(),
                    spec.settings().steps(), entry.lastLoss, 0L, null, adapterId + "@" + version, now);
            try {
                publisher.publish(candidate, entry.key, state);
                synchronized (this) {
                    adapterVersions.merge(entry.key, version, Math::max);
                    snapshotsWithCandidates.add(spec.snapshot().snapshotId());
                    entry.latest = state;
                    entry.updatedAt = now;
                }
                metrics.jobFinished(State.SUCCEEDED);
                LOG.infof("Job %s succeeded: candidate %s version %d (%s, %s)", entry.jobId, adapterId, version,
                        succeeded.adapter().uri(), succeeded.metrics());
                return;
            } catch (TrainerPublisher.PublishException e) {
                if (!running) {
                    LOG.warnf("Job %s finished but its candidate is not published (%s); the next start publishes it",
                            entry.jobId, e.getMessage());
                    return;
                }
                LOG.warnf("Publishing the candidate of job %s failed (%s); retrying in %s", entry.jobId,
                        e.getMessage(), config.reader().retryInterval());
                sleep(config.reader().retryInterval());
            }
        }
    }

    private void publishQuietly(JobEntry entry, TrainingJobState state) {
        try {
            publisher.publish(state);
        } catch (TrainerPublisher.PublishException e) {
            LOG.warnf("Failed to publish state %s of job %s: %s", state.state(), entry.jobId, e.getMessage());
        }
        synchronized (this) {
            entry.latest = state;
            entry.updatedAt = state.createdAt();
        }
    }

    private void cleanUp(Path jobFolder) {
        // The specification stays for audits; the checkpoints are only needed to resume.
        AtomicFiles.deleteQuietly(JobExecution.checkpointFolder(jobFolder));
    }

    private synchronized boolean hasActiveJob(String key) {
        for (JobEntry entry : jobs.values()) {
            if (entry.key.equals(key) && !entry.latest.state().isTerminal()) {
                return true;
            }
        }
        return false;
    }

    private Instant lastJobCreatedAt(String key) {
        Instant last = null;
        for (JobEntry entry : jobs.values()) {
            if (entry.key.equals(key) && (last == null || entry.createdAt.isAfter(last))) {
                last = entry.createdAt;
            }
        }
        return last;
    }

    static String triggeredJobId(FisherSnapshot snapshot) {
        return "job-" + snapshot.snapshotId();
    }

    private static String keyOf(FisherSnapshot snapshot) {
        return EventKeys.conceptSetKey(snapshot.baseModelId(), snapshot.conceptIds());
    }

    private Path jobFolder(String jobId) {
        return config.stateFolder().resolve("jobs").resolve(jobId.replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    // ---------------------------------------------------------------------------------------------------- settings

    private Map<String, Object> consumerConfig() {
        Map<String, Object> settings = filtered(ConsumerConfig.configNames());
        settings.put(ConsumerConfig.CLIENT_ID_CONFIG, TrainerTopics.SERVICE_NAME + "-reader");
        settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return settings;
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> settings = filtered(ProducerConfig.configNames());
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, TrainerTopics.SERVICE_NAME + "-producer");
        settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId());
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        return settings;
    }

    private Map<String, Object> filtered(Set<String> names) {
        Map<String, Object> settings = new HashMap<>();
        kafkaConfig.forEach((key, value) -> {
            if (names.contains(key)) {
                settings.put(key, value);
            }
        });
        return settings;
    }

    private String transactionalId() {
        if (config.reader().transactionalId().isPresent()) {
            return config.reader().transactionalId().get();
        }
        try {
            return TrainerTopics.SERVICE_NAME + "-" + InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String random = TrainerTopics.SERVICE_NAME + "-" + UUID.randomUUID();
            LOG.warnf("The host name is unknown (%s); using the random transactional id %s. Set"
                    + " pair.trainer.reader.transactional-id to a stable one", e.getMessage(), random);
            return random;
        }
    }

    private void loadDeadLetterMarks() throws IOException {
        Path file = config.stateFolder().resolve(DEAD_LETTER_MARKS_FILE);
        if (Files.isRegularFile(file)) {
            Map<?, ?> marks = JSON.readValue(file.toFile(), Map.class);
            marks.forEach((partition, offset) -> deadLetterMarks.put(partition.toString(),
                    ((Number) offset).longValue()));
        }
    }

    private void saveDeadLetterMarks() {
        try {
            AtomicFiles.writeJson(JSON, config.stateFolder().resolve(DEAD_LETTER_MARKS_FILE),
                    deadLetterMarks);
        } catch (IOException e) {
            LOG.warnf("Failed to save the dead-letter marks: %s; a restart may dead-letter a record again",
                    e.getMessage());
        }
    }

    private static void sleep(Duration duration) {
        try {
            TimeUnit.MILLISECONDS.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One job: its identity, its newest state and the cancellation flag. */
    private final class JobEntry {

        final String jobId;
        final String key;
        final String baseModelId;
        final List<String> conceptIds;
        final Instant createdAt;
        String origin;
        String snapshotId;
        volatile TrainingJobState latest;
        volatile Instant updatedAt;
        volatile boolean cancelRequested;
        volatile Double lastLoss;
        Future<?> future;

        JobEntry(String jobId, String key, String baseModelId, List<String> conceptIds, String origin,
                String snapshotId, Instant createdAt, TrainingJobState latest) {
            this.jobId = jobId;
            this.key = key;
            this.baseModelId = baseModelId;
            this.conceptIds = List.copyOf(conceptIds);
            this.origin = origin;
            this.snapshotId = snapshotId;
            this.createdAt = createdAt;
            this.latest = latest;
            this.updatedAt = createdAt;
            this.lastLoss = latest == null ? null : latest.loss();
        }

        TrainingJobState stateFor(FisherSnapshot cause, State state, int step, int totalSteps, Double loss, Long eta,
                String reason, String candidateAdapterId, Instant now) {
            Envelope envelope = new Envelope(Envelope.newRecordId(), cause == null ? latest.causationId()
                    : cause.recordId(), baseModelId, conceptIds, now);
            return new TrainingJobState(envelope, jobId, state, step, totalSteps, loss, eta, reason,
                    candidateAdapterId);
        }

        TrainingJobState state(State state, String reason, Long eta, Instant now) {
            return stateFor(null, state, latest.step(), latest.totalSteps(), lastLoss, eta, reason, null, now);
        }

        TrainingJobState running(int step, Double loss, Long eta, Instant now) {
            return stateFor(null, State.RUNNING, step, latest.totalSteps(), loss, eta, null, null, now);
        }

        JobView view() {
            return new JobView(jobId, key, baseModelId, conceptIds, origin, snapshotId, latest.state(), latest.step(),
                    latest.totalSteps(), latest.loss(), latest.etaSeconds(), latest.reason(),
                    latest.candidateAdapterId(), createdAt, updatedAt);
        }
    }
}
