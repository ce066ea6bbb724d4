package dev.pairstream.generator;

import dev.pairstream.erasure.pairing.SafeRewrite;

/**
 * Writes the safe counterpart of a flagged prompt.
 *
 * <p>{@link MinimalEditRewriter} is the only implementation. An LLM rewriter behind an OpenAI-compatible chat
 * endpoint would implement this interface too, and fall back to the minimal edit on a timeout, a refusal or a result
 * that still contains an unsafe term.
 */
public interface SafePromptRewriter {

    /** Returns the name written to the {@code rewriter} field of each pair. */
    String name();

    /**
     * Matches the unsafe concepts of a prompt and rewrites it.
     *
     * @throws IllegalArgumentException when the prompt is blank or too long for the matcher
     */
    SafeRewrite rewrite(String prompt);
}
