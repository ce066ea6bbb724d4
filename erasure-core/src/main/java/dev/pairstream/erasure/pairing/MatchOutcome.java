package dev.pairstream.erasure.pairing;

/** The way {@link ConceptMatcher} found the unsafe concepts of a prompt, if it found any. */
public enum MatchOutcome {
    /** At least one catalog term occurs in the prompt, and the spans give its position. */
    TERMS,
    /** No term occurs, but the prompt's sentence embedding is close enough to at least one concept's description. */
    SEMANTIC,
    /** The prompt names no known unsafe concept; the match carries the reason. */
    UNMATCHED
}
