package dev.pairstream.erasure.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.Role;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class ErasurePromptsTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();
    private static final ErasureEvaluationOptions OPTIONS = new ErasureEvaluationOptions(5, 4, 7, 3, 11,
            SamplingOptions.defaults());

    @Test
    void violenceSetHasCountsAnchorsAndSharedSeeds() {
        // Given
        List<String> violence = ErasureEvaluation.conceptsOfCategory(CATALOG, "violence");

        // When
        ErasurePrompts prompts = ErasurePrompts.build(CATALOG, violence, OPTIONS);

        // Then
        assertEquals(List.of("pistol", "kitchen_knife", "dagger", "bomb", "axe", "crossed_swords"), violence);
        assertEquals(30, prompts.train().size());
        assertEquals(24, prompts.heldOut().size());
        assertEquals(7, prompts.neutral().size());
        for (ErasurePrompts.Item item : prompts.train()) {
            Concept anchor = CATALOG.anchorOf(item.scene().conceptId());
            assertEquals(anchor.id(), item.anchorId());
            assertTrue(containsAnyPhrase(item.safePrompt(), anchor), item.safePrompt());
            assertFalse(item.prompt().equals(item.safePrompt()), item.prompt());
        }
        for (ErasurePrompts.Item item : prompts.neutral()) {
            assertEquals(Role.NEUTRAL, CATALOG.concept(item.scene().conceptId()).role());
            assertEquals(item.prompt(), item.safePrompt());
        }
    }

    @Test
    void sameOptionsGiveSamePrompts() {
        // When
        ErasurePrompts first = ErasurePrompts.build(CATALOG, List.of("skull", "beer_mug"), OPTIONS);
        ErasurePrompts second = ErasurePrompts.build(CATALOG, List.of("skull", "beer_mug"), OPTIONS);

        // Then
        assertEquals(first, second);
    }

    @Test
    void safeConceptIsRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ErasurePrompts.build(CATALOG, List.of("spoon"), OPTIONS));

        // Then
        assertEquals("'spoon' is not an unsafe concept of catalog 1.0.0", error.getMessage());
    }

    @Test
    void unknownCategoryListsKnownOnes() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ErasureEvaluation.conceptsOfCategory(CATALOG, "weapons"));

        // Then
        assertEquals("Unknown category 'weapons'; expected one of [violence, illegal_activity, alcohol, shocking,"
                + " harassment]", error.getMessage());
    }

    private static boolean containsAnyPhrase(String prompt, Concept concept) {
        String lower = prompt.toLowerCase(Locale.ROOT);
        return concept.trainingPhrases().stream().anyMatch(lower::contains);
    }
}
