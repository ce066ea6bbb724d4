package dev.pairstream.erasure.fisher;

import java.util.Objects;

/**
 * The identity of a Fisher estimate: the base model whose gradients it measures, the concept, and the half of the
 * concept's pairs it was computed on. Only estimates with equal keys can be merged.
 *
 * @param baseModelId the id of the base model checkpoint
 * @param conceptId   the id of the concept being erased
 * @param half        the half of the pairs
 */
public record FisherKey(String baseModelId, String conceptId, PairHalf half) {

    /** The maximum length of an id, in characters. */
    public static final int MAX_ID_LENGTH = 256;

    /**
     * Validates the key.
     *
     * @throws IllegalArgumentException when an id is blank, longer than {@value #MAX_ID_LENGTH} characters or
     *                                  contains a control character
     */
    public FisherKey {
        requireId(baseModelId, "baseModelId");
        requireId(conceptId, "conceptId");
        Objects.requireNonNull(half, "half");
    }

    private static void requireId(String id, String field) {
        Objects.requireNonNull(id, field);
        if (id.isBlank() || id.length() > MAX_ID_LENGTH || id.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("Invalid " + field + " \"" + id + "\"; expected 1 to " + MAX_ID_LENGTH
                    + " characters, not all blank and without control characters");
        }
    }

    @Override
    public String toString() {
        return "base model " + baseModelId + ", concept " + conceptId + ", " + half.id() + " half";
    }
}
