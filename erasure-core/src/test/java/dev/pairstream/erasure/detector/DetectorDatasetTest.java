package dev.pairstream.erasure.detector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.Scene;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Renders the tiny world and checks labels, the per-concept split and the fingerprint. */
class DetectorDatasetTest {

    private static final List<String> CLASS_IDS = TinyWorld.CATALOG.concepts().stream().map(Concept::id).toList();

    private static DetectorDataset render(List<Scene> scenes, double fraction) {
        return DetectorDataset.render(TinyWorld.CATALOG, TinyWorld.renderer(), scenes, CLASS_IDS, fraction);
    }

    @Test
    void splitHoldsOutSameShareOfEachConcept() {
        // When: 4 scenes per concept, a quarter held out
        DetectorDataset dataset = render(TinyWorld.scenes(), 0.25);

        // Then
        assertEquals(12, dataset.trainIndices().length);
        assertEquals(4, dataset.validationIndices().length);
        Map<String, Integer> heldOut = new HashMap<>();
        for (int index : dataset.validationIndices()) {
            heldOut.merge(dataset.scenes().get(index).conceptId(), 1, Integer::sum);
        }
        assertEquals(Map.of("pistol", 1, "spoon", 1, "banana", 1, "car", 1), heldOut);
    }

    @Test
    void labelsFollowClassOrder() {
        // When
        DetectorDataset dataset = render(TinyWorld.scenes(), 0.25);

        // Then
        for (int i = 0; i < dataset.size(); i++) {
            assertEquals(CLASS_IDS.indexOf(dataset.scenes().get(i).conceptId()), dataset.label(i));
        }
    }

    @Test
    void splitAndFingerprintRepeat() {
        // When
        DetectorDataset first = render(TinyWorld.scenes(), 0.25);
        DetectorDataset second = render(TinyWorld.scenes(), 0.25);

        // Then
        assertArrayEquals(first.validationIndices(), second.validationIndices());
        assertEquals(first.fingerprint(), second.fingerprint());
        assertNotEquals(first.fingerprint(), render(TinyWorld.scenes(), 0.5).fingerprint());
    }

    @Test
    void conceptWithOneSceneKeepsItForTraining() {
        // Given
        List<Scene> scenes = new ArrayList<>(TinyWorld.scenes().subList(0, 4));
        scenes.add(new Scene("spoon", "red", "small", "centre"));

        // When
        DetectorDataset dataset = render(scenes, 0.9);

        // Then: pistol keeps one of its four scenes, spoon keeps its only one
        assertEquals(2, dataset.trainIndices().length);
        assertEquals(3, dataset.validationIndices().length);
    }

    @Test
    void repeatedSceneIsRejected() {
        // Given
        List<Scene> scenes = List.of(TinyWorld.scenes().get(0), TinyWorld.scenes().get(0));

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> render(scenes, 0.1));

        // Then
        assertEquals("The scene list repeats a scene; expected each scene once", error.getMessage());
    }
}
