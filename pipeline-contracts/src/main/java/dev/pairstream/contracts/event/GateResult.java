package dev.pairstream.contracts.event;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pairstream.contracts.RecordChecks;

/**
 * Outcome of one promotion gate of an evaluation: a metric compared with its threshold.
 *
 * <p>Whether a gate passes above or below its threshold depends on the gate, so this record does not recompute
 * {@code passed} from the two numbers.
 *
 * @param gate      name of the gate, for example {@code "erasure-rate"}
 * @param passed    whether the adapter passed the gate
 * @param value     measured value, finite
 * @param threshold threshold the value was compared with, finite
 * @param reason    explanation of the outcome; required when the gate failed
 */
@JsonClassDescription("Outcome of one promotion gate: a measured value compared with its threshold.")
public record GateResult(
        @JsonProperty(required = true) String gate,
        @JsonProperty(required = true) boolean passed,
        @JsonProperty(required = true) double value,
        @JsonProperty(required = true) double threshold,
        @JsonPropertyDescription("Explanation of the outcome; required when the gate failed.")
        String reason) {

    private static final RecordChecks CHECK = RecordChecks.forType("GateResult");

    /** Validates every field; see the parameter descriptions for the rules. */
    @JsonCreator
    public GateResult {
        CHECK.nonBlank("gate", gate);
        CHECK.finite("value", value);
        CHECK.finite("threshold", threshold);
        CHECK.optionalNonBlank("reason", reason);
        if (!passed && reason == null) {
            throw CHECK.invalid("reason", "is missing; a failed gate must say why");
        }
    }
}
