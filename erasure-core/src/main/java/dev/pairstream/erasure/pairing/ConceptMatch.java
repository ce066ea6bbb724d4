package dev.pairstream.erasure.pairing;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The unsafe concepts {@link ConceptMatcher} found in one prompt.
 *
 * <p>A {@link MatchOutcome#TERMS} match has spans, sorted by start and never overlapping. A
 * {@link MatchOutcome#SEMANTIC} match has no spans, only concepts with their similarity, the highest first. An
 * {@link MatchOutcome#UNMATCHED} result has neither and gives the cause in {@code reason}. When the similarity
 * fallback ran, it also names the closest concept, below the threshold.
 *
 * @param prompt          the prompt as given
 * @param outcome         how the concepts were found
 * @param spans           term occurrences, sorted by start; empty unless the outcome is TERMS
 * @param semanticMatches concepts by similarity, highest first; empty unless the outcome is SEMANTIC
 * @param closest         the most similar concept, below the threshold; null unless the outcome is UNMATCHED and
 *                        the similarity fallback ran
 * @param reason          why nothing matched; null unless the outcome is UNMATCHED
 */
public record ConceptMatch(String prompt, MatchOutcome outcome, List<ConceptSpan> spans,
        List<SemanticMatch> semanticMatches, SemanticMatch closest, String reason) {

    /** Validates that the fields agree with the outcome. */
    public ConceptMatch {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(outcome, "outcome");
        spans = List.copyOf(spans);
        semanticMatches = List.copyOf(semanticMatches);
        boolean consistent = switch (outcome) {
            case TERMS -> !spans.isEmpty() && semanticMatches.isEmpty() && reason == null;
            case SEMANTIC -> spans.isEmpty() && !semanticMatches.isEmpty() && reason == null;
            case UNMATCHED -> spans.isEmpty() && semanticMatches.isEmpty() && reason != null && !reason.isBlank();
        };
        if (closest != null && outcome != MatchOutcome.UNMATCHED) {
            throw new IllegalArgumentException("only an UNMATCHED result names a closest concept, but a " + outcome
                    + " match names " + closest);
        }
        if (!consistent) {
            throw new IllegalArgumentException("a " + outcome + " match needs " + expectedFields(outcome)
                    + ", got " + spans.size() + " spans, " + semanticMatches.size() + " semantic matches and reason "
                    + reason);
        }
        for (int i = 1; i < spans.size(); i++) {
            if (spans.get(i).start() < spans.get(i - 1).end()) {
                throw new IllegalArgumentException("spans must be sorted by start and must not overlap, but "
                        + spans.get(i - 1) + " is followed by " + spans.get(i));
            }
        }
    }

    /** Creates a match of catalog terms. */
    public static ConceptMatch ofTerms(String prompt, List<ConceptSpan> spans) {
        return new ConceptMatch(prompt, MatchOutcome.TERMS, spans, List.of(), null, null);
    }

    /** Creates a match by sentence similarity alone. */
    public static ConceptMatch ofSimilarity(String prompt, List<SemanticMatch> semanticMatches) {
        return new ConceptMatch(prompt, MatchOutcome.SEMANTIC, List.of(), semanticMatches, null, null);
    }

    /** Creates the result for a prompt that names no known unsafe concept, found without the similarity fallback. */
    public static ConceptMatch unmatched(String prompt, String reason) {
        return new ConceptMatch(prompt, MatchOutcome.UNMATCHED, List.of(), List.of(), null, reason);
    }

    /** Creates the result for a prompt whose closest concept stayed below the similarity threshold. */
    public static ConceptMatch unmatched(String prompt, SemanticMatch closest, String reason) {
        return new ConceptMatch(prompt, MatchOutcome.UNMATCHED, List.of(), List.of(),
                Objects.requireNonNull(closest, "closest"), reason);
    }

    /** Returns whether at least one unsafe concept was found, by term or by similarity. */
    public boolean matched() {
        return outcome != MatchOutcome.UNMATCHED;
    }

    /** Returns the ids of the concepts found, without repeats: in span order for TERMS, by similarity for SEMANTIC. */
    public List<String> conceptIds() {
        Set<String> ids = new LinkedHashSet<>();
        spans.forEach(span -> ids.add(span.conceptId()));
        semanticMatches.forEach(match -> ids.add(match.conceptId()));
        return List.copyOf(ids);
    }

    private static String expectedFields(MatchOutcome outcome) {
        return switch (outcome) {
            case TERMS -> "at least one span, no semantic matches and no reason";
            case SEMANTIC -> "no spans, at least one semantic match and no reason";
            case UNMATCHED -> "no spans, no semantic matches and a non-blank reason";
        };
    }
}
