package dev.pairstream.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PairIdsTest {

    @Test
    void pairIdIsLengthPrefixedNameUuid() throws Exception {
        // Given the fields of a pair
        String expected = UUID.nameUUIDFromBytes(lengthPrefixed("erasure-pair", "emoji-world-base", "1.0.0", "p-1"))
                .toString();

        // When the id is derived twice
        String first = PairIds.pairId("emoji-world-base", "1.0.0", "p-1");
        String second = PairIds.pairId("emoji-world-base", "1.0.0", "p-1");

        // Then both equal the independently built name UUID
        assertEquals(expected, first);
        assertEquals(expected, second);
    }

    @Test
    void pairIdChangesWithEveryField() {
        String id = PairIds.pairId("emoji-world-base", "1.0.0", "p-1");

        assertNotEquals(id, PairIds.pairId("other-base", "1.0.0", "p-1"));
        assertNotEquals(id, PairIds.pairId("emoji-world-base", "1.1.0", "p-1"));
        assertNotEquals(id, PairIds.pairId("emoji-world-base", "1.0.0", "p-2"));
        // Moving characters between fields gives another id, because each field carries its length.
        assertNotEquals(PairIds.pairId("ab", "c", "p"), PairIds.pairId("a", "bc", "p"));
    }

    @Test
    void seedIsFirstEightDigestBytesWithoutSign() throws Exception {
        // Given a pair id and its SHA-256 digest
        String pairId = "0c6b0a2e-5d55-3b8c-9a47-8f1d1c2a9b10";
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(pairId.getBytes(StandardCharsets.UTF_8));
        byte[] firstEight = new byte[8];
        System.arraycopy(digest, 0, firstEight, 0, 8);
        long expected = new BigInteger(1, firstEight).longValue() & Long.MAX_VALUE;

        // When the seed is derived
        long seed = PairIds.seed(pairId);

        // Then it is the digest prefix, never negative
        assertEquals(expected, seed);
        assertTrue(seed >= 0);
    }

    @Test
    void deadLetterIdDependsOnCoordinates() throws Exception {
        String expected = UUID.nameUUIDFromBytes(lengthPrefixed("dead-letter", "group", "topic", "2", "17"))
                .toString();

        assertEquals(expected, PairIds.deadLetterId("group", "topic", 2, 17));
        assertNotEquals(expected, PairIds.deadLetterId("group", "topic", 2, 18));
    }

    private static byte[] lengthPrefixed(String... fields) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (String field : fields) {
                byte[] utf8 = field.getBytes(StandardCharsets.UTF_8);
                out.writeInt(utf8.length);
                out.write(utf8);
            }
        }
        return bytes.toByteArray();
    }
}
