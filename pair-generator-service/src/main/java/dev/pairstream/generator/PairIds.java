package dev.pairstream.generator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.UUID;

/**
 * Deterministic ids and seeds, so that a re-delivered flagged prompt gives the same pair id, record id and seed.
 *
 * <p>Each id is a name-based UUID (version 3) of its fields, each written with its UTF-8 length in front, so that no
 * choice of field values can make two different field lists produce the same name.
 */
public final class PairIds {

    private PairIds() {
    }

    /** Derives the pair id of a flagged prompt from the base model, the catalog version and the prompt id. */
    public static String pairId(String baseModelId, String catalogVersion, String promptId) {
        return nameUuid("erasure-pair", baseModelId, catalogVersion, promptId);
    }

    /** Derives the record id of the dead letter of the record at the given coordinates in a consumer group. */
    public static String deadLetterId(String groupId, String topic, int partition, long offset) {
        return nameUuid("dead-letter", groupId, topic, Integer.toString(partition), Long.toString(offset));
    }

    /**
     * Derives the sampling seed of a pair: the first 8 bytes of the SHA-256 digest of the pair id, as a non-negative
     * long. Both pictures of the pair use it.
     */
    public static long seed(String pairId) {
        Objects.requireNonNull(pairId, "pairId");
        byte[] digest = sha256().digest(pairId.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong() & Long.MAX_VALUE;
    }

    private static String nameUuid(String kind, String... fields) {
        ByteBuffer name = ByteBuffer.allocate(lengthOf(kind, fields));
        put(name, kind);
        for (int i = 0; i < fields.length; i++) {
            if (fields[i] == null) {
                throw new IllegalArgumentException("field " + i + " of a " + kind + " id is null");
            }
            put(name, fields[i]);
        }
        return UUID.nameUUIDFromBytes(name.array()).toString();
    }

    private static int lengthOf(String kind, String... fields) {
        int length = Integer.BYTES + kind.getBytes(StandardCharsets.UTF_8).length;
        for (String field : fields) {
            length += Integer.BYTES + (field == null ? 0 : field.getBytes(StandardCharsets.UTF_8).length);
        }
        return length;
    }

    private static void put(ByteBuffer name, String field) {
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        name.putInt(bytes.length).put(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The Java runtime has no SHA-256, which every Java SE runtime must have",
                    e);
        }
    }
}
