package dev.pairstream.generator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ids of the most recently published pairs, to drop a flagged prompt that is delivered again.
 *
 * <p>Flagged prompts are keyed by prompt id, so a re-delivery lands in the same partition and reaches the instance
 * that published the first one, unless a rebalance moved the partition in between.
 *
 * <p>NOTE: the ids live in memory only. After a restart or a rebalance a re-delivered prompt is published again, with
 * the same pair id and record id, so a consumer of the pairs topic can drop it by record id.
 */
final class PublishedPairIds {

    private final Map<String, Boolean> ids;

    PublishedPairIds(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("deduplication capacity is " + capacity + "; expected at least 1");
        }
        this.ids = new LinkedHashMap<>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized boolean contains(String pairId) {
        return ids.containsKey(pairId);
    }

    synchronized void add(String pairId) {
        ids.put(pairId, Boolean.TRUE);
    }
}
