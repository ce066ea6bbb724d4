package dev.pairstream.generator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters of the pair generator. Prometheus shows them as {@code pair_generator_flagged_in_total},
 * {@code pair_generator_pairs_out_total}, {@code pair_generator_unmatched_total},
 * {@code pair_generator_dead_letters_total{reason=...}}, {@code pair_generator_duplicates_total} and the histograms
 * {@code pair_generator_rewrite_seconds} and {@code pair_generator_render_seconds}.
 *
 * <p>Counters count committed records only, so a batch that is retried after an aborted transaction counts once.
 */
public final class PairGeneratorMetrics {

    private final Counter flaggedIn;
    private final Counter pairsOut;
    private final Counter unmatched;
    private final Counter duplicates;
    private final Map<RejectionReason, Counter> deadLetters = new EnumMap<>(RejectionReason.class);
    private final Timer rewrite;
    private final Timer render;

    /** Registers the meters in {@code registry}. */
    public PairGeneratorMetrics(MeterRegistry registry) {
        flaggedIn = Counter.builder("pair.generator.flagged.in")
                .description("Flagged-prompt records consumed and committed")
                .register(registry);
        pairsOut = Counter.builder("pair.generator.pairs.out")
                .description("Erasure pairs published")
                .register(registry);
        unmatched = Counter.builder("pair.generator.unmatched")
                .description("Flagged prompts that name no known unsafe concept")
                .register(registry);
        duplicates = Counter.builder("pair.generator.duplicates")
                .description("Re-delivered flagged prompts whose pair was already published")
                .register(registry);
        for (RejectionReason reason : RejectionReason.values()) {
            deadLetters.put(reason, Counter.builder("pair.generator.dead.letters")
                    .description("Flagged-prompt records sent to the dead-letter topic, by reason")
                    .tag("reason", reason.tag())
                    .register(registry));
        }
        rewrite = Timer.builder("pair.generator.rewrite")
                .description("Time to match and rewrite the prompts of one batch")
                .publishPercentileHistogram()
                .register(registry);
        render = Timer.builder("pair.generator.render")
                .description("Time to render and store the pictures of one batch of pairs")
                .publishPercentileHistogram()
                .register(registry);
    }

    void recordRewrite(long nanos) {
        rewrite.record(nanos, TimeUnit.NANOSECONDS);
    }

    void recordRender(long nanos) {
        render.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Counts the outcomes of one committed batch. */
    void recordCommitted(Iterable<PairOutcome> outcomes) {
        for (PairOutcome outcome : outcomes) {
            flaggedIn.increment();
            if (outcome instanceof PairOutcome.Published) {
                pairsOut.increment();
            } else if (outcome instanceof PairOutcome.Duplicate) {
                duplicates.increment();
            } else if (outcome instanceof PairOutcome.DeadLettered dead) {
                deadLetters.get(dead.reason()).increment();
                if (dead.reason() == RejectionReason.UNMATCHED) {
                    unmatched.increment();
                }
            }
        }
    }
}
