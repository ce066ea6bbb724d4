package dev.pairstream.erasure.pairing;

import dev.pairstream.erasure.emoji.CaptionGenerator;
import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.Role;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import dev.pairstream.erasure.text.TextEncoder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Finds the unsafe concepts of the catalog in a prompt.
 *
 * <p>First by catalog terms: the short names, synonyms, held-out phrases and lower-case Unicode name of every UNSAFE
 * concept, each also in its plural, and the emoji character itself. Terms match as whole words, case-insensitively,
 * several per prompt, the longest first (see {@link TermIndex} for the exact rules).
 *
 * <p>Only when no term occurs, and only with a text encoder, the prompt's sentence embedding is compared with each
 * unsafe concept's {@linkplain #descriptions(Concept) descriptions}. Every concept whose cosine similarity reaches the
 * threshold is a semantic match, which has no span. Otherwise the prompt is unmatched, with the reason.
 *
 * <p>Instances are immutable and safe for concurrent use when the encoder is.
 */
public final class ConceptMatcher {

    /**
     * Default similarity threshold of the fallback, for all-MiniLM-L6-v2 and the default catalog 1.0.0. It was
     * measured by {@link SimilarityCalibration} over all 2,160 captions of {@link CatalogCaptions}. The highest
     * similarity of a safe caption to an unsafe concept is 0.718, a thumbs-up caption against the middle finger, and
     * the highest NEUTRAL one is 0.616, so 0.72 keeps every safe catalog caption below the threshold. The unsafe
     * captions score at least 0.414 against their own concept, and 60.2% of them reach 0.72. The threshold favours
     * precision because a semantic match cannot be minimally edited anyway. The int8 export
     * ({@link MiniLmTextEncoder.Variant#QUANTIZED}) gives the same threshold: its highest safe caption scores 0.716
     * (a thumbs-up caption), and 56.5% of the unsafe captions reach 0.72. Measure again after changing the
     * catalog or the model ({@code SimilarityCalibration [full|quantized]}).
     */
    public static final double DEFAULT_SIMILARITY_THRESHOLD = 0.72;

    /** Maximum prompt length in UTF-16 chars; longer input is rejected rather than scanned. */
    public static final int MAX_PROMPT_LENGTH = 1 << 20;

    private final ConceptCatalog catalog;
    private final TermIndex terms;
    private final TextEncoder encoder;
    private final double threshold;
    private final DescriptionIndex descriptions;

    /** Creates a matcher that uses catalog terms only; a prompt without a term is unmatched. */
    public ConceptMatcher(ConceptCatalog catalog) {
        this(catalog, null, DEFAULT_SIMILARITY_THRESHOLD);
    }

    /** Creates a matcher with the similarity fallback at {@link #DEFAULT_SIMILARITY_THRESHOLD}. */
    public ConceptMatcher(ConceptCatalog catalog, TextEncoder encoder) {
        this(catalog, Objects.requireNonNull(encoder, "encoder"), DEFAULT_SIMILARITY_THRESHOLD);
    }

    /**
     * Creates a matcher with the similarity fallback at the given threshold. Embeds every description of every unsafe
     * concept once, here.
     *
     * @param encoder   the encoder for the fallback, or null to use catalog terms only
     * @param threshold the lowest cosine similarity that counts as a match, within (-1, 1]
     * @throws IllegalArgumentException when the threshold is out of range or the catalog has no UNSAFE concept
     */
    public ConceptMatcher(ConceptCatalog catalog, TextEncoder encoder, double threshold) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        if (!(threshold > -1 && threshold <= 1)) {
            throw new IllegalArgumentException("similarity threshold " + threshold + " is invalid; expected a cosine"
                    + " similarity within (-1, 1]");
        }
        List<Concept> unsafe = catalog.concepts(Role.UNSAFE);
        if (unsafe.isEmpty()) {
            throw new IllegalArgumentException("catalog " + catalog.version() + " has no UNSAFE concept to match");
        }
        this.terms = TermIndex.of(unsafe);
        this.encoder = encoder;
        this.threshold = threshold;
        this.descriptions = encoder == null ? null : new DescriptionIndex(unsafe, encoder);
    }

    /**
     * Returns the descriptions of a concept that the similarity fallback compares a prompt with: one sentence
     * "a picture of a(n) PHRASE" per catalog phrase (short names, synonyms, then held-out phrases, without repeats).
     * Scoring each phrase on its own and keeping the best separates the catalog's captions better than one
     * comma-separated sentence of all phrases. With all-MiniLM-L6-v2 and catalog 1.0.0, 60% of the unsafe captions
     * score above every safe one this way, against 23% with the single sentence.
     */
    public static List<String> descriptions(Concept concept) {
        Set<String> phrases = new LinkedHashSet<>(concept.shortNames());
        phrases.addAll(concept.synonyms());
        phrases.addAll(concept.heldOutPhrases());
        return phrases.stream()
                .map(phrase -> "a picture of " + CaptionGenerator.indefiniteArticle(phrase) + " " + phrase)
                .toList();
    }

    /** Returns the catalog whose concepts this matcher finds. */
    public ConceptCatalog catalog() {
        return catalog;
    }

    /** Returns whether the similarity fallback is on, that is, whether a text encoder was given. */
    public boolean hasSimilarityFallback() {
        return encoder != null;
    }

    /** Returns the lowest cosine similarity that the fallback counts as a match. */
    public double similarityThreshold() {
        return threshold;
    }

    /**
     * Finds the unsafe concepts of a prompt: by catalog terms, then, if none occurs, by similarity.
     *
     * @throws IllegalArgumentException when the prompt is null, blank or longer than {@link #MAX_PROMPT_LENGTH}
     */
    public ConceptMatch match(String prompt) {
        List<ConceptSpan> spans = findTerms(prompt);
        if (!spans.isEmpty()) {
            return ConceptMatch.ofTerms(prompt, spans);
        }
        if (encoder == null) {
            return withoutFallback(prompt);
        }
        return bySimilarity(prompt, descriptions.rank(prompt));
    }

    private static ConceptMatch withoutFallback(String prompt) {
        return ConceptMatch.unmatched(prompt, "no catalog term of an UNSAFE concept occurs in the prompt, and the"
                + " similarity fallback is off because the matcher has no text encoder");
    }

    /**
     * Finds the unsafe concepts of several prompts, each as {@link #match(String)} would. The prompts without a
     * catalog term are embedded in one request (see {@link MiniLmTextEncoder#sentenceEmbeddings(List)}), so the
     * encoder's sentence workers can run them side by side.
     *
     * @return one match per prompt, in order
     * @throws IllegalArgumentException when the list is null, or a prompt is null, blank or longer than
     *                                  {@link #MAX_PROMPT_LENGTH}, with the prompt's index in the message
     */
    public List<ConceptMatch> matchAll(List<String> prompts) {
        if (prompts == null) {
            throw new IllegalArgumentException("prompts must not be null; expected a list of flagged prompts");
        }
        for (int i = 0; i < prompts.size(); i++) {
            try {
                requirePrompt(prompts.get(i));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("prompts[" + i + "]: " + e.getMessage(), e);
            }
        }
        ConceptMatch[] matches = new ConceptMatch[prompts.size()];
        List<Integer> withoutTerms = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            List<ConceptSpan> spans = terms.find(prompts.get(i));
            if (!spans.isEmpty()) {
                matches[i] = ConceptMatch.ofTerms(prompts.get(i), spans);
            } else if (encoder == null) {
                matches[i] = withoutFallback(prompts.get(i));
            } else {
                withoutTerms.add(i);
            }
        }
        if (!withoutTerms.isEmpty()) {
            List<float[]> embeddings = SentenceEmbeddings.embedAll(encoder,
                    withoutTerms.stream().map(prompts::get).toList());
            for (int k = 0; k < withoutTerms.size(); k++) {
                int i = withoutTerms.get(k);
                matches[i] = bySimilarity(prompts.get(i), descriptions.rank(embeddings.get(k)));
            }
        }
        return List.of(matches);
    }

    /**
     * Finds the catalog terms of unsafe concepts in a text, without the similarity fallback.
     *
     * @return the spans sorted by start, never overlapping; empty when no term occurs
     * @throws IllegalArgumentException when the text is null, blank or longer than {@link #MAX_PROMPT_LENGTH}
     */
    public List<ConceptSpan> findTerms(String text) {
        requirePrompt(text);
        return terms.find(text);
    }

    /**
     * Finds the catalog terms in a text without the length limit, for checking a rewrite, which may be a little
     * longer than the prompt it came from.
     */
    List<ConceptSpan> findTermsInRewrite(String text) {
        return terms.find(text);
    }

    private ConceptMatch bySimilarity(String prompt, List<SemanticMatch> scores) {
        List<SemanticMatch> matches = scores.stream().filter(score -> score.similarity() >= threshold).toList();
        if (!matches.isEmpty()) {
            return ConceptMatch.ofSimilarity(prompt, matches);
        }
        SemanticMatch best = scores.get(0);
        String reason = String.format(Locale.ROOT, "no catalog term of an UNSAFE concept occurs in the prompt, and its"
                + " highest sentence similarity, %.3f to concept \"%s\", is below the threshold %.3f",
                best.similarity(), best.conceptId(), threshold);
        return ConceptMatch.unmatched(prompt, best, reason);
    }

    private static void requirePrompt(String prompt) {
        if (prompt == null) {
            throw new IllegalArgumentException("prompt must not be null; expected the text of a flagged prompt");
        }
        if (prompt.isBlank()) {
            throw new IllegalArgumentException("prompt is " + (prompt.isEmpty() ? "empty" : "blank (only whitespace)")
                    + "; expected the text of a flagged prompt");
        }
        if (prompt.length() > MAX_PROMPT_LENGTH) {
            throw new IllegalArgumentException("prompt has " + prompt.length() + " chars; expected at most "
                    + MAX_PROMPT_LENGTH);
        }
    }
}
