package dev.pairstream.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PublishedPairIdsTest {

    @Test
    void forgetsOldestIdBeyondCapacity() {
        // Given a capacity of two ids
        PublishedPairIds ids = new PublishedPairIds(2);

        // When three ids are added
        ids.add("a");
        ids.add("b");
        ids.add("c");

        // Then the first one is forgotten and the last two are kept
        assertFalse(ids.contains("a"));
        assertTrue(ids.contains("b"));
        assertTrue(ids.contains("c"));
    }

    @Test
    void rejectsCapacityBelowOne() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> new PublishedPairIds(0));

        assertEquals("deduplication capacity is 0; expected at least 1", error.getMessage());
    }
}
