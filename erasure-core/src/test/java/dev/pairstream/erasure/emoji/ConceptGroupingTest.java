package dev.pairstream.erasure.emoji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConceptGroupingTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();
    private static final List<String> VIOLENCE = List.of("axe", "bomb", "crossed_swords", "dagger", "kitchen_knife",
            "pistol");

    @Test
    void conceptGroupingKeepsEachConceptAlone() {
        ConceptGrouping grouping = new ConceptGrouping(ConceptGrouping.Mode.CONCEPT, null);

        assertEquals(new ConceptGrouping.ConceptSet("pistol", List.of("pistol")), grouping.setOf("pistol"));
        assertEquals(2, grouping.setsOf(List.of("axe", "pistol")).size());
    }

    @Test
    void categoryGroupingJoinsCategoryConcepts() {
        ConceptGrouping grouping = new ConceptGrouping(ConceptGrouping.Mode.CATEGORY, CATALOG);

        ConceptGrouping.ConceptSet set = grouping.setOf("pistol");

        assertEquals("violence", set.label());
        assertEquals(VIOLENCE, set.conceptIds());
        assertEquals(List.of(set), grouping.setsOf(List.of("pistol", "axe", "pistol")));
    }

    @Test
    void categoryGroupingLeavesUnknownAndSafeConceptsAlone() {
        ConceptGrouping grouping = new ConceptGrouping(ConceptGrouping.Mode.CATEGORY, CATALOG);

        assertEquals(List.of("gun-in-another-catalog"), grouping.setOf("gun-in-another-catalog").conceptIds());
        assertEquals(List.of("flashlight"), grouping.setOf("flashlight").conceptIds());
    }

    @Test
    void modeParsesEitherCaseAndRejectsOthers() {
        assertEquals(ConceptGrouping.Mode.CATEGORY, ConceptGrouping.Mode.parse(" Category "));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ConceptGrouping.Mode.parse("tenant"));
        assertEquals("Unknown concept grouping 'tenant'; expected concept or category", error.getMessage());
    }
}
