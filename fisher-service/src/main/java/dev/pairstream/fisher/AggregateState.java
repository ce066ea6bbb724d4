package dev.pairstream.fisher;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pairstream.contracts.event.OffsetRange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The counters of one concept set's Fisher aggregate, kept in the stream's state store next to the sums.
 *
 * @param baseModelId        the base model
 * @param conceptId          the set's label (the concept id of a one-concept set)
 * @param conceptIds         the concepts of the set; states written before sets existed lack it, and it is then
 *                           {@code conceptId} alone
 * @param catalogVersion     the catalog version of the newest counted pair
 * @param pairCount          pairs counted in total
 * @param unsafeSamples      samples in the unsafe sums
 * @param safeSamples        samples in the safe sums
 * @param pairsSinceSnapshot pairs counted after the last snapshot
 * @param snapshotSequence   number of snapshots published so far
 * @param lastSnapshotMillis wall-clock time of the last snapshot, or of the first counted pair before any snapshot
 * @param lastCausationId    record id of the newest counted pair, the cause of the next snapshot
 * @param coveredRanges      per partition of the pairs topic, the first to the last offset of the counted pairs
 */
record AggregateState(@JsonProperty(required = true) String baseModelId,
        @JsonProperty(required = true) String conceptId,
        List<String> conceptIds,
        @JsonProperty(required = true) String catalogVersion,
        @JsonProperty(required = true) long pairCount,
        @JsonProperty(required = true) long unsafeSamples,
        @JsonProperty(required = true) long safeSamples,
        @JsonProperty(required = true) long pairsSinceSnapshot,
        @JsonProperty(required = true) long snapshotSequence,
        @JsonProperty(required = true) long lastSnapshotMillis,
        @JsonProperty(required = true) String lastCausationId,
        @JsonProperty(required = true) List<OffsetRange> coveredRanges) {

    AggregateState {
        conceptIds = conceptIds == null ? List.of(conceptId) : List.copyOf(conceptIds);
        coveredRanges = List.copyOf(coveredRanges);
    }

    /** Returns the state of a concept that has counted nothing yet. */
    static AggregateState empty(String baseModelId, String conceptId, List<String> conceptIds, String catalogVersion,
            long nowMillis, String causationId) {
        return new AggregateState(baseModelId, conceptId, conceptIds, catalogVersion, 0, 0, 0, 0, 0, nowMillis,
                causationId, List.of());
    }

    /** Returns the state after counting {@code pairs} more pairs, one sample per half each, from the given offsets. */
    AggregateState counted(List<ConceptPair> pairs, long unsafeAdded, long safeAdded) {
        List<OffsetRange> ranges = new ArrayList<>(coveredRanges);
        String version = catalogVersion;
        String causation = lastCausationId;
        for (ConceptPair pair : pairs) {
            ranges = widened(ranges, pair.sourcePartition(), pair.sourceOffset());
            version = pair.pair().catalogVersion();
            causation = pair.pair().recordId();
        }
        return new AggregateState(baseModelId, conceptId, conceptIds, version, pairCount + pairs.size(),
                unsafeSamples + unsafeAdded, safeSamples + safeAdded, pairsSinceSnapshot + pairs.size(),
                snapshotSequence, lastSnapshotMillis, causation, ranges);
    }

    /** Returns the state after a snapshot at {@code nowMillis}. */
    AggregateState snapshotted(long nowMillis) {
        return new AggregateState(baseModelId, conceptId, conceptIds, catalogVersion, pairCount, unsafeSamples,
                safeSamples, 0, snapshotSequence + 1, nowMillis, lastCausationId, coveredRanges);
    }

    private static List<OffsetRange> widened(List<OffsetRange> ranges, int partition, long offset) {
        List<OffsetRange> result = new ArrayList<>(ranges.size() + 1);
        boolean found = false;
        for (OffsetRange range : ranges) {
            if (range.partition() == partition) {
                result.add(new OffsetRange(partition, Math.min(range.fromOffset(), offset),
                        Math.max(range.toOffset(), offset)));
                found = true;
            } else {
                result.add(range);
            }
        }
        if (!found) {
            result.add(new OffsetRange(partition, offset, offset));
        }
        result.sort(Comparator.comparingInt(OffsetRange::partition));
        return result;
    }
}
