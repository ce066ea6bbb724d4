package dev.pairstream.erasure.text;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A bounded least-recently-used map that is safe for concurrent use. Every method locks the whole map, which is
 * cheap next to running the encoder that fills it. Two threads that miss on the same key both compute the value,
 * and the later {@link #put} wins. That is harmless here because the encoder is deterministic.
 */
final class LruCache<K, V> {

    private final int capacity;
    private final LinkedHashMap<K, V> entries;
    private long hits;
    private long misses;

    /**
     * Creates an empty cache.
     *
     * @param capacity maximum number of entries, 0 to disable caching
     * @throws IllegalArgumentException when the capacity is negative
     */
    LruCache(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("cache capacity must be >= 0 (0 disables the cache), got " + capacity);
        }
        this.capacity = capacity;
        // Access order makes get() move an entry to the young end, so the eldest entry is the least recently used.
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > LruCache.this.capacity;
            }
        };
    }

    /** Looks up a key, counting a hit or a miss; returns null on a miss. */
    synchronized V get(K key) {
        Objects.requireNonNull(key, "key");
        V value = entries.get(key);
        if (value == null) {
            misses++;
        } else {
            hits++;
        }
        return value;
    }

    /** Stores a value, evicting the least recently used entry when the cache is full. */
    synchronized void put(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (capacity > 0) {
            entries.put(key, value);
        }
    }

    /** Removes every entry and keeps the counters. */
    synchronized void clear() {
        entries.clear();
    }

    /** Returns the current counters and size. */
    synchronized CacheStats stats() {
        return new CacheStats(hits, misses, entries.size(), capacity);
    }
}
