package dev.pairstream.erasure.text;

/**
 * A snapshot of an encoding cache's counters.
 *
 * @param hits     lookups served from the cache since it was created
 * @param misses   lookups that had to run the encoder
 * @param size     entries stored now
 * @param capacity maximum entries, 0 when the cache is disabled
 */
public record CacheStats(long hits, long misses, int size, int capacity) {
}
