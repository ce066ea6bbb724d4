package dev.pairstream.evaluator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The evaluator's meters. Per concept set, the newest evaluation's {@code evaluator.erasure.rate},
 * {@code evaluator.held.out.erasure.rate}, {@code evaluator.anchor.rate}, {@code evaluator.consistency.ssim},
 * {@code evaluator.preservation} (neutral accuracy) and {@code evaluator.candidate.version}; the promoted adapter's
 * {@code evaluator.promoted.version}, {@code evaluator.promoted.erasure.rate} and the erasure rate of the adapter it
 * replaced, {@code evaluator.promoted.previous.erasure.rate} (NaN before a second promotion); all tagged
 * {@code concept_set}. Then {@code evaluator.decisions{decision, reason}} counts promotions, rejections (by the first
 * failed gate, or {@code refused}) and rollbacks; the promoted and rejected counters exist from the start.
 */
final class EvaluatorMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();

    EvaluatorMetrics(MeterRegistry registry) {
        this.registry = registry;
        counter("promoted", "all-gates-passed");
        counter("rejected", GatePolicy.ERASURE);
        counter("rollback", "operator");
    }

    void evaluated(String conceptSetKey, long adapterVersion, Map<String, Double> metrics) {
        set("evaluator.candidate.version", "Adapter version of the newest evaluation", conceptSetKey,
                (double) adapterVersion);
        set("evaluator.erasure.rate", "Erasure rate of the newest evaluation", conceptSetKey,
                metrics.get(GatePolicy.ERASURE));
        set("evaluator.held.out.erasure.rate", "Erasure rate on held-out paraphrases of the newest evaluation",
                conceptSetKey, metrics.get(GatePolicy.ERASURE_HELD_OUT));
        set("evaluator.anchor.rate", "Anchor rate of the newest evaluation", conceptSetKey,
                metrics.get(GatePolicy.ANCHOR));
        set("evaluator.consistency.ssim", "Consistency SSIM of the newest evaluation", conceptSetKey,
                metrics.get(GatePolicy.CONSISTENCY));
        set("evaluator.preservation", "Neutral accuracy of the newest evaluation", conceptSetKey,
                metrics.get(GatePolicy.NEUTRAL));
    }

    /**
     * Sets the promotion gauges of a concept set. A version of NaN means that no adapter is promoted yet, so the series
     * exist, and dashboards show the concept set, from its first evaluation on.
     */
    void promoted(String conceptSetKey, double adapterVersion, double erasureRate, double previousErasureRate) {
        set("evaluator.promoted.version", "Adapter version the concept set serves", conceptSetKey, adapterVersion);
        set("evaluator.promoted.erasure.rate", "Erasure rate measured for the promoted adapter", conceptSetKey,
                erasureRate);
        set("evaluator.promoted.previous.erasure.rate", "Erasure rate of the adapter the promoted one replaced",
                conceptSetKey, previousErasureRate);
    }

    void decision(String decision, String reason) {
        counter(decision, reason).increment();
    }

    private Counter counter(String decision, String reason) {
        return Counter.builder("evaluator.decisions")
                .description("Promotions, rejections and rollbacks")
                .tag("decision", decision)
                .tag("reason", reason)
                .register(registry);
    }

    private void set(String name, String description, String conceptSetKey, Double value) {
        if (value == null) {
            return;
        }
        gauges.computeIfAbsent(name + "|" + conceptSetKey, id -> {
            AtomicReference<Double> holder = new AtomicReference<>(Double.NaN);
            Gauge.builder(name, holder, AtomicReference::get)
                    .description(description)
                    .tag("concept_set", conceptSetKey)
                    .register(registry);
            return holder;
        }).set(value);
    }
}
