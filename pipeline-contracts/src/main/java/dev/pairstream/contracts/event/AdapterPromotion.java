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
 * Adapter that serving must use for one base model and concept set, on the compacted promoted-adapters topic.
 *
 * <p>The record key is {@link #key()}, {@link EventKeys#conceptSetKey} of the envelope's base model and
 * concepts, so compaction keeps the latest promotion or rollback per concept set. The constructor rejects a key
 * that does not match the envelope.
 *
 * @param key            concept-set key of the base model and concepts
 * @param adapterId      id of the adapter to serve
 * @param adapterVersion version of the adapter to serve, at least 1
 * @param adapter        adapter weights in the artifact store
 * @param evaluationId   id of the evaluation that promoted the adapter; required for {@link Kind#PROMOTION}
 * @param kind           whether this is a promotion or a rollback to an earlier adapter
 * @param reason         why the adapter changed; required for {@link Kind#ROLLBACK}
 */
@JsonClassDescription("Adapter to serve for one base model and concept set; the latest record per key wins.")
public record AdapterPromotion(
        @JsonProperty(required = true) int schemaVersion,
        @JsonProperty(required = true) String recordId,
        @JsonProperty(required = true) String causationId,
        @JsonProperty(required = true) String baseModelId,
        @JsonProperty(required = true) List<String> conceptIds,
        @JsonProperty(required = true) Instant createdAt,
        @JsonProperty(required = true)
        @JsonPropertyDescription("baseModelId|conceptId,conceptId... with the concept ids sorted; the record key.")
        String key,
        @JsonProperty(required = true) String adapterId,
        @JsonProperty(required = true) long adapterVersion,
        @JsonProperty(required = true) ArtifactRef adapter,
        @JsonPropertyDescription("Id of the promoting evaluation; required when kind is PROMOTION.")
        String evaluationId,
        @JsonProperty(required = true) Kind kind,
        @JsonPropertyDescription("Why the adapter changed; required when kind is ROLLBACK.")
        String reason) implements PipelineEvent {

    /** Newest schema version of this record type, written by this code. */
    public static final int SCHEMA_VERSION = 1;

    private static final RecordChecks CHECK = RecordChecks.forType("AdapterPromotion");

    /** Kind of change to the served adapter. */
    public enum Kind {
        /** An evaluated candidate replaces the served adapter. */
        PROMOTION,
        /** An earlier adapter replaces the served one. */
        ROLLBACK
    }

    /** Validates every field; see the parameter descriptions for the rules. */
    @JsonCreator
    public AdapterPromotion {
        conceptIds = EnvelopeRules.DERIVED.check(
                CHECK, SCHEMA_VERSION, schemaVersion, recordId, causationId, baseModelId, conceptIds, createdAt);
        CHECK.nonBlank("key", key);
        String expectedKey = EventKeys.conceptSetKey(baseModelId, conceptIds);
        if (!key.equals(expectedKey)) {
            throw CHECK.invalid("key", "must be '" + expectedKey + "' for baseModelId and conceptIds but was '"
                    + key + "'");
        }
        CHECK.nonBlank("adapterId", adapterId);
        CHECK.atLeast("adapterVersion", adapterVersion, 1L);
        CHECK.present("adapter", adapter);
        CHECK.present("kind", kind);
        CHECK.optionalNonBlank("evaluationId", evaluationId);
        if (kind == Kind.PROMOTION && evaluationId == null) {
            throw CHECK.invalid("evaluationId", "is missing; a PROMOTION must name its evaluation");
        }
        CHECK.optionalNonBlank("reason", reason);
        if (kind == Kind.ROLLBACK && reason == null) {
            throw CHECK.invalid("reason", "is missing; a ROLLBACK must say why");
        }
    }

    /** Creates a promotion with the current schema version, computing the key from the envelope. */
    public AdapterPromotion(Envelope envelope, String adapterId, long adapterVersion, ArtifactRef adapter,
            String evaluationId, Kind kind, String reason) {
        this(SCHEMA_VERSION, envelope.recordId(), envelope.causationId(), envelope.baseModelId(),
                envelope.conceptIds(), envelope.createdAt(), keyOf(envelope), adapterId, adapterVersion, adapter,
                evaluationId, kind, reason);
    }

    // Invalid envelopes get no key here so that the canonical constructor reports the envelope field itself.
    private static String keyOf(Envelope envelope) {
        try {
            return EventKeys.conceptSetKey(envelope.baseModelId(), envelope.conceptIds());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
