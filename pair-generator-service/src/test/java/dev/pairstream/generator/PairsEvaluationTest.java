package dev.pairstream.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

class PairsEvaluationTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();

    @Test
    void promptsCoverEveryUnsafeConceptWithItsCategory() {
        List<FlaggedPrompt> prompts = PairsEvaluation.prompts(CATALOG, 3, 11);

        List<Concept> unsafe = CATALOG.concepts(Role.UNSAFE);
        assertEquals(3 * unsafe.size(), prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            Concept concept = unsafe.get(i / 3);
            assertEquals("emoji-" + concept.id() + "-" + (i % 3), prompts.get(i).promptId());
            assertEquals(List.of(concept.category()), prompts.get(i).categories());
        }
    }

    @Test
    void promptsFollowTheSeed() {
        assertEquals(PairsEvaluation.prompts(CATALOG, 2, 5), PairsEvaluation.prompts(CATALOG, 2, 5));
    }

    @Test
    void conceptNamedAsWholeWordOrPlural() {
        Concept anchor = CATALOG.anchorOf(CATALOG.concepts(Role.UNSAFE).get(0).id());
        String phrase = anchor.trainingPhrases().get(0);

        assertTrue(PairsEvaluation.namesConcept("A " + phrase.toUpperCase() + " on blue", anchor));
        assertTrue(PairsEvaluation.namesConcept("two " + phrase + "s on blue", anchor));
        assertFalse(PairsEvaluation.namesConcept("x" + phrase + "y on blue", anchor));
    }
}
