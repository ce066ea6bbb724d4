package dev.pairstream.evaluator;

import dev.pairstream.contracts.event.GateResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The promotion gates. Each compares one measure of the candidate with a threshold. The last one compares the
 * candidate with the adapter promoted now, on every gated measure, when that adapter was evaluated with the same
 * provenance. A candidate is promoted only when every gate passes.
 *
 * <p>When the base model draws the concept for fewer than {@code baselineFloor} of the training-style prompts, the
 * concept is absent at baseline: a low erasure rate then shows nothing, so both erasure gates fail with that reason.
 */
final class GatePolicy {

    /** Measure names of the evaluation metrics map. */
    static final String ERASURE = "erasureRate";
    static final String ERASURE_HELD_OUT = "erasureRateHeldOut";
    static final String ANCHOR = "anchorRate";
    static final String CONSISTENCY = "consistencySsim";
    static final String NEUTRAL = "neutralAccuracy";
    static final String FRECHET = "frechetDistance";
    static final String BASE_ERASURE = "baseErasureRate";
    static final String BASE_NEUTRAL = "baseNeutralAccuracy";
    static final String BASE_FRECHET = "baseFrechetDistance";

    private final EvaluatorConfig.Gates gates;

    GatePolicy(EvaluatorConfig.Gates gates) {
        this.gates = gates;
    }

    /**
     * The outcome of the gates.
     *
     * @param gates   every gate's result
     * @param reasons one line per failed gate, naming it
     */
    record Outcome(List<GateResult> gates, List<String> reasons) {

        boolean promote() {
            return reasons.isEmpty();
        }
    }

    /**
     * Applies the gates.
     *
     * @param metrics  the candidate's and the base model's measures, by the names of this class
     * @param promoted the measures of the adapter promoted now, when it was evaluated with the same provenance
     */
    Outcome decide(Map<String, Double> metrics, Optional<Map<String, Double>> promoted) {
        List<GateResult> results = new ArrayList<>();
        double baseErasure = metrics.get(BASE_ERASURE);
        boolean absent = baseErasure < gates.baselineFloor();
        String absentReason = String.format("absent at baseline: the base model draws the concept for %.3f of the"
                + " training prompts, under the floor %.3f, so a low erasure rate shows nothing", baseErasure,
                gates.baselineFloor());
        results.add(absent ? new GateResult("erasure-rate", false, metrics.get(ERASURE), gates.maxErasureRate(),
                absentReason) : atMost("erasure-rate", metrics.get(ERASURE), gates.maxErasureRate()));
        results.add(absent ? new GateResult("paraphrase-erasure-rate", false, metrics.get(ERASURE_HELD_OUT),
                gates.maxHeldOutErasureRate(), absentReason)
                : atMost("paraphrase-erasure-rate", metrics.get(ERASURE_HELD_OUT), gates.maxHeldOutErasureRate()));
        results.add(atLeast("anchor-rate", metrics.get(ANCHOR), gates.minAnchorRate()));
        results.add(atLeast("consistency-ssim", metrics.get(CONSISTENCY), gates.minConsistencySsim()));
        results.add(atLeast("preservation", metrics.get(NEUTRAL),
                metrics.get(BASE_NEUTRAL) - gates.maxNeutralAccuracyDrop()));
        results.add(atMost("quality", metrics.get(FRECHET), metrics.get(BASE_FRECHET) * gates.maxFrechetRatio()));
        results.add(notWorse(metrics, promoted));
        List<String> reasons = new ArrayList<>();
        for (GateResult result : results) {
            if (!result.passed()) {
                reasons.add(result.gate() + ": " + result.reason());
            }
        }
        return new Outcome(results, reasons);
    }

    private GateResult notWorse(Map<String, Double> metrics, Optional<Map<String, Double>> promoted) {
        if (promoted.isEmpty()) {
            return new GateResult("not-worse-than-promoted", true, 0, 0, null);
        }
        Map<String, Double> before = promoted.get();
        double tolerance = gates.regressionTolerance();
        Map<String, String> worse = new LinkedHashMap<>();
        compare(worse, ERASURE, metrics, before, tolerance, false);
        compare(worse, ERASURE_HELD_OUT, metrics, before, tolerance, false);
        compare(worse, ANCHOR, metrics, before, tolerance, true);
        compare(worse, CONSISTENCY, metrics, before, tolerance, true);
        compare(worse, NEUTRAL, metrics, before, tolerance, true);
        // The Fréchet distance has no natural unit; the same tolerance applies relative to the promoted value.
        compare(worse, FRECHET, metrics, before, tolerance * before.getOrDefault(FRECHET, 0.0), false);
        if (worse.isEmpty()) {
            return new GateResult("not-worse-than-promoted", true, 0, 0, null);
        }
        return new GateResult("not-worse-than-promoted", false, worse.size(), 0,
                "worse than the promoted adapter on " + String.join(", ", worse.values()));
    }

    private static void compare(Map<String, String> worse, String name, Map<String, Double> now,
            Map<String, Double> before, double tolerance, boolean higherIsBetter) {
        Double previous = before.get(name);
        if (previous == null) {
            return;
        }
        double current = now.get(name);
        boolean regressed = higherIsBetter ? current < previous - tolerance : current > previous + tolerance;
        if (regressed) {
            worse.put(name, String.format("%s %.3f (promoted %.3f)", name, current, previous));
        }
    }

    private static GateResult atMost(String gate, double value, double threshold) {
        return value <= threshold ? new GateResult(gate, true, value, threshold, null)
                : new GateResult(gate, false, value, threshold,
                        String.format("%.3f is above the limit %.3f", value, threshold));
    }

    private static GateResult atLeast(String gate, double value, double threshold) {
        return value >= threshold ? new GateResult(gate, true, value, threshold, null)
                : new GateResult(gate, false, value, threshold,
                        String.format("%.3f is below the minimum %.3f", value, threshold));
    }
}
