package dev.pairstream.generator;

import dev.pairstream.erasure.pairing.SafeCounterpartWriter;
import dev.pairstream.erasure.pairing.SafeRewrite;
import java.util.List;
import java.util.Objects;

/**
 * Rewrites a prompt by replacing only the unsafe spans with their catalog anchors (see {@link SafeCounterpartWriter}).
 */
public final class MinimalEditRewriter implements SafePromptRewriter {

    private final SafeCounterpartWriter writer;

    /** Creates the rewriter over a writer, whose matcher finds the spans. */
    public MinimalEditRewriter(SafeCounterpartWriter writer) {
        this.writer = Objects.requireNonNull(writer, "writer");
    }

    @Override
    public String name() {
        return SafeCounterpartWriter.NAME;
    }

    @Override
    public SafeRewrite rewrite(String prompt) {
        return writer.write(prompt);
    }

    @Override
    public List<SafeRewrite> rewriteAll(List<String> prompts) {
        return writer.writeAll(prompts);
    }
}
