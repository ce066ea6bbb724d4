package dev.pairstream.contracts.event;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pairstream.contracts.RecordChecks;
import dev.pairstream.contracts.artifact.ArtifactRef;
import java.util.List;
import java.util.Map;

/**
 * Inputs and settings an adapter was trained from, enough to reproduce or audit it.
 *
 * @param hyperParameters      training hyper-parameters by name, as text (for example {@code "learningRate": "1e-4"})
 * @param fisherSnapshotId     id of the Fisher snapshot the training used
 * @param fisherSnapshotSha256 SHA-256 digest of that snapshot's tensors
 * @param pairRanges           offset ranges of the pairs topic the training read; not empty, not overlapping
 * @param baseModelDigest      digest of the base model weights
 * @param trainingMetrics      final training metrics by name, finite numbers
 */
@JsonClassDescription("Inputs and settings an adapter was trained from.")
public record AdapterProvenance(
        @JsonProperty(required = true)
        @JsonPropertyDescription("Training hyper-parameters by name, as text.")
        Map<String, String> hyperParameters,
        @JsonProperty(required = true) String fisherSnapshotId,
        @JsonProperty(required = true)
        @JsonPropertyDescription("SHA-256 digest of the Fisher tensors: 64 lowercase hex digits.")
        String fisherSnapshotSha256,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Offset ranges of the pairs topic the training read; not overlapping.")
        List<OffsetRange> pairRanges,
        @JsonProperty(required = true) String baseModelDigest,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Final training metrics by name.")
        Map<String, Double> trainingMetrics) {

    private static final RecordChecks CHECK = RecordChecks.forType("AdapterProvenance");

    /** Validates every field; see the parameter descriptions for the rules. */
    @JsonCreator
    public AdapterProvenance {
        hyperParameters = CHECK.stringMap("hyperParameters", hyperParameters);
        CHECK.nonBlank("fisherSnapshotId", fisherSnapshotId);
        CHECK.present("fisherSnapshotSha256", fisherSnapshotSha256);
        if (!ArtifactRef.isSha256Hex(fisherSnapshotSha256)) {
            throw CHECK.invalid("fisherSnapshotSha256",
                    "must be 64 lowercase hex digits but was '" + fisherSnapshotSha256 + "'");
        }
        pairRanges = OffsetRange.checkDisjoint(CHECK, "pairRanges", pairRanges);
        CHECK.nonBlank("baseModelDigest", baseModelDigest);
        trainingMetrics = CHECK.finiteNumberMap("trainingMetrics", trainingMetrics);
    }
}
