package dev.pairstream.trainer;

import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.OffsetRange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pairs of each concept set, materialised from {@code erasure.pairs}: each pair id once, with the partition and
 * offset it was read from. Text-only pairs are counted but not kept, since training needs both pictures. The large
 * payloads stay in the artifact store, so a pair costs the memory of its prompts and references. Not thread-safe.
 */
final class PairLedger {

    /** A pair and where it was read. */
    record Entry(ErasurePair pair, int partition, long offset) {
    }

    private final Map<String, LinkedHashMap<String, Entry>> byKey = new HashMap<>();
    private final Map<String, Long> textOnly = new HashMap<>();

    /** Adds a pair; returns false when its id is already known for that concept set or it has no pictures. */
    boolean add(String conceptSetKey, ErasurePair pair, int partition, long offset) {
        if (!pair.hasPictures()) {
            textOnly.merge(conceptSetKey, 1L, Long::sum);
            return false;
        }
        LinkedHashMap<String, Entry> pairs = byKey.computeIfAbsent(conceptSetKey, key -> new LinkedHashMap<>());
        return pairs.putIfAbsent(pair.pairId(), new Entry(pair, partition, offset)) == null;
    }

    /** Returns the number of pairs with pictures of a concept set. */
    int count(String conceptSetKey) {
        Map<String, Entry> pairs = byKey.get(conceptSetKey);
        return pairs == null ? 0 : pairs.size();
    }

    /** Returns the number of text-only pairs of a concept set, which training skips. */
    long textOnlyCount(String conceptSetKey) {
        return textOnly.getOrDefault(conceptSetKey, 0L);
    }

    /** Returns the total number of pairs kept, over every concept set. */
    long size() {
        return byKey.values().stream().mapToLong(Map::size).sum();
    }

    /** Returns the newest {@code limit} pairs of a concept set, oldest first. */
    List<Entry> newest(String conceptSetKey, int limit) {
        Map<String, Entry> pairs = byKey.get(conceptSetKey);
        if (pairs == null) {
            return List.of();
        }
        List<Entry> all = new ArrayList<>(pairs.values());
        return List.copyOf(all.subList(Math.max(0, all.size() - limit), all.size()));
    }

    /**
     * Returns the offset ranges that cover the entries: per partition, from the lowest to the highest offset. A range
     * may also cover pairs of other concept sets, as Fisher snapshots' ranges do.
     */
    static List<OffsetRange> ranges(List<Entry> entries) {
        Map<Integer, long[]> bounds = new TreeMap<>();
        for (Entry entry : entries) {
            bounds.merge(entry.partition(), new long[] {entry.offset(), entry.offset()},
                    (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        }
        List<OffsetRange> ranges = new ArrayList<>();
        bounds.forEach((partition, range) -> ranges.add(new OffsetRange(partition, range[0], range[1])));
        return ranges;
    }
}
