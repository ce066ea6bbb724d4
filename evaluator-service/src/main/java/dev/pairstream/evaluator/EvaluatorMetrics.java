package dev.pairstream.evaluator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The evaluator's meters. Per concept set, the newest evaluation's {@code evaluator.erasure.rate},
 * {@code evaluator.anchor.rate}, {@code evaluator.consistency.ssim} and {@code evaluator.preservation} (neutral
 * accuracy), all tagged {@code concept_set}. Then {@code evaluator.decisions{decision, reason}} counts promotions,
 * rejections (by the first failed gate, or {@code refused}) and rollbacks.
 */
final class EvaluatorMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();

    EvaluatorMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void evaluated(String conceptSetKey, Map<String, Double> metrics) {
        set("evaluator.erasure.rate", "Erasure rate of the newest evaluation", conceptSetKey,
                metrics.get(GatePolicy.ERASURE));
        set("evaluator.anchor.rate", "Anchor rate of the newest evaluation", conceptSetKey,
                metrics.get(GatePolicy.ANCHOR));
        set("evaluator.consistency.ssim", "Consistency SSIM of the newest evaluation", conceptSetKey,
                metrics.get(GatePolicy.CONSISTENCY));
        set("evaluator.preservation", "Neutral accuracy of the newest evaluation", conceptSetKey,
                metrics.get(GatePolicy.NEUTRAL));
    }

    void decision(String decision, String reason) {
        Counter.builder("evaluator.decisions")
                .description("Promotions, rejections and rollbacks")
                .tag("decision", decision)
                .tag("reason", reason)
                .register(registry)
                .increment();
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
