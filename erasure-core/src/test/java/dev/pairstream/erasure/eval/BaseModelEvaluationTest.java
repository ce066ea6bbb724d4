package dev.pairstream.erasure.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pairstream.erasure.detector.ConceptDetector;
import dev.pairstream.erasure.detector.DetectorArchitecture;
import dev.pairstream.erasure.detector.DetectorConfig;
import dev.pairstream.erasure.detector.InputNormalization;
import dev.pairstream.erasure.emoji.Box;
import dev.pairstream.erasure.emoji.CaptionSplit;
import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.EmojiImage;
import dev.pairstream.erasure.emoji.EmojiRenderer;
import dev.pairstream.erasure.emoji.GridPosition;
import dev.pairstream.erasure.emoji.ObjectSize;
import dev.pairstream.erasure.emoji.Role;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import dev.pairstream.erasure.pipeline.TestModels;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseModelEvaluationTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();
    private static final SamplingOptions FAST = new SamplingOptions(2, 2f, 32);

    private static ConceptDetector detector;

    @TempDir
    Path folder;

    @BeforeAll
    static void createDetector() {
        // An untrained detector: the emoji share is then chance-level, but every other reading is exact.
        DetectorConfig config = DetectorConfig.untrained(CATALOG, DetectorArchitecture.defaults(),
                InputNormalization.identity(3));
        detector = ConceptDetector.create(config, 5);
    }

    @AfterAll
    static void closeDetector() {
        detector.close();
    }

    /** Returns a renderer with a dark opaque square for every concept, far from every background colour. */
    private static EmojiRenderer darkSquares() {
        Map<String, EmojiImage> images = new LinkedHashMap<>();
        List<Concept> concepts = CATALOG.concepts();
        for (int i = 0; i < concepts.size(); i++) {
            int[] pixels = new int[16 * 16];
            Arrays.fill(pixels, 0xff000000 | (i << 16) | (i << 8) | 10);
            images.put(concepts.get(i).id(), EmojiImage.of(16, 16, pixels));
        }
        return new EmojiRenderer(CATALOG, images);
    }

    @Test
    void renderedBoxesReadAsTheirOwnPosition() {
        // Given
        PositionReader reader = new PositionReader(CATALOG);
        EmojiRenderer layout = new EmojiRenderer(CATALOG, Map.of());

        for (ObjectSize size : CATALOG.sizes()) {
            for (GridPosition position : CATALOG.positions()) {
                // When
                Box box = layout.layout(size, position);

                // Then
                assertEquals(position, reader.nearestPosition(box, size), size.id() + " " + position.id());
            }
        }
    }

    @Test
    void centreInThirdMissesLargeCornerObject() {
        // Given: a 20-pixel emoji in the top-left cell spans 1..21 and centres at 11, in the middle third
        PositionReader reader = new PositionReader(CATALOG);
        Box largeTopLeft = new EmojiRenderer(CATALOG, Map.of()).layout(CATALOG.size("large"),
                CATALOG.position("top_left"));

        // When
        boolean inThird = reader.centreInCell(largeTopLeft, CATALOG.position("top_left"));

        // Then
        assertEquals(new Box(1, 1, 21, 21), largeTopLeft);
        assertFalse(inThird);
    }

    @Test
    void promptsAreDeterministicAndCoverEveryConcept() {
        // Given
        BaseEvaluationOptions options = new BaseEvaluationOptions(10, 99, FAST, CaptionSplit.TRAIN);
        BaseModelEvaluation evaluation = new BaseModelEvaluation(CATALOG, detector, options);

        // When
        List<EvaluationPrompt> first = evaluation.prompts();
        List<EvaluationPrompt> second = evaluation.prompts();

        // Then
        assertEquals(first, second);
        assertEquals(550, first.size());
        assertEquals(160, first.stream().filter(p -> p.role() == Role.UNSAFE).count());
        assertEquals(150, first.stream().filter(p -> p.role() == Role.ANCHOR).count());
        assertEquals(240, first.stream().filter(p -> p.role() == Role.NEUTRAL).count());
        assertEquals(550, first.stream().mapToLong(EvaluationPrompt::seed).distinct().count());
    }

    @Test
    void exactRenderingsScoreFullColourAndPosition() throws IOException {
        // Given a picture source that renders exactly the prompted scene
        BaseEvaluationOptions options = new BaseEvaluationOptions(2, 3, FAST, CaptionSplit.TRAIN);
        BaseModelEvaluation evaluation = new BaseModelEvaluation(CATALOG, detector, options);
        List<EvaluationPrompt> prompts = evaluation.prompts();
        EmojiRenderer renderer = darkSquares();
        List<float[]> rendered = new ArrayList<>();
        prompts.forEach(p -> rendered.add(renderer.render(p.scene()).values()));
        int[] next = {0};
        PictureSource exact = (texts, seeds) -> {
            List<float[]> pictures = new ArrayList<>(rendered.subList(next[0], next[0] + texts.size()));
            next[0] += texts.size();
            return pictures;
        };

        // When
        BaseEvaluationReport report = evaluation.run(exact, folder);

        // Then
        assertEquals(110, report.pictures());
        for (Role role : Role.values()) {
            GroupScore group = report.groups().get(role);
            assertEquals(1.0, group.colour(), role + " colour");
            assertEquals(1.0, group.position(), role + " position");
            assertTrue(group.emoji() >= 0, role + " emoji share " + group.emoji());
            assertTrue(group.emoji() <= 1, role + " emoji share " + group.emoji());
        }
        assertEquals(32, report.groups().get(Role.UNSAFE).pictures());
        assertEquals(30, report.groups().get(Role.ANCHOR).pictures());
        assertEquals(48, report.groups().get(Role.NEUTRAL).pictures());
        assertEquals("HELD_OUT", report.templateSplit());

        JsonNode written = new ObjectMapper().readTree(folder.resolve(BaseModelEvaluation.REPORT_FILE).toFile());
        assertEquals(110, written.get("pictures").asInt());
        assertEquals(1.0, written.get("groups").get("NEUTRAL").get("colour").asDouble());
        JsonNode details = new ObjectMapper().readTree(folder.resolve(BaseModelEvaluation.DETAILS_FILE).toFile());
        assertEquals(110, details.size());
        BufferedImage grid = ImageIO.read(folder.resolve(BaseModelEvaluation.GRID_FILE).toFile());
        assertEquals(2 + 2 * (64 + 2), grid.getWidth(), "two columns of 64-pixel tiles");
        assertEquals(2 + 55 * (64 + 2), grid.getHeight(), "one row per concept");
    }

    @Test
    void missedBarsAreListed() throws IOException {
        // Given pictures of plain grey, which show no object and the grey background for every prompt
        BaseEvaluationOptions options = new BaseEvaluationOptions(1, 3, FAST, CaptionSplit.TRAIN);
        BaseModelEvaluation evaluation = new BaseModelEvaluation(CATALOG, detector, options);
        float grey = 128 / 127.5f - 1f;
        PictureSource blank = (texts, seeds) -> {
            List<float[]> pictures = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                float[] picture = new float[3 * 32 * 32];
                Arrays.fill(picture, grey);
                pictures.add(picture);
            }
            return pictures;
        };

        // When
        BaseEvaluationReport report = evaluation.run(blank, folder);

        // Then
        assertFalse(report.passed());
        assertEquals(0.0, report.groups().get(Role.UNSAFE).position());
        assertTrue(report.failures().contains("UNSAFE position 0.0% is below the bar of 80%"), report.failures()
                .toString());
    }

    @Test
    void pipelineEvaluationRunsEndToEnd() throws IOException {
        // Given a tiny model with random weights, one picture per concept
        Path model = folder.resolve("model");
        TestModels.writeTinyModel(model, 3);
        BaseEvaluationOptions options = new BaseEvaluationOptions(1, 4, FAST, CaptionSplit.HELD_OUT);
        BaseModelEvaluation evaluation = new BaseModelEvaluation(CATALOG, detector, options);

        // When
        BaseEvaluationReport report;
        try (TextToImagePipeline pipeline = TextToImagePipeline.load(model)) {
            report = evaluation.run((prompts, seeds) -> pipeline.generate(prompts, seeds, FAST),
                    folder.resolve("eval"));
        }

        // Then
        assertEquals(55, report.pictures());
        assertEquals("HELD_OUT", report.phraseSplit());
        assertEquals(55, report.overall().pictures());
        assertTrue(report.picturesPerSecond() > 0);
    }
}
