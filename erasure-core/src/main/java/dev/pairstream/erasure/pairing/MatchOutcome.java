package dev.pairstream.erasure.pairing;

/** How {@link ConceptMatcher} found the unsafe concepts of a prompt, if at all. */
public enum MatchOutcome {
    /** At least one catalog term occurs in the prompt; the spans say where. */
    TERMS,
    /** No term occurs, but the prompt's sentence embedding is close enough to at least one concept's description. */
    SEMANTIC,
    /** The prompt names no known unsafe concept; the match carries the reason. */
    UNMATCHED
}
