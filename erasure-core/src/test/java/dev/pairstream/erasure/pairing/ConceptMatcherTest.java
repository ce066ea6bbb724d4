package dev.pairstream.erasure.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.pairstream.erasure.emoji.ConceptCatalog;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The term path of the matcher, without a text encoder. */
class ConceptMatcherTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();
    private static final ConceptMatcher MATCHER = new ConceptMatcher(CATALOG);

    @Test
    void kitchenKnifeIsOneSpan() {
        // Given
        String prompt = "a kitchen knife on a blue background, top left";

        // When
        ConceptMatch match = MATCHER.match(prompt);

        // Then: the longer "kitchen knife" wins over "knife"
        assertEquals(MatchOutcome.TERMS, match.outcome());
        assertEquals(List.of(new ConceptSpan(2, 15, "kitchen knife", "kitchen_knife", MatchKind.SHORT_NAME, false,
                "kitchen knife")), match.spans());
        assertEquals(List.of("kitchen_knife"), match.conceptIds());
    }

    @ParameterizedTest
    @CsvSource({
        "knives, kitchen_knife, knife",
        "guns, pistol, gun",
        "pills, pill, pill",
        "daggers, dagger, dagger",
        "axes, axe, axe",
        "skulls, skull, skull",
        "beers, beer_mug, beer",
        "bombs, bomb, bomb",
        "pairs of swords, crossed_swords, pair of swords",
        "glasses of wine, wine_glass, glass of wine",
        "chef's knives, kitchen_knife, chef's knife",
        "cigs, cigarette, cig",
        "crania, skull, cranium",
        "six-shooters, pistol, six-shooter"
    })
    void pluralFormMatchesItsConcept(String plural, String conceptId, String singular) {
        // Given
        String prompt = "two " + plural + " on a table";

        // When
        List<ConceptSpan> spans = MATCHER.findTerms(prompt);

        // Then
        assertEquals(1, spans.size(), () -> "spans of \"" + prompt + "\": " + spans);
        ConceptSpan span = spans.get(0);
        assertEquals(plural, span.text());
        assertEquals(4, span.start());
        assertEquals(conceptId, span.conceptId());
        assertEquals(true, span.plural());
        assertEquals(singular, span.phrase());
    }

    @Test
    void severalSpansAreSortedByStart() {
        // Given
        String prompt = "A gun, two daggers and a skull";

        // When
        List<ConceptSpan> spans = MATCHER.findTerms(prompt);

        // Then
        assertEquals(List.of(
                new ConceptSpan(2, 5, "gun", "pistol", MatchKind.SYNONYM, false, "gun"),
                new ConceptSpan(11, 18, "daggers", "dagger", MatchKind.SHORT_NAME, true, "dagger"),
                new ConceptSpan(25, 30, "skull", "skull", MatchKind.SHORT_NAME, false, "skull")), spans);
    }

    @Test
    void partialWordsNeverMatch() {
        // Given: "gun", "skull", "pill" and "axe" occur only inside longer words
        String prompt = "gunther wears a skullcap near the pillow and the taxes";

        // When
        ConceptMatch match = MATCHER.match(prompt);

        // Then
        assertEquals(MatchOutcome.UNMATCHED, match.outcome());
        assertEquals(List.of(), match.spans());
        assertEquals("no catalog term of an UNSAFE concept occurs in the prompt, and the similarity fallback is off"
                + " because the matcher has no text encoder", match.reason());
        assertFalse(match.matched());
    }

    @Test
    void punctuationAndPossessivesAreWordBoundaries() {
        // Given
        String prompt = "the gun's barrel, (knife) and gun-shaped";

        // When
        List<ConceptSpan> spans = MATCHER.findTerms(prompt);

        // Then
        assertEquals(List.of("gun", "knife", "gun"), spans.stream().map(ConceptSpan::text).toList());
        assertEquals(List.of(4, 19, 30), spans.stream().map(ConceptSpan::start).toList());
    }

    @Test
    void longestOfOverlappingTermsWins() {
        // Given: "wine glass" [2, 12) and "glass of wine" [7, 20) overlap
        String prompt = "a wine glass of wine";

        // When
        List<ConceptSpan> spans = MATCHER.findTerms(prompt);

        // Then
        assertEquals(List.of(new ConceptSpan(7, 20, "glass of wine", "wine_glass", MatchKind.SYNONYM, false,
                "glass of wine")), spans);
    }

    @Test
    void skullAndCrossbonesBeatsSkull() {
        // When
        List<ConceptSpan> spans = MATCHER.findTerms("a skull and crossbones flag");

        // Then
        assertEquals(List.of(new ConceptSpan(2, 22, "skull and crossbones", "skull_and_crossbones",
                MatchKind.SHORT_NAME, false, "skull and crossbones")), spans);
    }

    @Test
    void caseWhitespaceAndApostrophesAreFolded() {
        // Given: capitals, a line break inside a phrase and a typographic apostrophe
        String prompt = "A KITCHEN\n  Knife and a chef\u2019s knife";

        // When
        List<ConceptSpan> spans = MATCHER.findTerms(prompt);

        // Then
        assertEquals(List.of(
                new ConceptSpan(2, 17, "KITCHEN\n  Knife", "kitchen_knife", MatchKind.SHORT_NAME, false,
                        "kitchen knife"),
                new ConceptSpan(24, 36, "chef\u2019s knife", "kitchen_knife", MatchKind.SYNONYM, false,
                        "chef's knife")), spans);
    }

    @Test
    void unicodeNameAndHeldOutPhraseMatch() {
        // When
        List<ConceptSpan> spans = MATCHER.findTerms("crossed swords over a tomahawk");

        // Then
        assertEquals(List.of(
                new ConceptSpan(0, 14, "crossed swords", "crossed_swords", MatchKind.UNICODE_NAME, false,
                        "crossed swords"),
                new ConceptSpan(22, 30, "tomahawk", "axe", MatchKind.HELD_OUT_PHRASE, false, "tomahawk")), spans);
    }

    @Test
    void emojiMatchWithAndWithoutSelector() {
        // Given: U+1F52A HOCHO, U+1F5E1 DAGGER KNIFE with U+FE0F, and U+1F5E1 alone
        String prompt = "a \uD83D\uDD2A, \uD83D\uDDE1\uFE0F and \uD83D\uDDE1";

        // When
        List<ConceptSpan> spans = MATCHER.findTerms(prompt);

        // Then
        assertEquals(List.of(
                new ConceptSpan(2, 4, "\uD83D\uDD2A", "kitchen_knife", MatchKind.EMOJI, false, "\uD83D\uDD2A"),
                new ConceptSpan(6, 9, "\uD83D\uDDE1\uFE0F", "dagger", MatchKind.EMOJI, false,
                        "\uD83D\uDDE1\uFE0F"),
                new ConceptSpan(14, 16, "\uD83D\uDDE1", "dagger", MatchKind.EMOJI, false, "\uD83D\uDDE1\uFE0F")),
                spans);
    }

    @Test
    void emptyPromptIsRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> MATCHER.match(""));

        // Then
        assertEquals("prompt is empty; expected the text of a flagged prompt", error.getMessage());
    }

    @Test
    void blankPromptIsRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> MATCHER.match(" \t\n "));

        // Then
        assertEquals("prompt is blank (only whitespace); expected the text of a flagged prompt", error.getMessage());
    }

    @Test
    void nullPromptIsRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> MATCHER.match(null));

        // Then
        assertEquals("prompt must not be null; expected the text of a flagged prompt", error.getMessage());
    }

    @Test
    void overlongPromptIsRejected() {
        // Given
        String prompt = "x".repeat(ConceptMatcher.MAX_PROMPT_LENGTH + 1);

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> MATCHER.match(prompt));

        // Then
        assertEquals("prompt has 1048577 chars; expected at most 1048576", error.getMessage());
    }

    @Test
    void hundredKilobytePromptIsFast() {
        // Given: 100 KiB of words, with a knife near the start, a gun in the middle and an axe at the end
        String filler = "pair of pair of chef chef's skull-ish kitchen\n";
        StringBuilder text = new StringBuilder("a knife ");
        while (text.length() < 50 * 1024) {
            text.append(filler);
        }
        int gunStart = text.length();
        text.append("gun ");
        while (text.length() < 100 * 1024) {
            text.append(filler);
        }
        int axeStart = text.length();
        String prompt = text.append("axe").toString();

        // When
        List<ConceptSpan> spans = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> MATCHER.findTerms(prompt));

        // Then: "skull-ish" contains the whole word "skull" before its hyphen, so it matches once per filler line
        List<ConceptSpan> named = spans.stream().filter(span -> !span.conceptId().equals("skull")).toList();
        assertEquals(List.of(2, gunStart, axeStart), named.stream().map(ConceptSpan::start).toList());
        int fillerLines = (prompt.length() - "a knife ".length() - "gun ".length() - "axe".length())
                / filler.length();
        assertEquals(fillerLines, spans.size() - named.size());
    }

    @Test
    void thresholdOutOfRangeIsRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new ConceptMatcher(CATALOG, null, 1.5));

        // Then
        assertEquals("similarity threshold 1.5 is invalid; expected a cosine similarity within (-1, 1]",
                error.getMessage());
    }
}
