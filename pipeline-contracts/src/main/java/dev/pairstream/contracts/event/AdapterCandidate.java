package dev.pairstream.contracts.event;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pairstream.contracts.RecordChecks;
import dev.pairstream.contracts.artifact.ArtifactRef;
import java.time.Instant;
import java.util.List;

/**
 * Adapter that a training job produced, waiting for the evaluator to promote or reject it.
 *
 * @param adapterId      id of the adapter, shared by all its versions
 * @param adapterVersion version of the adapter, at least 1
 * @param trainingJobId  id of the training job that produced the adapter
 * @param method         erasure method that trained the adapter, for example {@code "pair-lora"}
 * @param adapter        adapter weights in the artifact store
 * @param provenance     inputs and settings the adapter was trained from
 */
@JsonClassDescription("Adapter produced by a training job, waiting for evaluation.")
public record AdapterCandidate(
        @JsonProperty(required = true) int schemaVersion,
        @JsonProperty(required = true) String recordId,
        @JsonProperty(required = true) String causationId,
        @JsonProperty(required = true) String baseModelId,
        @JsonProperty(required = true) List<String> conceptIds,
        @JsonProperty(required = true) Instant createdAt,
        @JsonProperty(required = true) String adapterId,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Version of the adapter, at least 1.")
        long adapterVersion,
        @JsonProperty(required = true) String trainingJobId,
        @JsonProperty(required = true) String method,
        @JsonProperty(required = true) ArtifactRef adapter,
        @JsonProperty(required = true) AdapterProvenance provenance) implements PipelineEvent {

    /** Newest schema version of this record type, written by this code. */
    public static final int SCHEMA_VERSION = 1;

    private static final RecordChecks CHECK = RecordChecks.forType("AdapterCandidate");

    /** Validates every field; see the parameter descriptions for the rules. */
    @JsonCreator
    public AdapterCandidate {
        conceptIds = EnvelopeRules.DERIVED.check(
                CHECK, SCHEMA_VERSION, schemaVersion, recordId, causationId, baseModelId, conceptIds, createdAt);
        CHECK.nonBlank("adapterId", adapterId);
        CHECK.atLeast("adapterVersion", adapterVersion, 1L);
        CHECK.nonBlank("trainingJobId", trainingJobId);
        CHECK.nonBlank("method", method);
        CHECK.present("adapter", adapter);
        CHECK.present("provenance", provenance);
    }

    /** Creates a candidate with the current schema version. */
    public AdapterCandidate(Envelope envelope, String adapterId, long adapterVersion, String trainingJobId,
            String method, ArtifactRef adapter, AdapterProvenance provenance) {
        this(SCHEMA_VERSION, envelope.recordId(), envelope.causationId(), envelope.baseModelId(),
                envelope.conceptIds(), envelope.createdAt(), adapterId, adapterVersion, trainingJobId, method, adapter,
                provenance);
    }
}
