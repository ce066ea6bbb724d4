package dev.pairstream.fisher;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of the Fisher stream. Counts are recorded when a task processes a record. Under exactly-once a task
 * that fails before its commit processes the record again, so after a failure the counters may run ahead of the
 * committed aggregate by the records of the aborted transaction.
 */
public final class FisherMetrics {

    /** Dead-letter reasons, registered at zero when the meters are created, so that a rate of them starts at once. */
    static final List<String> DEAD_LETTER_REASONS = List.of("invalid_record", "no_pictures", "picture_missing",
            "picture_corrupt", "picture_unreadable");

    private final MeterRegistry registry;
    private final Counter pairsIn;
    private final Counter duplicates;
    private final Timer gradients;
    private final Map<String, Counter> pairsPerConcept = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Map<String, Counter> skipped = new ConcurrentHashMap<>();
    private final Map<String, Counter> snapshots = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> lastSnapshotMillis = new ConcurrentHashMap<>();

    /** Registers the meters in {@code registry}. */
    public FisherMetrics(MeterRegistry registry) {
        this.registry = registry;
        pairsIn = Counter.builder("fisher.pairs.in")
                .description("Erasure pair records read from the pairs topic")
                .register(registry);
        duplicates = Counter.builder("fisher.pairs.duplicates")
                .description("Pairs of a concept that were already counted or pending, and were skipped")
                .register(registry);
        gradients = Timer.builder("fisher.gradients")
                .description("Time to compute the Fisher contributions of one batch of pending pairs")
                .publishPercentileHistogram()
                .register(registry);
        DEAD_LETTER_REASONS.forEach(this::deadLetterCounter);
        skippedCounter("other_base_model");
    }

    void pairIn() {
        pairsIn.increment();
    }

    void duplicate() {
        duplicates.increment();
    }

    void pairsCounted(String conceptId, int pairs) {
        pairsPerConcept.computeIfAbsent(conceptId, id -> Counter.builder("fisher.pairs.processed")
                .description("Pairs whose Fisher contributions were added to a concept's aggregate")
                .tag("concept", id)
                .register(registry)).increment(pairs);
    }

    void gradientBatch(long nanos) {
        gradients.record(nanos, TimeUnit.NANOSECONDS);
    }

    void deadLetter(String reason) {
        deadLetterCounter(reason).increment();
    }

    private Counter deadLetterCounter(String reason) {
        return deadLetters.computeIfAbsent(reason, tag -> Counter.builder("fisher.dead.letters")
                .description("Pair records sent to the dead-letter topic, by reason")
                .tag("reason", tag)
                .register(registry));
    }

    void skipped(String reason) {
        skippedCounter(reason).increment();
    }

    private Counter skippedCounter(String reason) {
        return skipped.computeIfAbsent(reason, tag -> Counter.builder("fisher.pairs.skipped")
                .description("Valid pairs this service does not estimate, such as pairs of another base model")
                .tag("reason", tag)
                .register(registry));
    }

    void snapshotPublished(String conceptId, long epochMillis) {
        snapshots.computeIfAbsent(conceptId, id -> Counter.builder("fisher.snapshots.published")
                .description("Fisher snapshots published, by concept set")
                .tag("concept", id)
                .register(registry)).increment();
        lastSnapshotMillis.computeIfAbsent(conceptId, id -> {
            AtomicLong last = new AtomicLong();
            Gauge.builder("fisher.snapshot.age.seconds", last,
                            value -> (System.currentTimeMillis() - value.get()) / 1000.0)
                    .description("Seconds since the concept's last published Fisher snapshot")
                    .tag("concept", id)
                    .register(registry);
            return last;
        }).set(epochMillis);
    }
}
