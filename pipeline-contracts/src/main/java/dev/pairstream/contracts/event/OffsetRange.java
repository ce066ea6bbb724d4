package dev.pairstream.contracts.event;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pairstream.contracts.RecordChecks;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Range of offsets in one partition of a topic, both ends inclusive, so a range covers at least one offset.
 *
 * @param partition  partition number, at least 0
 * @param fromOffset first offset of the range, at least 0
 * @param toOffset   last offset of the range, at least {@code fromOffset}
 */
@JsonClassDescription("Offsets fromOffset..toOffset (both inclusive) of one topic partition.")
public record OffsetRange(
        @JsonProperty(required = true) int partition,
        @JsonProperty(required = true) long fromOffset,
        @JsonProperty(required = true) long toOffset) {

    private static final RecordChecks CHECK = RecordChecks.forType("OffsetRange");

    /** Validates every field; see the parameter descriptions for the rules. */
    @JsonCreator
    public OffsetRange {
        CHECK.atLeast("partition", partition, 0);
        CHECK.atLeast("fromOffset", fromOffset, 0L);
        CHECK.atLeast("toOffset", toOffset, fromOffset);
    }

    /** Returns the number of offsets in the range. */
    public long size() {
        return toOffset - fromOffset + 1;
    }

    /**
     * Checks a required, non-empty list of ranges in which no two ranges of the same partition overlap, and returns
     * an immutable copy in the given order.
     *
     * @return the immutable copy
     */
    static List<OffsetRange> checkDisjoint(RecordChecks check, String field, List<OffsetRange> ranges) {
        List<OffsetRange> copy = check.list(field, ranges, false);
        List<OffsetRange> sorted = new ArrayList<>(copy);
        sorted.sort(Comparator.comparingInt(OffsetRange::partition).thenComparingLong(OffsetRange::fromOffset));
        for (int i = 1; i < sorted.size(); i++) {
            OffsetRange previous = sorted.get(i - 1);
            OffsetRange current = sorted.get(i);
            if (previous.partition() == current.partition() && current.fromOffset() <= previous.toOffset()) {
                throw check.invalid(field, "contains overlapping ranges " + previous + " and " + current);
            }
        }
        return copy;
    }

    /** Returns the number of offsets that the ranges cover together; the ranges must not overlap. */
    static long totalSize(List<OffsetRange> ranges) {
        long total = 0;
        for (OffsetRange range : ranges) {
            total = Math.addExact(total, range.size());
        }
        return total;
    }
}
