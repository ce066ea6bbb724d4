package dev.pairstream.generator;

import dev.pairstream.erasure.pairing.SafeRewrite;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * Rewrites several prompts, each as {@link #rewrite(String)} would; the pair generator calls this once per
     * consumer batch. The default rewrites the prompts one by one; an implementation that can share work across
     * prompts, such as sentence embeddings, overrides it.
     *
     * @return one rewrite per prompt, in order
     * @throws IllegalArgumentException when a prompt is blank or too long for the matcher
     */
    default List<SafeRewrite> rewriteAll(List<String> prompts) {
        List<SafeRewrite> rewrites = new ArrayList<>(prompts.size());
        for (String prompt : prompts) {
            rewrites.add(rewrite(prompt));
        }
        return rewrites;
    }
}
