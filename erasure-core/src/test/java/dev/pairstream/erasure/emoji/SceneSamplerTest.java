package dev.pairstream.erasure.emoji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SceneSamplerTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();

    @Test
    void allScenesCoverEveryCombination() {
        // Given
        SceneSampler sampler = new SceneSampler(CATALOG, 1);
        int expected = CATALOG.concepts().size() * CATALOG.colours().size() * CATALOG.sizes().size()
                * CATALOG.positions().size();

        // When
        List<Scene> scenes = sampler.allScenes();

        // Then
        assertEquals(55 * 8 * 3 * 9, expected);
        assertEquals(expected, scenes.size());
        assertEquals(expected, new HashSet<>(scenes).size());
        assertEquals(new Scene("pistol", "red", "small", "top_left"), scenes.get(0));
        assertEquals(8 * 3 * 9, sampler.scenesPerConcept());
    }

    @Test
    void sameSeedGivesSameScenes() {
        // Given / When
        List<Scene> first = new SceneSampler(CATALOG, 99).sample(Role.UNSAFE, 40);
        List<Scene> second = new SceneSampler(CATALOG, 99).sample(Role.UNSAFE, 40);

        // Then
        assertEquals(first, second);
    }

    @Test
    void samplesCoverRoleAndVocabulary() {
        // Given
        SceneSampler sampler = new SceneSampler(CATALOG, 5);

        // When
        List<Scene> scenes = sampler.sample(Role.ANCHOR, 2000);

        // Then
        Set<String> anchors = CATALOG.concepts(Role.ANCHOR).stream().map(Concept::id).collect(Collectors.toSet());
        assertEquals(anchors, scenes.stream().map(Scene::conceptId).collect(Collectors.toSet()));
        assertEquals(CATALOG.colours().size(), scenes.stream().map(Scene::colourId).distinct().count());
        assertEquals(CATALOG.sizes().size(), scenes.stream().map(Scene::sizeId).distinct().count());
        assertEquals(CATALOG.positions().size(), scenes.stream().map(Scene::positionId).distinct().count());
    }

    @Test
    void unknownConceptIsRejected() {
        // Given
        SceneSampler sampler = new SceneSampler(CATALOG, 5);

        // When / Then
        assertThrows(java.util.NoSuchElementException.class, () -> sampler.sample("unicorn"));
        assertThrows(IllegalArgumentException.class, () -> sampler.sample(Role.UNSAFE, -1));
    }
}
