package dev.pairstream.erasure.pairing;

import java.util.Objects;

/**
 * One span of a prompt replaced with its concept's safe anchor.
 *
 * @param span            the unsafe occurrence in the original prompt
 * @param anchorConceptId id of the ANCHOR concept whose phrase replaced it
 * @param text            the replacement, in the span's number and case, such as {@code Spoons}
 * @param articleFixed    whether the indefinite article in front of the span changed, as "an axe" to "a hammer"
 */
public record Replacement(ConceptSpan span, String anchorConceptId, String text, boolean articleFixed) {

    /** Validates the fields. */
    public Replacement {
        Objects.requireNonNull(span, "span");
        Objects.requireNonNull(anchorConceptId, "anchorConceptId");
        Objects.requireNonNull(text, "text");
        if (text.isBlank()) {
            throw new IllegalArgumentException("the replacement of " + span + " is blank; expected the anchor's"
                    + " phrase");
        }
    }
}
