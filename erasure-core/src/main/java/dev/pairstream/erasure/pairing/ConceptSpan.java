package dev.pairstream.erasure.pairing;

import java.util.Objects;

/**
 * One occurrence of an unsafe concept's catalog term in a prompt.
 *
 * @param start     index of the first UTF-16 char of the occurrence in the prompt
 * @param end       index one past the last char, so {@code prompt.substring(start, end)} is {@code text}
 * @param text      the occurrence as the prompt spells it, case and whitespace kept
 * @param conceptId id of the UNSAFE concept the term belongs to
 * @param kind      the catalog field the term came from
 * @param plural    whether the occurrence is the plural form of the catalog phrase
 * @param phrase    the catalog phrase in its singular form, such as {@code knife} for the text {@code Knives}, or
 *                  for an EMOJI match the concept's emoji as the catalog spells it
 */
public record ConceptSpan(int start, int end, String text, String conceptId, MatchKind kind, boolean plural,
        String phrase) {

    /** Validates the span: a non-empty range whose length equals the text's. */
    public ConceptSpan {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(conceptId, "conceptId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(phrase, "phrase");
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("span [" + start + ", " + end + ") is invalid; expected"
                    + " 0 <= start < end");
        }
        if (text.length() != end - start) {
            throw new IllegalArgumentException("span [" + start + ", " + end + ") has " + (end - start)
                    + " chars but its text \"" + text + "\" has " + text.length());
        }
    }

    /** Returns the number of chars the span covers. */
    public int length() {
        return end - start;
    }

    /** Returns whether this span shares at least one char with the other. */
    public boolean overlaps(ConceptSpan other) {
        return start < other.end && other.start < end;
    }
}
