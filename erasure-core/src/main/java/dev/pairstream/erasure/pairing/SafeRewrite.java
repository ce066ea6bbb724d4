package dev.pairstream.erasure.pairing;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The safe counterpart of one prompt, or the reason there is none.
 *
 * <p>Only a {@link RewriteStatus#REWRITTEN} result has a safe prompt, replacements and an edit distance. Every other
 * status has a reason, and {@link RewriteStatus#UNSAFE_TERMS_REMAIN} also lists the terms found in the rejected
 * rewrite.
 *
 * @param unsafePrompt        the prompt as given
 * @param status              whether a safe prompt was written, and if not, why
 * @param safePrompt          the rewrite; null unless the status is REWRITTEN
 * @param replacements        the replaced spans, sorted by start; empty unless the status is REWRITTEN
 * @param editDistance        character-level Levenshtein distance from the unsafe to the safe prompt; present only
 *                            when REWRITTEN
 * @param embeddingSimilarity cosine similarity of the two prompts' sentence embeddings; present only when
 *                            REWRITTEN and the writer has a text encoder
 * @param match               the matcher's result the rewrite started from
 * @param remainingTerms      unsafe terms found in the rejected rewrite; empty unless UNSAFE_TERMS_REMAIN
 * @param catalogVersion      version of the concept catalog that chose the terms and anchors
 * @param reason              why there is no safe prompt; null when REWRITTEN
 */
public record SafeRewrite(String unsafePrompt, RewriteStatus status, String safePrompt,
        List<Replacement> replacements, OptionalInt editDistance, OptionalDouble embeddingSimilarity,
        ConceptMatch match, List<ConceptSpan> remainingTerms, String catalogVersion, String reason) {

    /** Validates that the fields agree with the status. */
    public SafeRewrite {
        Objects.requireNonNull(unsafePrompt, "unsafePrompt");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(editDistance, "editDistance");
        Objects.requireNonNull(embeddingSimilarity, "embeddingSimilarity");
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(catalogVersion, "catalogVersion");
        replacements = List.copyOf(replacements);
        remainingTerms = List.copyOf(remainingTerms);
        boolean rewritten = status == RewriteStatus.REWRITTEN;
        if (rewritten != (safePrompt != null) || rewritten != editDistance.isPresent()
                || rewritten == (reason != null) || rewritten == replacements.isEmpty()
                || (!rewritten && embeddingSimilarity.isPresent())) {
            throw new IllegalArgumentException("a " + status + " rewrite needs "
                    + (rewritten ? "a safe prompt, replacements and an edit distance, and no reason"
                            : "a reason, and no safe prompt, replacements, edit distance or similarity"));
        }
        if ((status == RewriteStatus.UNSAFE_TERMS_REMAIN) == remainingTerms.isEmpty()) {
            throw new IllegalArgumentException("remaining terms are listed exactly when the status is "
                    + RewriteStatus.UNSAFE_TERMS_REMAIN + ", but status is " + status + " with "
                    + remainingTerms.size() + " terms");
        }
    }

    /** Returns whether a safe prompt was written. */
    public boolean isRewritten() {
        return status == RewriteStatus.REWRITTEN;
    }

    /** Returns the ids of the concepts found in the unsafe prompt, as {@link ConceptMatch#conceptIds()} orders them. */
    public List<String> conceptIds() {
        return match.conceptIds();
    }

    /** Returns the ids of the anchors that replaced them, without repeats, in span order; empty unless REWRITTEN. */
    public List<String> anchorConceptIds() {
        Set<String> ids = new LinkedHashSet<>();
        replacements.forEach(replacement -> ids.add(replacement.anchorConceptId()));
        return List.copyOf(ids);
    }
}
