package dev.pairstream.erasure.pairing;

import dev.pairstream.erasure.emoji.CaptionGenerator;
import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.text.TextEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * Writes the safe counterpart of a flagged prompt by a minimal edit: each matched span becomes the first short name
 * of its concept's safe anchor, and every other character stays as it was.
 *
 * <p>The replacement takes the span's number ("knives" becomes "spoons") and case: all capitals when the span is
 * all capitals, a capital first letter when the span has one. An emoji span becomes the anchor's emoji. An
 * indefinite article right in front of a singular span, separated from it only by whitespace, is changed to suit
 * the replacement ("an axe" becomes "a hammer", "a pill" becomes "a candy" and "a gun" becomes "a flashlight").
 *
 * <p>The result is checked again with the matcher's terms. A rewrite that still contains an unsafe term is
 * {@link RewriteStatus#UNSAFE_TERMS_REMAIN} and never carries a safe prompt. A match found by similarity alone has
 * no span, so it is {@link RewriteStatus#NO_SPAN_TO_REPLACE}; the pair generator turns it into a dead letter or a
 * text-only record.
 *
 * <p>Instances are immutable and safe for concurrent use when the encoders are.
 */
public final class SafeCounterpartWriter {

    /** Name of this rewriter, for the {@code rewriter} field of an erasure pair. */
    public static final String NAME = "catalog-anchor-minimal-edit";

    private final ConceptMatcher matcher;
    private final ConceptCatalog catalog;
    private final TextEncoder encoder;

    /** Creates a writer that reports no embedding similarity. */
    public SafeCounterpartWriter(ConceptMatcher matcher) {
        this(matcher, null);
    }

    /**
     * Creates a writer.
     *
     * @param matcher finds the spans to replace and checks the result
     * @param encoder computes the sentence similarity of the two prompts, or null to leave it out
     */
    public SafeCounterpartWriter(ConceptMatcher matcher, TextEncoder encoder) {
        this.matcher = Objects.requireNonNull(matcher, "matcher");
        this.catalog = matcher.catalog();
        this.encoder = encoder;
    }

    /** Returns the matcher that finds the spans and checks the result. */
    public ConceptMatcher matcher() {
        return matcher;
    }

    /**
     * Matches a prompt and writes its safe counterpart.
     *
     * @throws IllegalArgumentException when the prompt is null, blank or too long for the matcher
     */
    public SafeRewrite write(String prompt) {
        return writeMatched(List.of(matcher.match(prompt))).get(0);
    }

    /**
     * Matches several prompts and writes their safe counterparts, each as {@link #write(String)} would. The sentence
     * embeddings that the matcher's fallback and the similarity of each rewrite need are requested together, so the
     * encoder's sentence workers can run them side by side.
     *
     * @return one rewrite per prompt, in order
     * @throws IllegalArgumentException when a prompt is null, blank or too long for the matcher
     */
    public List<SafeRewrite> writeAll(List<String> prompts) {
        return writeMatched(matcher.matchAll(prompts));
    }

    /**
     * Writes the safe counterpart of a prompt that the matcher of this writer, or one over the same catalog, already
     * matched.
     *
     * @throws java.util.NoSuchElementException when a span names a concept that this writer's catalog lacks
     */
    public SafeRewrite write(ConceptMatch match) {
        return writeMatched(List.of(Objects.requireNonNull(match, "match"))).get(0);
    }

    private List<SafeRewrite> writeMatched(List<ConceptMatch> matches) {
        SafeRewrite[] rewrites = new SafeRewrite[matches.size()];
        Draft[] drafts = new Draft[matches.size()];
        List<String> compared = new ArrayList<>();
        for (int i = 0; i < matches.size(); i++) {
            ConceptMatch match = matches.get(i);
            switch (match.outcome()) {
                case UNMATCHED -> rewrites[i] = failure(match, RewriteStatus.UNMATCHED, match.reason(), List.of());
                case SEMANTIC -> rewrites[i] = failure(match, RewriteStatus.NO_SPAN_TO_REPLACE, "concepts "
                        + match.conceptIds() + " were found by sentence similarity only, so there is no span to"
                        + " replace; publish a text-only record or a dead letter", List.of());
                case TERMS -> {
                    drafts[i] = draft(match);
                    if (drafts[i].failure() != null) {
                        rewrites[i] = drafts[i].failure();
                    } else {
                        compared.add(match.prompt());
                        compared.add(drafts[i].safe());
                    }
                }
            }
        }
        List<float[]> embeddings = encoder == null || compared.isEmpty() ? List.of()
                : SentenceEmbeddings.embedAll(encoder, compared);
        int next = 0;
        for (int i = 0; i < matches.size(); i++) {
            if (rewrites[i] != null) {
                continue;
            }
            OptionalDouble similarity = OptionalDouble.empty();
            if (encoder != null) {
                similarity = OptionalDouble.of(SentenceEmbeddings.cosine(embeddings.get(next),
                        embeddings.get(next + 1)));
                next += 2;
            }
            String prompt = matches.get(i).prompt();
            String safe = drafts[i].safe();
            rewrites[i] = new SafeRewrite(prompt, RewriteStatus.REWRITTEN, safe, drafts[i].replacements(),
                    OptionalInt.of(EditDistance.levenshtein(prompt, safe)), similarity, matches.get(i), List.of(),
                    catalog.version(), null);
        }
        return List.of(rewrites);
    }

    /** Edits the spans of a term match and checks the result, which the draft contains as the edit or the failure. */
    private Draft draft(ConceptMatch match) {
        String prompt = match.prompt();
        List<Edit> edits = new ArrayList<>();
        List<Replacement> replacements = new ArrayList<>();
        int previousEnd = 0;
        for (ConceptSpan span : match.spans()) {
            Concept anchor = catalog.anchorOf(span.conceptId());
            String text = replacementText(span, anchor);
            boolean articleFixed = false;
            if (!span.plural() && Character.isLetterOrDigit(text.codePointAt(0))) {
                articleFixed = fixArticle(prompt, previousEnd, span.start(), text, edits);
            }
            edits.add(new Edit(span.start(), span.end(), text));
            replacements.add(new Replacement(span, anchor.id(), text, articleFixed));
            previousEnd = span.end();
        }
        String safe = apply(prompt, edits);

        List<ConceptSpan> remaining = matcher.findTermsInRewrite(safe);
        if (!remaining.isEmpty()) {
            String found = remaining.stream()
                    .map(term -> "\"" + term.text() + "\" of concept \"" + term.conceptId() + "\" at " + term.start())
                    .collect(Collectors.joining(", "));
            return new Draft(null, List.of(), failure(match, RewriteStatus.UNSAFE_TERMS_REMAIN, "the rewrite still"
                    + " contains unsafe terms: " + found + "; an anchor phrase of catalog " + catalog.version()
                    + " contains or forms an unsafe term", remaining));
        }
        return new Draft(safe, List.copyOf(replacements), null);
    }

    private SafeRewrite failure(ConceptMatch match, RewriteStatus status, String reason,
            List<ConceptSpan> remaining) {
        return new SafeRewrite(match.prompt(), status, null, List.of(), OptionalInt.empty(), OptionalDouble.empty(),
                match, remaining, catalog.version(), reason);
    }

    private static String replacementText(ConceptSpan span, Concept anchor) {
        if (span.kind() == MatchKind.EMOJI) {
            return anchor.text();
        }
        String phrase = anchor.shortNames().get(0);
        return matchCase(span.plural() ? EnglishPlurals.pluralOf(phrase) : phrase, span.text());
    }

    /**
     * Adds an edit that changes "a" to "an" or back when the word right before the span, after {@code floor}, is an
     * indefinite article that does not suit the replacement.
     */
    private static boolean fixArticle(String prompt, int floor, int spanStart, String replacement, List<Edit> edits) {
        int wordEnd = spanStart;
        while (wordEnd > floor && isSpace(prompt.charAt(wordEnd - 1))) {
            wordEnd--;
        }
        if (wordEnd == spanStart) {
            return false;
        }
        int wordStart = wordEnd;
        while (wordStart > floor && Character.isLetter(prompt.charAt(wordStart - 1))) {
            wordStart--;
        }
        String article = prompt.substring(wordStart, wordEnd);
        boolean isArticle = article.equalsIgnoreCase("a") || article.equalsIgnoreCase("an");
        if (!isArticle || (wordStart > 0 && Character.isLetterOrDigit(prompt.codePointBefore(wordStart)))) {
            return false;
        }
        String needed = CaptionGenerator.indefiniteArticle(replacement);
        if (needed.equalsIgnoreCase(article)) {
            return false;
        }
        edits.add(new Edit(wordStart, wordEnd, matchCase(needed, article)));
        return true;
    }

    /**
     * Returns the lower-case replacement in the case style of the original. An original of two or more letters that
     * are all capitals gives all capitals, and an original that starts with a capital gives a capital first letter.
     * Any other original leaves the replacement unchanged.
     */
    static String matchCase(String replacement, String original) {
        int letters = 0;
        int capitals = 0;
        for (int i = 0; i < original.length(); ) {
            int codePoint = original.codePointAt(i);
            if (Character.isLetter(codePoint)) {
                letters++;
                if (Character.isUpperCase(codePoint)) {
                    capitals++;
                }
            }
            i += Character.charCount(codePoint);
        }
        if (letters >= 2 && capitals == letters) {
            return replacement.toUpperCase(Locale.ROOT);
        }
        if (Character.isUpperCase(original.codePointAt(0))) {
            int first = replacement.codePointAt(0);
            return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                    .append(replacement, Character.charCount(first), replacement.length()).toString();
        }
        return replacement;
    }

    private static String apply(String prompt, List<Edit> edits) {
        StringBuilder safe = new StringBuilder(prompt.length() + 16 * edits.size());
        int copied = 0;
        for (Edit edit : edits) {
            safe.append(prompt, copied, edit.start()).append(edit.text());
            copied = edit.end();
        }
        return safe.append(prompt, copied, prompt.length()).toString();
    }

    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /** The safe prompt and its replacements, or the failure when the edit left an unsafe term. */
    private record Draft(String safe, List<Replacement> replacements, SafeRewrite failure) {
    }

    /** A replacement of the chars [start, end) of the prompt; edits are added in order and never overlap. */
    private record Edit(int start, int end, String text) {
    }
}
