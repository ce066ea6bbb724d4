package dev.pairstream.erasure.pairing;

import dev.pairstream.erasure.emoji.Concept;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every catalog term of a set of concepts in a character trie, for whole-word, case-insensitive search in time
 * linear in the prompt length times the longest term.
 *
 * <p>A space in a term matches any run of whitespace in the prompt, and a straight apostrophe also matches the
 * typographic apostrophes U+2019 and U+02BC. A word term only matches between word boundaries, where a word char is
 * a letter or a digit, so "gun" is found in "gun's" and "gun-shaped" but not in "gunther". An emoji term matches
 * anywhere, optionally followed by U+FE0F.
 *
 * <p>When two concepts share a surface form, the first in catalog order keeps it, and a singular form always wins
 * over a plural one. Instances are immutable and safe for concurrent use.
 */
final class TermIndex {

    private static final char EMOJI_PRESENTATION = '\uFE0F';

    private final Node root = new Node();
    private final Map<Integer, List<Term>> emojiByFirstCodePoint = new HashMap<>();

    private TermIndex(List<Term> terms) {
        for (Term term : terms) {
            if (term.kind() == MatchKind.EMOJI) {
                emojiByFirstCodePoint.computeIfAbsent(term.text().codePointAt(0), k -> new ArrayList<>()).add(term);
            } else {
                add(term);
            }
        }
    }

    /** Builds the index of the given concepts' terms, in the order the concepts are given. */
    static TermIndex of(List<Concept> concepts) {
        Map<String, Term> bySurface = new LinkedHashMap<>();
        // Singulars first across all concepts, so a plural can never take over a singular's surface form.
        for (Concept concept : concepts) {
            for (CatalogPhrase phrase : phrases(concept)) {
                bySurface.putIfAbsent(phrase.text(), new Term(phrase.text(), concept.id(), phrase.kind(), false,
                        phrase.text(), bySurface.size()));
            }
        }
        // NOTE: a verb in the third person reads like a plural noun, so "a cat smokes" matches "smoke".
        for (Concept concept : concepts) {
            for (CatalogPhrase phrase : phrases(concept)) {
                for (String plural : EnglishPlurals.pluralForms(phrase.text())) {
                    bySurface.putIfAbsent(plural, new Term(plural, concept.id(), phrase.kind(), true, phrase.text(),
                            bySurface.size()));
                }
            }
        }
        List<Term> terms = new ArrayList<>(bySurface.values());
        for (Concept concept : concepts) {
            String emoji = withoutPresentationSelectors(concept.text());
            if (!emoji.isEmpty()) {
                terms.add(new Term(emoji, concept.id(), MatchKind.EMOJI, false, concept.text(), terms.size()));
            }
        }
        return new TermIndex(terms);
    }

    /**
     * Finds the terms in a text: every candidate occurrence, then the longest first, ties broken by the earlier
     * start and then by index order, each kept unless it overlaps one already kept.
     *
     * @return spans sorted by start, never overlapping
     */
    List<ConceptSpan> find(String text) {
        List<Candidate> candidates = new ArrayList<>();
        collectWordTerms(text, candidates);
        collectEmoji(text, candidates);
        candidates.sort(Comparator.comparingInt((Candidate candidate) -> -candidate.span().length())
                .thenComparingInt(candidate -> candidate.span().start())
                .thenComparingInt(Candidate::order));

        TreeMap<Integer, ConceptSpan> selected = new TreeMap<>();
        for (Candidate candidate : candidates) {
            ConceptSpan span = candidate.span();
            Map.Entry<Integer, ConceptSpan> before = selected.floorEntry(span.start());
            Map.Entry<Integer, ConceptSpan> after = selected.ceilingEntry(span.start());
            boolean free = (before == null || !before.getValue().overlaps(span))
                    && (after == null || !after.getValue().overlaps(span));
            if (free) {
                selected.put(span.start(), span);
            }
        }
        return List.copyOf(selected.values());
    }

    private void collectWordTerms(String text, List<Candidate> candidates) {
        int length = text.length();
        for (int start = 0; start < length; start++) {
            if (!isWordStart(text, start)) {
                continue;
            }
            Node node = root;
            int position = start;
            while (node != null && position < length) {
                char c = text.charAt(position);
                if (isSpace(c)) {
                    node = node.children.get(' ');
                    while (position < length && isSpace(text.charAt(position))) {
                        position++;
                    }
                } else {
                    node = node.children.get(fold(c));
                    position++;
                }
                if (node != null && node.term != null && isWordEnd(text, position)) {
                    candidates.add(node.term.at(text, start, position));
                }
            }
        }
    }

    private void collectEmoji(String text, List<Candidate> candidates) {
        if (emojiByFirstCodePoint.isEmpty()) {
            return;
        }
        for (int position = 0; position < text.length(); ) {
            int codePoint = text.codePointAt(position);
            for (Term term : emojiByFirstCodePoint.getOrDefault(codePoint, List.of())) {
                int end = matchEmoji(text, position, term.text());
                if (end > 0) {
                    candidates.add(term.at(text, position, end));
                }
            }
            position += Character.charCount(codePoint);
        }
    }

    /** Returns the end of the emoji at {@code start}, presentation selectors included, or -1 if it is not there. */
    private static int matchEmoji(String text, int start, String emoji) {
        int position = start;
        for (int i = 0; i < emoji.length(); i++) {
            if (position >= text.length() || text.charAt(position) != emoji.charAt(i)) {
                return -1;
            }
            position++;
            // The selector is optional after every code point, so both 🗡 and 🗡️ match.
            boolean endOfCodePoint = !Character.isHighSurrogate(emoji.charAt(i));
            if (endOfCodePoint && position < text.length() && text.charAt(position) == EMOJI_PRESENTATION) {
                position++;
            }
        }
        return position;
    }

    private void add(Term term) {
        Node node = root;
        for (int i = 0; i < term.text().length(); i++) {
            node = node.children.computeIfAbsent(term.text().charAt(i), k -> new Node());
        }
        if (node.term == null) {
            node.term = term;
        }
    }

    private static List<CatalogPhrase> phrases(Concept concept) {
        List<CatalogPhrase> phrases = new ArrayList<>();
        concept.shortNames().forEach(text -> phrases.add(new CatalogPhrase(text, MatchKind.SHORT_NAME)));
        concept.synonyms().forEach(text -> phrases.add(new CatalogPhrase(text, MatchKind.SYNONYM)));
        concept.heldOutPhrases().forEach(text -> phrases.add(new CatalogPhrase(text, MatchKind.HELD_OUT_PHRASE)));
        phrases.add(new CatalogPhrase(concept.unicodeName().toLowerCase(Locale.ROOT), MatchKind.UNICODE_NAME));
        return phrases;
    }

    private static String withoutPresentationSelectors(String emoji) {
        return emoji.replace(String.valueOf(EMOJI_PRESENTATION), "");
    }

    private static boolean isWordStart(String text, int index) {
        return isWordChar(text.codePointAt(index)) && (index == 0 || !isWordChar(text.codePointBefore(index)));
    }

    private static boolean isWordEnd(String text, int index) {
        return index == text.length() || !isWordChar(text.codePointAt(index));
    }

    private static boolean isWordChar(int codePoint) {
        return Character.isLetterOrDigit(codePoint);
    }

    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /** Folds one char for comparison: lower case, which never changes the char count, and one apostrophe. */
    private static char fold(char c) {
        if (c == '\u2019' || c == '\u02BC') {
            return '\'';
        }
        return Character.toLowerCase(c);
    }

    private record CatalogPhrase(String text, MatchKind kind) {
    }

    /** One surface form; {@code order} breaks ties between equally long candidates at the same start. */
    private record Term(String text, String conceptId, MatchKind kind, boolean plural, String phrase, int order) {

        Candidate at(String prompt, int start, int end) {
            return new Candidate(new ConceptSpan(start, end, prompt.substring(start, end), conceptId, kind, plural,
                    phrase), order);
        }
    }

    private record Candidate(ConceptSpan span, int order) {
    }

    private static final class Node {
        private final Map<Character, Node> children = new HashMap<>(4);
        private Term term;
    }
}
