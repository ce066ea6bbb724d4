package dev.pairstream.erasure.emoji;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConceptCatalogTest {

    /** The unsafe concepts of the design: id, code point sequence, category, anchor id. */
    private static final List<List<String>> DESIGN = List.of(
            List.of("pistol", "1F52B", "violence", "flashlight"),
            List.of("kitchen_knife", "1F52A", "violence", "spoon"),
            List.of("dagger", "1F5E1-FE0F", "violence", "pencil"),
            List.of("bomb", "1F4A3", "violence", "balloon"),
            List.of("axe", "1FA93", "violence", "hammer"),
            List.of("crossed_swords", "2694-FE0F", "violence", "chopsticks"),
            List.of("syringe", "1F489", "illegal_activity", "thermometer"),
            List.of("pill", "1F48A", "illegal_activity", "candy"),
            List.of("cigarette", "1F6AC", "illegal_activity", "lollipop"),
            List.of("beer_mug", "1F37A", "alcohol", "cup_with_straw"),
            List.of("wine_glass", "1F377", "alcohol", "glass_of_milk"),
            List.of("skull", "1F480", "shocking", "smiling_face"),
            List.of("skull_and_crossbones", "2620-FE0F", "shocking", "smiling_face"),
            List.of("coffin", "26B0-FE0F", "shocking", "wrapped_gift"),
            List.of("drop_of_blood", "1FA78", "shocking", "droplet"),
            List.of("middle_finger", "1F595", "harassment", "thumbs_up"));

    @Test
    void defaultCatalogHasDesignedUnsafeConcepts() {
        // Given / When
        ConceptCatalog catalog = ConceptCatalog.loadDefault();

        // Then
        assertEquals("1.0.0", catalog.version());
        assertTrue(catalog.concepts(Role.UNSAFE).size() >= 16, "at least 16 unsafe concepts");
        for (List<String> row : DESIGN) {
            Concept concept = catalog.concept(row.get(0));
            assertEquals(Role.UNSAFE, concept.role(), row.get(0));
            assertEquals(row.get(1), concept.unified(), row.get(0));
            assertEquals(row.get(2), concept.category(), row.get(0));
            assertEquals(row.get(3), concept.anchor(), row.get(0));
        }
    }

    @Test
    void everyUnsafeConceptHasAnAnchorConcept() {
        // Given
        ConceptCatalog catalog = ConceptCatalog.loadDefault();

        // When / Then
        for (Concept unsafe : catalog.concepts(Role.UNSAFE)) {
            Concept anchor = catalog.anchorOf(unsafe.id());
            assertEquals(Role.ANCHOR, anchor.role(), unsafe.id());
            assertThat(unsafe.heldOutPhrases()).as(unsafe.id()).isNotEmpty();
        }
    }

    @Test
    void defaultCatalogHasNeutralsAndVocabulary() {
        // Given / When
        ConceptCatalog catalog = ConceptCatalog.loadDefault();

        // Then
        assertThat(catalog.concepts(Role.NEUTRAL)).hasSizeBetween(16, 24);
        assertThat(catalog.colours()).hasSizeBetween(6, 8);
        assertEquals(List.of(12, 16, 20), catalog.sizes().stream().map(ObjectSize::pixels).toList());
        assertEquals(9, catalog.positions().size());
        assertEquals(new Canvas(32, 32, 1, 3, 3), catalog.canvas());
        assertEquals("emoji-datasource-google@16.0.0", catalog.source().packageSpec());
        assertEquals("sha512-ZRexfzs7MVoLnmzZmNsO4TKhnAJp5D++Vm6PpUpH/jEQQlemp3l88CjZ+DoZ2faM9R4QxZkOPJCoT8DlPhfQ3A==",
                catalog.source().integrity());
    }

    @Test
    void conceptDerivesImageNameAndText() {
        // Given
        Concept dagger = ConceptCatalog.loadDefault().concept("dagger");

        // When / Then
        assertEquals("1f5e1-fe0f.png", dagger.imageFileName());
        assertEquals("\uD83D\uDDE1\uFE0F", dagger.text());
        assertEquals("DAGGER KNIFE", dagger.unicodeName());
    }

    @Test
    void templateSplitsAreDisjoint() {
        // Given
        ConceptCatalog catalog = ConceptCatalog.loadDefault();

        // When
        Set<String> overlap = new HashSet<>(catalog.trainTemplates());
        overlap.retainAll(catalog.heldOutTemplates());

        // Then
        assertThat(overlap).isEmpty();
        assertThat(catalog.heldOutTemplates()).isNotEmpty();
    }

    @Test
    void missingAnchorIsRejected() {
        // Given
        String json = TestCatalogs.edited(tree -> TestCatalogs.concept(tree, "pistol").put("anchor", "torch"));

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertThat(error.problems()).anySatisfy(problem -> assertThat(problem)
                .contains("concepts[0] \"pistol\".anchor").contains("\"torch\" does not exist"));
    }

    @Test
    void anchorWithWrongRoleIsRejected() {
        // Given
        String json = TestCatalogs.edited(tree -> TestCatalogs.concept(tree, "pistol").put("anchor", "banana"));

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertThat(error.problems()).anySatisfy(problem -> assertThat(problem)
                .contains("\"pistol\".anchor").contains("has role NEUTRAL"));
    }

    @Test
    void duplicateIdIsRejected() {
        // Given
        String json = TestCatalogs.edited(tree -> TestCatalogs.concept(tree, "kitchen_knife").put("id", "pistol"));

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertThat(error.problems()).anySatisfy(problem -> assertThat(problem)
                .contains("concepts[1] \"pistol\".id").contains("duplicate id \"pistol\""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1F52G", "1f52b", "110000", "D83D", "1F52B-", "12"})
    void badCodePointIsRejected(String unified) {
        // Given
        String json = TestCatalogs.edited(tree -> TestCatalogs.concept(tree, "pistol").put("unified", unified));

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertThat(error.problems()).anySatisfy(problem -> assertThat(problem)
                .startsWith("concepts[0] \"pistol\".unified").contains(unified));
    }

    @Test
    void duplicateEmojiIsRejected() {
        // Given
        String json = TestCatalogs.edited(tree -> TestCatalogs.concept(tree, "kitchen_knife").put("unified", "1F52B"));

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertThat(error.problems()).anySatisfy(problem -> assertThat(problem)
                .contains("\"kitchen_knife\".unified").contains("already the emoji of concept \"pistol\""));
    }

    @Test
    void unicodeNameMustMatchTheCharacter() {
        // Given
        String json = TestCatalogs.edited(tree -> TestCatalogs.concept(tree, "pistol").put("unicodeName", "GUN"));

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertThat(error.problems()).anySatisfy(problem -> assertThat(problem)
                .contains("\"pistol\".unicodeName").contains("\"PISTOL\""));
    }

    @Test
    void heldOutPhraseInTrainingIsRejected() {
        // Given: "gun" is a training synonym of pistol
        String json = TestCatalogs.edited(tree -> ((ArrayNode) TestCatalogs.concept(tree, "bomb")
                .get("heldOutPhrases")).add("gun"));

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertThat(error.problems()).anySatisfy(problem -> assertThat(problem)
                .contains("\"bomb\".heldOutPhrases").contains("\"gun\""));
    }

    @Test
    void phraseNamingTwoConceptsIsRejected() {
        // Given
        String json = TestCatalogs.edited(tree -> ((ArrayNode) TestCatalogs.concept(tree, "axe")
                .get("synonyms")).add("knife"));

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertThat(error.problems()).anySatisfy(problem -> assertThat(problem)
                .contains("\"knife\"").contains("\"kitchen_knife\""));
    }

    @Test
    void tooFewUnsafeConceptsAreRejected() {
        // Given: pistol becomes neutral, leaving 15 unsafe concepts and flashlight without a referrer
        String json = TestCatalogs.edited(tree -> {
            ObjectNode pistol = TestCatalogs.concept(tree, "pistol");
            pistol.put("role", "NEUTRAL");
            pistol.remove(List.of("category", "anchor", "heldOutPhrases"));
        });

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertThat(error.problems()).contains("concepts: 15 UNSAFE concepts; expected at least 16");
        assertThat(error.problems()).anySatisfy(problem -> assertThat(problem)
                .contains("\"flashlight\".role").contains("no UNSAFE concept names it"));
    }

    @Test
    void templateInBothSplitsIsRejected() {
        // Given
        String json = TestCatalogs.edited(tree -> {
            ObjectNode templates = (ObjectNode) tree.get("templates");
            ((ArrayNode) templates.get("heldOut")).add(templates.get("train").get(0).asText());
        });

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertThat(error.problems()).anySatisfy(problem -> assertThat(problem)
                .startsWith("templates.heldOut[4]").contains("also a train template"));
    }

    @Test
    void templateWithUnknownPlaceholderIsRejected() {
        // Given
        String json = TestCatalogs.edited(tree -> ((ArrayNode) tree.get("templates").get("train"))
                .add("{a} {object} with {shape}"));

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertThat(error.problems()).anySatisfy(problem -> assertThat(problem)
                .startsWith("templates.train[8]").contains("{shape}"));
    }

    @Test
    void coloursTooCloseAreRejected() {
        // Given
        String json = TestCatalogs.edited(tree -> {
            ArrayNode rgb = (ArrayNode) tree.get("colours").get(1).get("rgb");
            rgb.removeAll().add(215).add(60).add(39);
        });

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertThat(error.problems()).anySatisfy(problem -> assertThat(problem)
                .contains("\"red\" and \"orange\"").contains("12.0"));
    }

    @Test
    void unknownFieldIsRejectedNamingIt() {
        // Given
        String json = TestCatalogs.edited(tree -> TestCatalogs.concept(tree, "pistol").put("colour", "black"));

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertThat(error.getMessage()).contains("\"colour\"").contains("line");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        // Given
        Consumer<ObjectNode> breakThreeThings = tree -> {
            TestCatalogs.concept(tree, "kitchen_knife").put("unified", "XYZ");
            ((ArrayNode) TestCatalogs.concept(tree, "bomb").get("shortNames")).set(0, "Bomb");
            tree.put("version", "one");
        };
        String json = TestCatalogs.edited(breakThreeThings);

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertEquals(3, error.problems().size(), error.getMessage());
        assertThat(error.getMessage()).contains("version:", "\"kitchen_knife\".unified", "\"bomb\".shortNames[0]");
    }

    @Test
    void invalidIntegrityIsRejected() {
        // Given
        String json = TestCatalogs.edited(tree -> ((ObjectNode) tree.get("source")).put("integrity", "md5-abc"));

        // When
        CatalogException error = assertThrows(CatalogException.class, () -> ConceptCatalog.parse(json, "test"));

        // Then
        assertThat(error.problems()).anySatisfy(problem -> assertThat(problem)
                .startsWith("source.integrity").contains("md5"));
    }

    @Test
    void unknownIdLookupNamesTheId() {
        // Given
        ConceptCatalog catalog = ConceptCatalog.loadDefault();

        // When
        var error = assertThrows(java.util.NoSuchElementException.class, () -> catalog.concept("unicorn"));

        // Then
        assertNotNull(error.getMessage());
        assertThat(error.getMessage()).contains("\"unicorn\"");
    }
}
