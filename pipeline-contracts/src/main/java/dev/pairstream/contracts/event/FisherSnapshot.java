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
 * Fisher information estimated from the erasure pairs of one base model and concept set, published by the
 * Fisher service for the trainer. The tensors themselves live in the artifact store.
 *
 * <p>{@code coveredRanges} lists the offsets of the pairs topic that the estimate read. Each pair occupies one
 * offset, so {@code pairCount} is at most the number of covered offsets (the ranges may also hold pairs of other
 * concepts and transaction markers).
 *
 * @param snapshotId        id of the snapshot
 * @param pairCount         number of pairs the estimate used, at least 1
 * @param unsafeSampleCount number of samples drawn from the unsafe halves of the pairs, at least 0
 * @param safeSampleCount   number of samples drawn from the safe halves of the pairs, at least 0
 * @param tensors           Fisher tensors in the artifact store
 * @param catalogVersion    version of the concept catalog the pairs were generated with
 * @param coveredRanges     offset ranges of the pairs topic that the estimate read; not empty, not overlapping
 */
@JsonClassDescription("Fisher information of one base model and concept set, estimated from erasure pairs.")
public record FisherSnapshot(
        @JsonProperty(required = true) int schemaVersion,
        @JsonProperty(required = true) String recordId,
        @JsonProperty(required = true) String causationId,
        @JsonProperty(required = true) String baseModelId,
        @JsonProperty(required = true) List<String> conceptIds,
        @JsonProperty(required = true) Instant createdAt,
        @JsonProperty(required = true) String snapshotId,
        @JsonProperty(required = true) long pairCount,
        @JsonProperty(required = true) long unsafeSampleCount,
        @JsonProperty(required = true) long safeSampleCount,
        @JsonProperty(required = true) ArtifactRef tensors,
        @JsonProperty(required = true) String catalogVersion,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Offset ranges of the pairs topic that the estimate read; not overlapping.")
        List<OffsetRange> coveredRanges) implements PipelineEvent {

    /** Newest schema version of this record type, written by this code. */
    public static final int SCHEMA_VERSION = 1;

    private static final RecordChecks CHECK = RecordChecks.forType("FisherSnapshot");

    /** Validates every field; see the parameter descriptions for the rules. */
    @JsonCreator
    public FisherSnapshot {
        conceptIds = EnvelopeRules.DERIVED.check(
                CHECK, SCHEMA_VERSION, schemaVersion, recordId, causationId, baseModelId, conceptIds, createdAt);
        CHECK.nonBlank("snapshotId", snapshotId);
        CHECK.atLeast("pairCount", pairCount, 1L);
        CHECK.atLeast("unsafeSampleCount", unsafeSampleCount, 0L);
        CHECK.atLeast("safeSampleCount", safeSampleCount, 0L);
        CHECK.present("tensors", tensors);
        CHECK.nonBlank("catalogVersion", catalogVersion);
        coveredRanges = OffsetRange.checkDisjoint(CHECK, "coveredRanges", coveredRanges);
        long coveredOffsets = OffsetRange.totalSize(coveredRanges);
        if (pairCount > coveredOffsets) {
            throw CHECK.invalid("pairCount",
                    "is " + pairCount + " but coveredRanges hold only " + coveredOffsets + " offsets");
        }
    }

    /** Creates a snapshot with the current schema version. */
    public FisherSnapshot(Envelope envelope, String snapshotId, long pairCount, long unsafeSampleCount,
            long safeSampleCount, ArtifactRef tensors, String catalogVersion, List<OffsetRange> coveredRanges) {
        this(SCHEMA_VERSION, envelope.recordId(), envelope.causationId(), envelope.baseModelId(),
                envelope.conceptIds(), envelope.createdAt(), snapshotId, pairCount, unsafeSampleCount,
                safeSampleCount, tensors, catalogVersion, coveredRanges);
    }
}
