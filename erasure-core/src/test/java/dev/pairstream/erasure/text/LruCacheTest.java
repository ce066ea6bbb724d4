package dev.pairstream.erasure.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LruCacheTest {

    @Test
    void fullCacheEvictsLeastRecentlyUsed() {
        // Given: a cache of two entries where "a" is read after "b" was stored
        LruCache<String, Integer> cache = new LruCache<>(2);
        cache.put("a", 1);
        cache.put("b", 2);
        cache.get("a");

        // When
        cache.put("c", 3);

        // Then: "b" was the least recently used entry
        assertEquals(1, cache.get("a"));
        assertNull(cache.get("b"));
        assertEquals(3, cache.get("c"));
        assertEquals(new CacheStats(3, 1, 2, 2), cache.stats());
    }

    @Test
    void zeroCapacityStoresNothing() {
        // Given
        LruCache<String, Integer> cache = new LruCache<>(0);

        // When
        cache.put("a", 1);

        // Then
        assertNull(cache.get("a"));
        assertEquals(new CacheStats(0, 1, 0, 0), cache.stats());
    }

    @Test
    void clearKeepsCounters() {
        // Given
        LruCache<String, Integer> cache = new LruCache<>(4);
        cache.put("a", 1);
        cache.get("a");

        // When
        cache.clear();

        // Then
        assertEquals(new CacheStats(1, 0, 0, 4), cache.stats());
    }

    @Test
    void negativeCapacityIsRejected() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> new LruCache<>(-1));

        assertEquals("cache capacity must be >= 0 (0 disables the cache), got -1", error.getMessage());
    }
}
