package dev.pairstream.generator;

import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Consumes {@code moderation.flagged-prompts} on its own thread and publishes one pair or one dead letter per
 * record, or nothing for a prompt it already paired. The outputs of a batch and the batch's offsets go into one Kafka
 * transaction ({@code sendOffsetsToTransaction}), so offsets are committed only together with the outputs.
 *
 * <p>Records wait in a buffer and are processed in batches of {@code pair.generator.consumer.batch-size}, which the
 * renderer draws together. When rendering falls behind and the buffer reaches
 * {@code pair.generator.consumer.max-buffered-records}, the consumer pauses its partitions and keeps polling, so it
 * stays in the group without fetching more, and resumes them once half the buffer is done.
 *
 * <p>An aborted transaction rewinds the consumer to the first record of the batch. A fenced producer or another
 * failure that the clients cannot recover from closes both clients and opens new ones after
 * {@code pair.generator.consumer.retry-interval}, so the loop continues from the committed offsets.
 */
@ApplicationScoped
public class FlaggedPromptConsumer {

    private static final Logger LOG = Logger.getLogger(FlaggedPromptConsumer.class);

    /** Maximum wait of {@link #stop()} for the consumer thread; a batch being rendered may take that long. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final PairGeneratorConfig config;
    private final ConsumerLimits limits;
    private final PairGeneratorComponents components;
    private final Map<String, Object> kafkaConfig;
    private final PublishedPairIds publishedPairIds;
    private final Counter pauses;
    private final Object lifecycle = new Object();
    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> activeConsumer;
    private volatile boolean connected;
    private volatile String lastError;
    private Thread thread;
    private final MeterRegistry registry;

    @Inject
    public FlaggedPromptConsumer(PairGeneratorConfig config, PairGeneratorComponents components,
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, MeterRegistry registry) {
        limits = ConsumerLimits.of(config);
        checkSettings(config.consumer(), limits);
        this.config = config;
        this.components = components;
        this.kafkaConfig = kafkaConfig;
        this.publishedPairIds = new PublishedPairIds(config.consumer().deduplicationCapacity());
        this.registry = registry;
        this.pauses = Counter.builder("pair.generator.consumer.pauses")
                .description("Times the consumer paused its partitions because rendering fell behind")
                .register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        // Loading here makes a bad model folder or catalog fail the start-up instead of the consumer thread.
        components.generator();
        if (config.consumer().autoStart()) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    /** Starts the consumer thread; does nothing when it is already running. */
    public void start() {
        synchronized (lifecycle) {
            if (thread != null) {
                return;
            }
            running = true;
            thread = new Thread(this::run, PairGeneratorTopics.SERVICE_NAME + "-consumer");
            thread.start();
            LOG.infof("Started consuming %s in group %s", Topics.FLAGGED_PROMPTS.name(), config.consumer().groupId());
        }
    }

    /**
     * Stops the consumer thread once it has committed its current batch, and waits up to 30 s for it. Records
     * that were polled but not committed are read again by the next start.
     */
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
        try {
            stopping.join(STOP_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopping.isAlive()) {
            LOG.warnf("The consumer thread %s did not stop within %s", stopping.getName(), STOP_TIMEOUT);
        } else {
            LOG.infof("Stopped consuming %s", Topics.FLAGGED_PROMPTS.name());
        }
    }

    /** Returns whether the JVM is shutting down, which is when the runtime rejects a new shutdown hook. */
    private static boolean jvmShuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    /** Returns whether the consumer thread is running. */
    public boolean isRunning() {
        synchronized (lifecycle) {
            return thread != null && thread.isAlive();
        }
    }

    /**
     * Returns whether the loop has its clients connected and subscribed, with the latest failure when not. A loop
     * that was never started reports that.
     */
    public Status status() {
        if (!isRunning()) {
            String last = lastError == null ? "" : "; last error: " + lastError;
            return new Status(false, "the consumer is stopped" + last);
        }
        if (!connected) {
            return new Status(false, lastError == null ? "the consumer is connecting" : lastError);
        }
        return new Status(true, null);
    }

    /**
     * Readiness of the Kafka loop.
     *
     * @param ready whether the clients are connected and subscribed
     * @param error why the loop is not ready, or {@code null} when it is
     */
    public record Status(boolean ready, String error) {
    }

    private void run() {
        PairGenerator generator = components.generator();
        while (running) {
            try {
                runSession(generator);
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
                LOG.errorf(e, "The Kafka loop of %s failed; reconnecting in %s from the committed offsets",
                        Topics.FLAGGED_PROMPTS.name(), config.consumer().retryInterval());
                sleep(config.consumer().retryInterval());
            }
        }
    }

    private void runSession(PairGenerator generator) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig(),
                        new StringSerializer(), new ByteArraySerializer());
                KafkaClientMetrics meters = new KafkaClientMetrics(consumer)) {
            // Exports the consumer's own measures, the fetch lag among them, for the consumer-lag alert.
            meters.bindTo(registry);
            activeConsumer = consumer;
            if (!running) {
                return;
            }
            producer.initTransactions();
            Session session = new Session(consumer, producer, generator);
            consumer.subscribe(List.of(Topics.FLAGGED_PROMPTS.name()), session);
            connected = true;
            lastError = null;
            while (running) {
                session.pollOnce();
                session.processBatch();
            }
        } finally {
            activeConsumer = null;
            connected = false;
        }
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> settings = filtered(ConsumerConfig.configNames());
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, config.consumer().groupId());
        settings.put(ConsumerConfig.CLIENT_ID_CONFIG, PairGeneratorTopics.SERVICE_NAME + "-consumer");
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Only committed pairs of an upstream transactional producer count as input.
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, limits.maxPollRecords());
        settings.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return settings;
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> settings = filtered(ProducerConfig.configNames());
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, PairGeneratorTopics.SERVICE_NAME + "-producer");
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
        if (config.consumer().transactionalId().isPresent()) {
            return config.consumer().transactionalId().get();
        }
        try {
            // Stable across restarts on one host, so a restarted instance fences its own unfinished transaction.
            return PairGeneratorTopics.SERVICE_NAME + "-" + InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String random = PairGeneratorTopics.SERVICE_NAME + "-" + UUID.randomUUID();
            LOG.warnf("The host name is unknown (%s); using the random transactional id %s. Set"
                    + " pair.generator.consumer.transactional-id to a stable one per instance", e.getMessage(), random);
            return random;
        }
    }

    private static void checkSettings(PairGeneratorConfig.Consumer consumer, ConsumerLimits limits) {
        if (limits.maxPollRecords() < 1 || limits.batchSize() < 1 || consumer.deduplicationCapacity() < 1) {
            throw new IllegalArgumentException("pair.generator.consumer.max-poll-records (" + limits.maxPollRecords()
                    + "), batch-size (" + limits.batchSize() + ") and deduplication-capacity ("
                    + consumer.deduplicationCapacity() + ") must each be at least 1");
        }
        if (limits.maxBufferedRecords() < limits.batchSize()) {
            throw new IllegalArgumentException("pair.generator.consumer.max-buffered-records is "
                    + limits.maxBufferedRecords() + "; expected at least batch-size, " + limits.batchSize());
        }
    }

    private static void sleep(Duration duration) {
        try {
            TimeUnit.MILLISECONDS.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One consumer and producer pair, with the buffer of records not yet processed. */
    private final class Session implements ConsumerRebalanceListener {

        private final KafkaConsumer<byte[], byte[]> consumer;
        private final KafkaProducer<String, byte[]> producer;
        private final PairGenerator generator;
        private final ArrayDeque<InputRecord> buffer = new ArrayDeque<>();
        private boolean paused;

        Session(KafkaConsumer<byte[], byte[]> consumer, KafkaProducer<String, byte[]> producer,
                PairGenerator generator) {
            this.consumer = consumer;
            this.producer = producer;
            this.generator = generator;
        }

        void pollOnce() {
            Duration timeout = buffer.isEmpty() ? config.consumer().pollTimeout() : Duration.ZERO;
            ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
            for (ConsumerRecord<byte[], byte[]> record : records) {
                buffer.addLast(InputRecord.of(record));
            }
            applyBackPressure();
        }

        private void applyBackPressure() {
            int limit = limits.maxBufferedRecords();
            if (!paused && buffer.size() >= limit) {
                consumer.pause(consumer.assignment());
                paused = true;
                pauses.increment();
                LOG.infof("Paused %s: %d records wait for processing (limit %d)", Topics.FLAGGED_PROMPTS.name(),
                        buffer.size(), limit);
            } else if (paused && buffer.size() <= limit / 2) {
                consumer.resume(consumer.paused());
                paused = false;
                LOG.infof("Resumed %s: %d records wait for processing", Topics.FLAGGED_PROMPTS.name(), buffer.size());
            }
        }

        void processBatch() {
            if (buffer.isEmpty()) {
                return;
            }
            List<InputRecord> batch = new ArrayList<>();
            while (!buffer.isEmpty() && batch.size() < limits.batchSize()) {
                batch.add(buffer.pollFirst());
            }
            List<PairOutcome> outcomes = generator.process(batch, publishedPairIds::contains);
            if (!running || jvmShuttingDown()) {
                // A batch that ends after the shutdown began may hold failures the shutdown caused (a render failed
                // with "Shutdown in progress" under SIGTERM), and those must not become dead letters. Nothing of it
                // is published or committed, so the next start reads these records again.
                LOG.infof("Not publishing the %d records from %s processed while the service stopped; they are read"
                        + " again at the next start", batch.size(), describe(batch));
                rewind(batch);
                return;
            }
            producer.beginTransaction();
            try {
                for (PairOutcome outcome : outcomes) {
                    send(outcome);
                }
                producer.sendOffsetsToTransaction(nextOffsets(batch), consumer.groupMetadata());
                producer.commitTransaction();
            } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
                    | AuthorizationException | UnsupportedVersionException e) {
                // The producer cannot continue; the caller closes both clients and the batch is read again.
                throw e;
            } catch (KafkaException e) {
                LOG.warnf(e, "Aborting the transaction of %d records from %s; reading them again", batch.size(),
                        describe(batch));
                producer.abortTransaction();
                rewind(batch);
                return;
            }
            afterCommit(batch, outcomes);
        }

        private void send(PairOutcome outcome) {
            if (outcome instanceof PairOutcome.Published published) {
                byte[] value = Topics.PAIRS.valueSerde().serializer().serialize(Topics.PAIRS.name(),
                        published.pair());
                producer.send(new ProducerRecord<>(Topics.PAIRS.name(), published.key(), value));
            } else if (outcome instanceof PairOutcome.DeadLettered dead) {
                byte[] value = Topics.DEAD_LETTERS.valueSerde().serializer().serialize(Topics.DEAD_LETTERS.name(),
                        dead.deadLetter());
                producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), dead.key(), value));
            }
        }

        private void afterCommit(List<InputRecord> batch, List<PairOutcome> outcomes) {
            int pairs = 0;
            int deadLetters = 0;
            int duplicates = 0;
            for (PairOutcome outcome : outcomes) {
                if (outcome instanceof PairOutcome.Published published) {
                    ErasurePair pair = published.pair();
                    publishedPairIds.add(pair.pairId());
                    pairs++;
                    LOG.debugf("Published pair %s for prompt %s (record %s at %s, concepts %s)", pair.pairId(),
                            published.promptId(), pair.causationId(), outcome.source().coordinates(),
                            pair.conceptIds());
                } else if (outcome instanceof PairOutcome.DeadLettered dead) {
                    DeadLetter letter = dead.deadLetter();
                    deadLetters++;
                    LOG.warnf("Sent %s (record %s) to %s as %s: %s", outcome.source().coordinates(),
                            letter.causationId(), Topics.DEAD_LETTERS.name(), dead.reason().tag(), letter.reason());
                } else if (outcome instanceof PairOutcome.Duplicate duplicate) {
                    duplicates++;
                    LOG.infof("Skipped %s: prompt %s was already published as pair %s",
                            outcome.source().coordinates(), duplicate.promptId(), duplicate.pairId());
                }
            }
            generator.metrics().recordCommitted(outcomes);
            LOG.infof("Committed %d records from %s: %d pairs, %d dead letters, %d duplicates", batch.size(),
                    describe(batch), pairs, deadLetters, duplicates);
        }

        private void rewind(List<InputRecord> batch) {
            Map<TopicPartition, Long> firstOffsets = new HashMap<>();
            for (InputRecord record : batch) {
                firstOffsets.merge(new TopicPartition(record.topic(), record.partition()), record.offset(), Math::min);
            }
            for (InputRecord record : buffer) {
                firstOffsets.merge(new TopicPartition(record.topic(), record.partition()), record.offset(), Math::min);
            }
            buffer.clear();
            firstOffsets.forEach(consumer::seek);
            applyBackPressure();
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Records of a revoked partition are uncommitted, so its next owner reads them again.
            Set<TopicPartition> revoked = new HashSet<>(partitions);
            int before = buffer.size();
            buffer.removeIf(record -> revoked.contains(new TopicPartition(record.topic(), record.partition())));
            if (before != buffer.size() || !partitions.isEmpty()) {
                LOG.infof("Partitions %s revoked; dropped %d buffered records", partitions, before - buffer.size());
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (paused) {
                consumer.pause(partitions);
            }
            LOG.infof("Partitions %s assigned", partitions);
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(List<InputRecord> batch) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        for (InputRecord record : batch) {
            offsets.merge(new TopicPartition(record.topic(), record.partition()),
                    new OffsetAndMetadata(record.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return offsets;
    }

    private static String describe(List<InputRecord> batch) {
        Map<Integer, long[]> ranges = new LinkedHashMap<>();
        for (InputRecord record : batch) {
            ranges.merge(record.partition(), new long[] {record.offset(), record.offset()},
                    (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        }
        List<String> parts = new ArrayList<>();
        ranges.forEach((partition, range) -> parts.add(Topics.FLAGGED_PROMPTS.name() + "-" + partition + "@"
                + range[0] + (range[0] == range[1] ? "" : ".." + range[1])));
        return String.join(", ", parts);
    }
}
