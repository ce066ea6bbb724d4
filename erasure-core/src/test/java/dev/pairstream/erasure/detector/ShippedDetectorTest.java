package dev.pairstream.erasure.detector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.EmojiAssets;
import dev.pairstream.erasure.emoji.EmojiImages;
import dev.pairstream.erasure.emoji.EmojiRenderer;
import dev.pairstream.erasure.emoji.Scene;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Checks the detector shipped in {@code models/concept-detector} at the repository root against real renders.
 * The emoji images come from {@code .pair/data/emoji} at the root, which is prepared with npm when missing.
 */
class ShippedDetectorTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();

    /** The fixed scene every concept is rendered at: medium size, centre cell, blue background. */
    private static final String COLOUR = "blue";
    private static final String SIZE = "medium";
    private static final String POSITION = "centre";

    private static ConceptDetector detector;
    private static EmojiRenderer renderer;

    @BeforeAll
    static void loadShippedDetectorAndImages() throws IOException {
        Path root = repositoryRoot();
        detector = ConceptDetector.load(root.resolve("models").resolve("concept-detector"), CATALOG);
        Path data = root.resolve(EmojiAssets.DEFAULT_DATA_DIRECTORY);
        new EmojiAssets(CATALOG, root.resolve(EmojiAssets.DEFAULT_CACHE_DIRECTORY), data).prepare(false);
        renderer = new EmojiRenderer(CATALOG, EmojiImages.load(CATALOG, data));
    }

    @AfterAll
    static void closeDetector() {
        if (detector != null) {
            detector.close();
        }
    }

    /** Returns the nearest folder at or above the working directory that contains {@code models/concept-detector}. */
    private static Path repositoryRoot() {
        Path start = Path.of("").toAbsolutePath();
        for (Path folder = start; folder != null; folder = folder.getParent()) {
            if (Files.isDirectory(folder.resolve("models").resolve("concept-detector"))) {
                return folder;
            }
        }
        throw new IllegalStateException("No models/concept-detector folder at or above " + start
                + "; the repository ships the trained detector there");
    }

    private static float[] render(String conceptId) {
        return renderer.render(new Scene(conceptId, COLOUR, SIZE, POSITION)).values();
    }

    @Test
    void everyConceptIsRecognisedAtFixedScene() {
        // Given
        List<Concept> concepts = CATALOG.concepts();
        List<float[]> pictures = concepts.stream().map(c -> render(c.id())).toList();

        // When
        List<Detection> detections = detector.detectBatch(pictures);

        // Then
        List<Executable> checks = new ArrayList<>();
        for (int i = 0; i < concepts.size(); i++) {
            String expected = concepts.get(i).id();
            Detection detection = detections.get(i);
            checks.add(() -> assertEquals(expected, detection.conceptId(), "detection of " + expected + " on "
                    + COLOUR + ", " + SIZE + ", " + POSITION + " with p=" + detection.probability()));
        }
        assertAll(checks);
    }

    @Test
    void shippedFeaturesAreBitIdenticalOnRepeat() throws IOException {
        // Given
        List<float[]> pictures = List.of(render("pistol"), render("flashlight"), render("banana"));

        // When
        float[][] first = detector.features(pictures);
        float[][] second = detector.features(pictures);
        float[][] reloaded;
        try (ConceptDetector again = ConceptDetector.load(repositoryRoot().resolve("models/concept-detector"))) {
            reloaded = again.features(pictures);
        }

        // Then
        for (int i = 0; i < pictures.size(); i++) {
            assertEquals(DetectorArchitecture.defaults().featureDimension(), first[i].length);
            assertArrayEquals(first[i], second[i], "repeat of picture " + i);
            assertArrayEquals(first[i], reloaded[i], "reloaded detector on picture " + i);
        }
    }

    @Test
    void shippedConfigRecordsTrainingAndAccuracy() throws IOException {
        // Given
        TrainingProvenance training = detector.config().training();
        Path weights = repositoryRoot().resolve("models/concept-detector").resolve(ConceptDetector.WEIGHTS_FILE);

        // Then
        assertNotNull(training, "the shipped detector must record how it was trained");
        int scenes = CATALOG.concepts().size() * CATALOG.colours().size() * CATALOG.sizes().size()
                * CATALOG.positions().size();
        assertEquals(scenes, training.cleanCatalog().total());
        assertThat(training.cleanCatalog().accuracy()).isGreaterThanOrEqualTo(0.98);
        assertEquals(DetectorArchitecture.defaults(), detector.config().architecture());
        assertThat(Files.size(weights)).isLessThan(5L << 20);
    }
}
