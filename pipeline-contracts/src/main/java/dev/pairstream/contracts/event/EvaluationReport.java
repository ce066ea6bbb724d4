package dev.pairstream.contracts.event;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pairstream.contracts.RecordChecks;
import dev.pairstream.contracts.artifact.ArtifactRef;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Result of evaluating one adapter candidate, with the promotion decision.
 *
 * <p>The decision agrees with the gates: {@link Decision#PROMOTED} requires every gate to pass, and a
 * {@link Decision#REJECTED} report lists at least one reason.
 *
 * @param evaluationId   id of the evaluation
 * @param adapterId      id of the evaluated adapter
 * @param adapterVersion version of the evaluated adapter, at least 1
 * @param metrics        measured metrics by name, finite numbers
 * @param gates          outcome of each promotion gate; not empty, distinct gate names
 * @param decision       whether the adapter is promoted
 * @param reasons        reasons for the decision; not empty for {@link Decision#REJECTED}
 * @param report         full evaluation report in the artifact store
 * @param grid           picture grid of sample generations, or {@code null} in text-only mode
 * @param provenance     evaluation settings and input digests by name
 */
@JsonClassDescription("Result of evaluating one adapter candidate, with the promotion decision.")
public record EvaluationReport(
        @JsonProperty(required = true) int schemaVersion,
        @JsonProperty(required = true) String recordId,
        @JsonProperty(required = true) String causationId,
        @JsonProperty(required = true) String baseModelId,
        @JsonProperty(required = true) List<String> conceptIds,
        @JsonProperty(required = true) Instant createdAt,
        @JsonProperty(required = true) String evaluationId,
        @JsonProperty(required = true) String adapterId,
        @JsonProperty(required = true) long adapterVersion,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Measured metrics by name.")
        Map<String, Double> metrics,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Outcome of each promotion gate; PROMOTED requires all of them to pass.")
        List<GateResult> gates,
        @JsonProperty(required = true) Decision decision,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Reasons for the decision; at least one when REJECTED.")
        List<String> reasons,
        @JsonProperty(required = true) ArtifactRef report,
        @JsonPropertyDescription("Picture grid of sample generations; absent in text-only mode.")
        ArtifactRef grid,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Evaluation settings and input digests by name.")
        Map<String, String> provenance) implements PipelineEvent {

    /** Newest schema version of this record type, written by this code. */
    public static final int SCHEMA_VERSION = 1;

    private static final RecordChecks CHECK = RecordChecks.forType("EvaluationReport");

    /** Promotion decision of an evaluation. */
    public enum Decision {
        /** The adapter passed every gate and replaces the promoted one. */
        PROMOTED,
        /** The adapter stays a candidate. */
        REJECTED
    }

    /** Validates every field; see the parameter descriptions for the rules. */
    @JsonCreator
    public EvaluationReport {
        conceptIds = EnvelopeRules.DERIVED.check(
                CHECK, SCHEMA_VERSION, schemaVersion, recordId, causationId, baseModelId, conceptIds, createdAt);
        CHECK.nonBlank("evaluationId", evaluationId);
        CHECK.nonBlank("adapterId", adapterId);
        CHECK.atLeast("adapterVersion", adapterVersion, 1L);
        metrics = CHECK.finiteNumberMap("metrics", metrics);
        gates = CHECK.list("gates", gates, false);
        CHECK.present("decision", decision);
        reasons = CHECK.list("reasons", reasons, true);
        for (int i = 0; i < reasons.size(); i++) {
            CHECK.nonBlank("reasons[" + i + "]", reasons.get(i));
        }
        CHECK.present("report", report);
        provenance = CHECK.stringMap("provenance", provenance);
        checkDecisionMatchesGates(gates, decision, reasons);
    }

    /** Creates a report with the current schema version. */
    public EvaluationReport(Envelope envelope, String evaluationId, String adapterId, long adapterVersion,
            Map<String, Double> metrics, List<GateResult> gates, Decision decision, List<String> reasons,
            ArtifactRef report, ArtifactRef grid, Map<String, String> provenance) {
        this(SCHEMA_VERSION, envelope.recordId(), envelope.causationId(), envelope.baseModelId(),
                envelope.conceptIds(), envelope.createdAt(), evaluationId, adapterId, adapterVersion, metrics, gates,
                decision, reasons, report, grid, provenance);
    }

    private static void checkDecisionMatchesGates(List<GateResult> gates, Decision decision, List<String> reasons) {
        Set<String> gateNames = new HashSet<>();
        for (int i = 0; i < gates.size(); i++) {
            GateResult gate = gates.get(i);
            if (!gateNames.add(gate.gate())) {
                throw CHECK.invalid("gates[" + i + "].gate", "repeats gate '" + gate.gate() + "'");
            }
            if (decision == Decision.PROMOTED && !gate.passed()) {
                throw CHECK.invalid("decision",
                        "is PROMOTED but gate '" + gate.gate() + "' failed; a promotion requires every gate to pass");
            }
        }
        if (decision == Decision.REJECTED && reasons.isEmpty()) {
            throw CHECK.invalid("reasons", "must not be empty when decision is REJECTED");
        }
    }
}
