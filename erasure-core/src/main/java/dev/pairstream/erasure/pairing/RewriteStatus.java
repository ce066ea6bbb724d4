package dev.pairstream.erasure.pairing;

/**
 * The result of {@link SafeCounterpartWriter#write}, and what the pair generator does with it.
 *
 * <p>Only {@link #REWRITTEN} carries a safe prompt. The pair generator turns every other status into a dead
 * letter, except that it may publish a {@link #NO_SPAN_TO_REPLACE} prompt as a text-only record for the concepts
 * that the similarity found.
 */
public enum RewriteStatus {
    /** Every matched span was replaced and the result contains no unsafe term. */
    REWRITTEN,
    /** The concepts were found by sentence similarity only, so there is no span a minimal edit could replace. */
    NO_SPAN_TO_REPLACE,
    /** The prompt names no known unsafe concept. */
    UNMATCHED,
    /** The replaced prompt still contains an unsafe term, so it is not safe; the catalog needs fixing. */
    UNSAFE_TERMS_REMAIN
}
