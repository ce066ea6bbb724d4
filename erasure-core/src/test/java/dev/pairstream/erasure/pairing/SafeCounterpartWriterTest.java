package dev.pairstream.erasure.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.erasure.emoji.ConceptCatalog;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The minimal edit, with the default catalog and without a text encoder. */
class SafeCounterpartWriterTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();
    private static final SafeCounterpartWriter WRITER = new SafeCounterpartWriter(new ConceptMatcher(CATALOG));

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a kitchen knife on a blue background, top left | a spoon on a blue background, top left",
        "two knives and a gun | two spoons and a flashlight",
        "an axe on red | a hammer on red",
        "Knife on a table | Spoon on a table",
        "An axe, AN AXE and a KNIFE | A hammer, A HAMMER and a SPOON",
        "a gun, an axe and two knives | a flashlight, a hammer and two spoons",
        "an hypodermic | a thermometer",
        "two pairs of swords and a pint of beer | two pairs of chopsticks and a cup with straw",
        "three glasses of wine, no pills | three glasses of milk, no candies",
        "middle fingers everywhere | thumbs up everywhere",
        "a skull and crossbones flag | a smiling face flag",
        "the gun's barrel | the flashlight's barrel"
    })
    void rewriteReplacesOnlyTheSpans(String unsafe, String expected) {
        // When
        SafeRewrite rewrite = WRITER.write(unsafe);

        // Then
        assertEquals(RewriteStatus.REWRITTEN, rewrite.status(), rewrite::reason);
        assertEquals(expected, rewrite.safePrompt());
        assertEquals(OptionalInt.of(Levenshtein.naive(unsafe, expected)), rewrite.editDistance());
        assertEquals(OptionalDouble.empty(), rewrite.embeddingSimilarity());
        assertEquals(CATALOG.version(), rewrite.catalogVersion());
        assertNull(rewrite.reason());
    }

    @Test
    void replacementsRecordAnchorsAndArticles() {
        // When
        SafeRewrite rewrite = WRITER.write("an axe and two knives");

        // Then
        List<Replacement> replacements = rewrite.replacements();
        assertEquals(2, replacements.size());
        assertEquals("hammer", replacements.get(0).anchorConceptId());
        assertEquals("hammer", replacements.get(0).text());
        assertTrue(replacements.get(0).articleFixed());
        assertEquals("spoon", replacements.get(1).anchorConceptId());
        assertEquals("spoons", replacements.get(1).text());
        assertFalse(replacements.get(1).articleFixed());
        assertEquals(List.of("axe", "kitchen_knife"), rewrite.conceptIds());
        assertEquals(List.of("hammer", "spoon"), rewrite.anchorConceptIds());
    }

    @Test
    void articleAcrossLineBreakIsFixed() {
        // When
        SafeRewrite rewrite = WRITER.write("an\n  axe");

        // Then
        assertEquals("a\n  hammer", rewrite.safePrompt());
    }

    @Test
    void emojiBecomesAnchorEmoji() {
        // Given: U+1F52A HOCHO; the anchor spoon is U+1F944
        String unsafe = "a \uD83D\uDD2A on red";

        // When
        SafeRewrite rewrite = WRITER.write(unsafe);

        // Then
        assertEquals("a \uD83E\uDD44 on red", rewrite.safePrompt());
        assertEquals(OptionalInt.of(1), rewrite.editDistance());
    }

    @Test
    void articleBecomesAnBeforeVowel() {
        // Given: a catalog whose hammer anchor is called "anvil"
        ConceptCatalog catalog = TestCatalogJson.withShortNames("hammer", List.of("anvil"));
        SafeCounterpartWriter writer = new SafeCounterpartWriter(new ConceptMatcher(catalog));

        // When
        SafeRewrite rewrite = writer.write("A hatchet and a big hatchet");

        // Then: only the article right in front of the span changes
        assertEquals("An anvil and a big anvil", rewrite.safePrompt());
    }

    @Test
    void partialWordsStayUntouched() {
        // When
        SafeRewrite rewrite = WRITER.write("gunther wears a skullcap");

        // Then
        assertEquals(RewriteStatus.UNMATCHED, rewrite.status());
        assertNull(rewrite.safePrompt());
        assertEquals(OptionalInt.empty(), rewrite.editDistance());
        assertEquals("no catalog term of an UNSAFE concept occurs in the prompt, and the similarity fallback is off"
                + " because the matcher has no text encoder", rewrite.reason());
    }

    @Test
    void semanticMatchHasNoSpanToReplace() {
        // Given
        ConceptMatch match = ConceptMatch.ofSimilarity("a picture of a rifle",
                List.of(new SemanticMatch("pistol", 0.85)));

        // When
        SafeRewrite rewrite = WRITER.write(match);

        // Then
        assertEquals(RewriteStatus.NO_SPAN_TO_REPLACE, rewrite.status());
        assertNull(rewrite.safePrompt());
        assertEquals(List.of("pistol"), rewrite.conceptIds());
        assertEquals("concepts [pistol] were found by sentence similarity only, so there is no span to replace;"
                + " publish a text-only record or a dead letter", rewrite.reason());
    }

    @Test
    void remainingUnsafeTermIsAFailure() {
        // Given: a catalog whose beer anchor is a "beer cup", which still names beer
        ConceptCatalog catalog = TestCatalogJson.withShortNames("cup_with_straw", List.of("beer cup"));
        SafeCounterpartWriter writer = new SafeCounterpartWriter(new ConceptMatcher(catalog));

        // When
        SafeRewrite rewrite = writer.write("a tankard on red");

        // Then
        assertEquals(RewriteStatus.UNSAFE_TERMS_REMAIN, rewrite.status());
        assertNull(rewrite.safePrompt());
        assertFalse(rewrite.isRewritten());
        assertEquals(List.of(new ConceptSpan(2, 6, "beer", "beer_mug", MatchKind.SHORT_NAME, false, "beer")),
                rewrite.remainingTerms());
        assertEquals("the rewrite still contains unsafe terms: \"beer\" of concept \"beer_mug\" at 2; an anchor phrase"
                + " of catalog 1.0.0 contains or forms an unsafe term", rewrite.reason());
    }

    @Test
    void blankPromptIsRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> WRITER.write("   "));

        // Then
        assertEquals("prompt is blank (only whitespace); expected the text of a flagged prompt", error.getMessage());
    }

    @Test
    void hundredKilobytePromptIsFast() {
        // Given: 100 KiB of plain words with a knife in the middle
        String half = "an old wooden table in a quiet room, ".repeat(1400);
        String unsafe = half + "a knife " + half;
        String expected = half + "a spoon " + half;

        // When
        SafeRewrite rewrite = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> WRITER.write(unsafe));

        // Then: "knife" to "spoon" has no letter in the same place, so five substitutions
        assertEquals(expected, rewrite.safePrompt());
        assertEquals(OptionalInt.of(5), rewrite.editDistance());
    }
}
