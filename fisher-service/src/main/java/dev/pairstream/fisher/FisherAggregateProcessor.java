package dev.pairstream.fisher;

import ai.djl.ndarray.types.Shape;
import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.artifact.ArtifactStore;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.fisher.FisherBundle;
import dev.pairstream.erasure.fisher.FisherEstimate;
import dev.pairstream.erasure.fisher.FisherKey;
import dev.pairstream.erasure.fisher.PairFisher;
import dev.pairstream.erasure.fisher.PairHalf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.jboss.logging.Logger;

/**
 * Keeps the Fisher aggregate of every concept of its task and publishes snapshots.
 *
 * <p>A routed pair is first stored as pending. When {@code batchPairs} pairs of one concept are pending, they are
 * estimated together with {@link PairFisher} (one batched backward pass per chunk), their sums are added to the
 * concept's sums, and the pairs move from pending to counted. A concept whose oldest pending pair has waited the flush
 * interval is estimated with fewer pairs. Both the count and the wait are per concept. The wait counts from the
 * pair's arrival or from the end of the instance's last estimate, whichever is later, because while the stream
 * thread estimates, the records behind it cannot arrive. So interleaved concepts, a burst that arrives just before
 * a check, and a burst stuck behind another concept's estimate are not split into small estimates. Each estimate
 * costs a backward pass and a rewrite of the concept's sums, so fewer, fuller estimates cost less per pair. A pair
 * waits at most {@value #MAX_WAIT_INTERVALS} flush intervals after its arrival. Pending pairs wait in a state store,
 * not in memory, and their pictures are read when they are estimated. Everything lives
 * in state stores backed by changelog topics, and under {@code exactly_once_v2} the store updates, the input offsets
 * and the output records of a task commit together: a task that dies before its commit leaves no trace, and its
 * replacement restores the stores and reads the same records again. Pending pairs therefore survive a crash, and a
 * pair is counted once.
 *
 * <p>The sums are stored in float64 as chunks of at most {@value #CHUNK_DOUBLES} values per module and half, so a
 * changelog record stays under Kafka's default 1 MB record limit whatever the model's size.
 *
 * <p>Flushes and snapshot ages follow the stream's wall-clock time ({@link ProcessorContext#currentSystemTimeMs()}),
 * and the records' {@code createdAt} follows {@code clock}.
 */
final class FisherAggregateProcessor implements Processor<String, ConceptPair, String, Routed> {

    static final String PENDING_STORE = "fisher-pending";
    static final String COUNTED_STORE = "fisher-counted";
    static final String SUMS_STORE = "fisher-sums";
    static final String STATE_STORE = "fisher-state";
    static final int CHUNK_DOUBLES = 1 << 16;

    private static final Logger LOG = Logger.getLogger(FisherAggregateProcessor.class);
    private static final char SEPARATOR = '|';
    // Pending pairs are checked this many times per flush interval.
    private static final int CHECKS_PER_FLUSH_INTERVAL = 4;
    static final int MAX_WAIT_INTERVALS = 10;

    private final FisherStreamSettings settings;
    private final PairFisher fisher;
    private final PairPictures pictures;
    private final ArtifactStore store;
    private final FisherMetrics metrics;
    private final Clock clock;
    private final List<String> modules;
    private final Map<String, Shape> shapes;

    private ProcessorContext<String, Routed> context;
    private KeyValueStore<String, byte[]> pending;
    private KeyValueStore<String, Long> counted;
    private KeyValueStore<String, byte[]> sums;
    private KeyValueStore<String, byte[]> states;
    // Pending pairs of each concept key, and the wall-clock time at which the oldest of them arrived; rebuilt from the
    // pending store at start.
    private final Map<String, Integer> pendingByConcept = new HashMap<>();
    private final Map<String, Long> pendingSince = new HashMap<>();
    // Wall-clock end of the last estimate of any task of this instance, which share one stream thread per estimator.
    private final AtomicLong lastEstimateEnd;

    FisherAggregateProcessor(FisherStreamSettings settings, PairFisher fisher, PairPictures pictures,
            ArtifactStore store, FisherMetrics metrics, Clock clock, AtomicLong lastEstimateEnd) {
        this.lastEstimateEnd = Objects.requireNonNull(lastEstimateEnd, "lastEstimateEnd");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.fisher = Objects.requireNonNull(fisher, "fisher");
        this.pictures = Objects.requireNonNull(pictures, "pictures");
        this.store = Objects.requireNonNull(store, "store");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.modules = fisher.modules();
        this.shapes = fisher.shapes();
    }

    /** Returns the builders of the four stores this processor uses. */
    static List<StoreBuilder<?>> storeBuilders() {
        return List.of(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING_STORE), Serdes.String(),
                        Serdes.ByteArray()),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(COUNTED_STORE), Serdes.String(),
                        Serdes.Long()),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SUMS_STORE), Serdes.String(),
                        Serdes.ByteArray()).withCachingEnabled(),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STATE_STORE), Serdes.String(),
                        Serdes.ByteArray()).withCachingEnabled());
    }

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
        this.pending = context.getStateStore(PENDING_STORE);
        this.counted = context.getStateStore(COUNTED_STORE);
        this.sums = context.getStateStore(SUMS_STORE);
        this.states = context.getStateStore(STATE_STORE);
        // Pairs restored from the store have waited an unknown time, so they are due at the first check.
        long restoredSince = context.currentSystemTimeMs() - settings.flushInterval().toMillis();
        try (KeyValueIterator<String, byte[]> all = pending.all()) {
            while (all.hasNext()) {
                ConceptPair pair = InternalJson.read(all.next().value, ConceptPair.class);
                pendingSince.putIfAbsent(pair.conceptKey(), restoredSince);
                pendingByConcept.merge(pair.conceptKey(), 1, Integer::sum);
            }
        }
        if (!pendingByConcept.isEmpty()) {
            LOG.infof("Task %s resumes with pending pairs %s", context.taskId(), pendingByConcept);
        }
        Duration checkInterval = settings.flushInterval().dividedBy(CHECKS_PER_FLUSH_INTERVAL);
        context.schedule(checkInterval.isZero() ? Duration.ofMillis(1) : checkInterval,
                PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<String, ConceptPair> record) {
        ConceptPair pair = record.value();
        String key = pair.conceptKey() + SEPARATOR + pair.pair().pairId();
        if (counted.get(key) != null || pending.get(key) != null) {
            metrics.duplicate();
            LOG.debugf("Skipped pair %s of %s: already counted or pending", pair.pair().pairId(), pair.conceptKey());
            return;
        }
        pending.put(key, InternalJson.write(pair));
        pendingSince.putIfAbsent(pair.conceptKey(), context.currentSystemTimeMs());
        if (pendingByConcept.merge(pair.conceptKey(), 1, Integer::sum) >= settings.batchPairs()) {
            flush(Set.of(pair.conceptKey()));
        }
    }

    private void punctuate(long timestamp) {
        long now = timestamp;
        Set<String> waitedLongEnough = new HashSet<>();
        long interval = settings.flushInterval().toMillis();
        long quietSince = lastEstimateEnd.get();
        pendingSince.forEach((conceptKey, since) -> {
            if (now - Math.max(since, quietSince) >= interval || now - since >= MAX_WAIT_INTERVALS * interval) {
                waitedLongEnough.add(conceptKey);
            }
        });
        if (!waitedLongEnough.isEmpty()) {
            flush(waitedLongEnough);
        }
        List<String> due = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = states.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                AggregateState state = InternalJson.read(entry.value, AggregateState.class);
                if (state.pairsSinceSnapshot() > 0
                        && now - state.lastSnapshotMillis() >= settings.snapshotInterval().toMillis()) {
                    due.add(entry.key);
                }
            }
        }
        due.forEach(this::snapshot);
    }

    /** Estimates the pending pairs of the given concept keys, grouped by concept, and adds them to the aggregates. */
    private void flush(Set<String> conceptKeys) {
        Map<String, List<ConceptPair>> byConcept = new LinkedHashMap<>();
        for (String conceptKey : conceptKeys) {
            // Pending keys start with the concept key and the separator, so one prefix scan reads a concept's pairs.
            try (KeyValueIterator<String, byte[]> ofConcept = pending.prefixScan(conceptKey + SEPARATOR,
                    Serdes.String().serializer())) {
                while (ofConcept.hasNext()) {
                    ConceptPair pair = InternalJson.read(ofConcept.next().value, ConceptPair.class);
                    byConcept.computeIfAbsent(conceptKey, key -> new ArrayList<>()).add(pair);
                }
            }
        }
        byConcept.forEach((conceptKey, pairs) -> {
            estimate(conceptKey, pairs);
            pendingByConcept.remove(conceptKey);
            pendingSince.remove(conceptKey);
        });
    }

    private void estimate(String conceptKey, List<ConceptPair> pairs) {
        List<PairFisher.Sample> samples = new ArrayList<>(pairs.size());
        List<ConceptPair> used = new ArrayList<>(pairs.size());
        for (ConceptPair pair : pairs) {
            try {
                PairPictures.Decoded decoded = pictures.load(pair.pair());
                samples.add(new PairFisher.Sample(PairFisher.sampleId(pair.pair().pairId()),
                        decoded.unsafePicture(), pair.pair().unsafePrompt(), decoded.safePicture(),
                        pair.pair().safePrompt()));
                used.add(pair);
            } catch (PairRejectedException e) {
                // The pictures passed the intake check, so they vanished or changed since.
                context.forward(new Record<>(conceptKey, PairIntakeProcessor.deadLetter(settings, clock,
                        Topics.PAIRS.name(), pair.sourcePartition(), pair.sourceOffset(), null,
                        Topics.PAIRS.valueSerde().serializer().serialize(Topics.PAIRS.name(), pair.pair()),
                        pair.pair(), e), context.currentSystemTimeMs()));
                metrics.deadLetter(e.reasonTag());
                LOG.warnf("Sent pair %s of %s to the dead-letter topic (%s): %s", pair.pair().pairId(), conceptKey,
                        e.reasonTag(), e.getMessage());
                pending.delete(pendingKey(pair));
            }
        }
        if (samples.isEmpty()) {
            return;
        }
        ConceptPair first = used.get(0);
        long start = System.nanoTime();
        Map<PairHalf, FisherEstimate> estimates;
        synchronized (fisher) {
            estimates = fisher.estimate(first.pair().baseModelId(), first.conceptId(), samples,
                    settings.batchPairs());
        }
        long elapsed = System.nanoTime() - start;
        metrics.gradientBatch(elapsed);
        // The context's wall-clock time was read when the record or punctuation began, before the estimate ran.
        lastEstimateEnd.accumulateAndGet(context.currentSystemTimeMs() + elapsed / 1_000_000, Math::max);

        for (PairHalf half : PairHalf.values()) {
            addSums(conceptKey, half, estimates.get(half));
        }
        byte[] stored = states.get(conceptKey);
        AggregateState state = stored != null ? InternalJson.read(stored, AggregateState.class)
                : AggregateState.empty(first.pair().baseModelId(), first.conceptId(), first.conceptIds(),
                        first.pair().catalogVersion(), context.currentSystemTimeMs(), first.pair().recordId());
        state = state.counted(used, estimates.get(PairHalf.UNSAFE).sampleCount(),
                estimates.get(PairHalf.SAFE).sampleCount());
        states.put(conceptKey, InternalJson.write(state));
        for (ConceptPair pair : used) {
            counted.put(pendingKey(pair), pair.sourceOffset());
            pending.delete(pendingKey(pair));
        }
        metrics.pairsCounted(first.conceptId(), used.size());
        LOG.debugf("Added %d pairs to the Fisher of %s in %d ms (%d pairs in total)", used.size(), conceptKey,
                elapsed / 1_000_000, state.pairCount());
        if (state.pairsSinceSnapshot() >= settings.snapshotEveryPairs()) {
            snapshot(conceptKey);
        }
    }

    private void addSums(String conceptKey, PairHalf half, FisherEstimate estimate) {
        for (int m = 0; m < modules.size(); m++) {
            double[] added = estimate.sum(modules.get(m));
            for (int chunk = 0; chunk * CHUNK_DOUBLES < added.length; chunk++) {
                int from = chunk * CHUNK_DOUBLES;
                int length = Math.min(CHUNK_DOUBLES, added.length - from);
                String key = sumKey(conceptKey, half, m, chunk);
                byte[] old = sums.get(key);
                ByteBuffer buffer = ByteBuffer.allocate(length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer previous = old == null ? null : ByteBuffer.wrap(old).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < length; i++) {
                    double base = previous == null ? 0 : previous.getDouble(i * Double.BYTES);
                    buffer.putDouble(i * Double.BYTES, base + added[from + i]);
                }
                sums.put(key, buffer.array());
            }
        }
    }

    private FisherEstimate readEstimate(String conceptKey, AggregateState state, PairHalf half) {
        Map<String, double[]> values = new LinkedHashMap<>();
        for (int m = 0; m < modules.size(); m++) {
            String module = modules.get(m);
            double[] sum = new double[Math.toIntExact(shapes.get(module).size())];
            for (int chunk = 0; chunk * CHUNK_DOUBLES < sum.length; chunk++) {
                byte[] bytes = sums.get(sumKey(conceptKey, half, m, chunk));
                if (bytes == null) {
                    throw new IllegalStateException("Fisher sums of " + conceptKey + " lack chunk " + chunk
                            + " of module " + module + " (" + half.id() + "); the state store is inconsistent");
                }
                ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
                buffer.asDoubleBuffer().get(sum, chunk * CHUNK_DOUBLES, bytes.length / Double.BYTES);
            }
            values.put(module, sum);
        }
        long samples = half == PairHalf.UNSAFE ? state.unsafeSamples() : state.safeSamples();
        return FisherEstimate.of(new FisherKey(state.baseModelId(), state.conceptId(), half), shapes, samples,
                values);
    }

    private void snapshot(String conceptKey) {
        AggregateState state = InternalJson.read(states.get(conceptKey), AggregateState.class);
        ArtifactRef tensors;
        try {
            byte[] bundle = FisherBundle.write(readEstimate(conceptKey, state, PairHalf.UNSAFE),
                    readEstimate(conceptKey, state, PairHalf.SAFE));
            tensors = store.put(bundle, FisherBundle.MEDIA_TYPE);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to store the Fisher snapshot of " + conceptKey, e);
        }
        long sequence = state.snapshotSequence() + 1;
        String snapshotId = "fisher-" + state.baseModelId() + "-" + state.conceptId() + "-" + sequence;
        Envelope envelope = new Envelope(snapshotId, state.lastCausationId(), state.baseModelId(),
                state.conceptIds(), clock.instant());
        FisherSnapshot snapshot = new FisherSnapshot(envelope, snapshotId, state.pairCount(), state.unsafeSamples(),
                state.safeSamples(), tensors, state.catalogVersion(), state.coveredRanges());
        context.forward(new Record<>(conceptKey, new Routed.Snapshot(snapshot), context.currentSystemTimeMs()));
        states.put(conceptKey, InternalJson.write(state.snapshotted(context.currentSystemTimeMs())));
        metrics.snapshotPublished(state.conceptId(), clock.millis());
        LOG.infof("Published Fisher snapshot %s: %d pairs, offsets %s, tensors %s", snapshotId, state.pairCount(),
                state.coveredRanges(), tensors.uri());
    }

    private static String pendingKey(ConceptPair pair) {
        return pair.conceptKey() + SEPARATOR + pair.pair().pairId();
    }

    private static String sumKey(String conceptKey, PairHalf half, int module, int chunk) {
        return conceptKey + SEPARATOR + half.id() + SEPARATOR + module + SEPARATOR + chunk;
    }
}
