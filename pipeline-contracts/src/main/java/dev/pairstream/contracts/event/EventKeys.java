package dev.pairstream.contracts.event;

import dev.pairstream.contracts.RecordChecks;
import java.util.Collection;
import java.util.TreeSet;

/**
 * Record keys derived from envelope fields.
 *
 * <p>The concept-set key is {@code <baseModelId>|<conceptId>,<conceptId>...} with the concept ids sorted, so
 * the same base model and concept set always map to the same key, whatever the order of the concept list.
 * Base model ids therefore may not contain {@code '|'}, and concept ids may contain neither {@code '|'} nor
 * {@code ','} nor whitespace.
 */
public final class EventKeys {

    /** Separator between the base model id and the concept ids in a concept-set key. */
    public static final char KEY_SEPARATOR = '|';

    /** Separator between the concept ids in a concept-set key. */
    public static final char CONCEPT_SEPARATOR = ',';

    private EventKeys() {
    }

    /**
     * Builds the concept-set key of a base model and a non-empty set of concepts, the key of the compacted
     * promoted-adapters topic.
     *
     * @throws IllegalArgumentException when an id is blank or contains a separator, or the concept set is empty
     */
    public static String conceptSetKey(String baseModelId, Collection<String> conceptIds) {
        if (baseModelId == null || baseModelId.isBlank() || baseModelId.indexOf(KEY_SEPARATOR) >= 0) {
            throw new IllegalArgumentException(
                    "baseModelId must be non-blank without '" + KEY_SEPARATOR + "' but was '" + baseModelId + "'");
        }
        if (conceptIds == null || conceptIds.isEmpty()) {
            throw new IllegalArgumentException("conceptIds must not be empty for a concept-set key");
        }
        RecordChecks check = RecordChecks.forType("ConceptSetKey");
        TreeSet<String> sorted = new TreeSet<>();
        for (String conceptId : conceptIds) {
            checkConceptId(check, "conceptIds", conceptId);
            sorted.add(conceptId);
        }
        return baseModelId + KEY_SEPARATOR + String.join(String.valueOf(CONCEPT_SEPARATOR), sorted);
    }

    /** Checks one concept id against the characters that the concept-set key reserves. */
    static void checkConceptId(RecordChecks check, String field, String conceptId) {
        check.nonBlank(field, conceptId);
        for (int i = 0; i < conceptId.length(); i++) {
            char c = conceptId.charAt(i);
            if (c == KEY_SEPARATOR || c == CONCEPT_SEPARATOR || Character.isWhitespace(c)) {
                throw check.invalid(field, "must not contain whitespace, '" + KEY_SEPARATOR + "' or '"
                        + CONCEPT_SEPARATOR + "' but was '" + conceptId + "'");
            }
        }
    }
}
