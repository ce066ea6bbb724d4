package dev.pairstream.erasure.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.pairstream.erasure.adapter.Adapter;
import dev.pairstream.erasure.adapter.AdapterConfig;
import dev.pairstream.erasure.detector.ConceptDetector;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Evaluates adapters on the shipped base model with the shipped detector, as the evaluator-service does. */
class CandidateEvaluationTest {

    private static final ErasureEvaluationOptions OPTIONS = new ErasureEvaluationOptions(3, 2, 4, 2, 7L,
            SamplingOptions.defaults().withInferenceSteps(6).withBatchSize(8));

    private static TextToImagePipeline pipeline;
    private static ConceptDetector detector;
    private static NDManager manager;
    private static Adapter unchanged;

    @TempDir
    Path folder;

    @BeforeAll
    static void load() throws Exception {
        pipeline = TextToImagePipeline.load(Path.of("..", "models", "emoji-world-base"));
        detector = ConceptDetector.load(Path.of("..", "models", "concept-detector"));
        manager = PyTorchRuntime.engine().newBaseManager();
        // DoRA as PEFT starts it: B = 0 and the magnitude equal to the row norms of the base weights.
        unchanged = Adapter.initialize(AdapterConfig.dora(4, 4, "emoji-world-base"), pipeline.unet().weights(),
                manager, 11L);
    }

    @AfterAll
    static void close() {
        unchanged.close();
        manager.close();
        detector.close();
        pipeline.close();
    }

    @Test
    void unchangedDoraAdapterDrawsTheBaseModelsPictures() {
        // Given
        List<String> prompts = List.of("a pistol on a red background", "a banana in the top left corner");
        long[] seeds = {5, 6};
        SamplingOptions sampling = SamplingOptions.defaults().withInferenceSteps(8);

        // When
        List<float[]> base = pipeline.generate(prompts, seeds, sampling);
        List<float[]> adapted = pipeline.generate(prompts, seeds, sampling, unchanged);

        // Then
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(base.get(i), adapted.get(i), 0f, "picture " + i);
        }
    }

    @Test
    void evaluatingTheSameAdapterTwiceGivesTheSameScoresAsTheBase() throws Exception {
        // Given
        ErasureEvaluation evaluation = new ErasureEvaluation(ConceptCatalog.loadDefault(), detector, pipeline, null,
                OPTIONS);
        ErasureEvaluation.Baseline baseline = evaluation.baseline(evaluation.prompts(List.of("pistol")));

        // When
        MethodScores first = evaluation.evaluate("unchanged", baseline, unchanged, folder.resolve("grid.png"));
        MethodScores second = evaluation.evaluate("unchanged", baseline, unchanged, null);

        // Then: equal to each other and to the base model, apart from the method name and the wall time
        assertEquals(withoutTime(first), withoutTime(second));
        assertEquals(withoutTime(baseline.scores()), withoutTime(first));
        assertEquals(1.0, first.neutralSsim(), 1e-9);
        assertTrue(Files.size(folder.resolve("grid.png")) > 0);
    }

    private static MethodScores withoutTime(MethodScores scores) {
        return new MethodScores("any", scores.erasureRateTrain(), scores.erasureRateHeldOut(),
                scores.anchorRateTrain(), scores.anchorRateHeldOut(), scores.consistencySsim(),
                scores.consistencyFeatureDistance(), scores.backgroundKept(), scores.boxKept(),
                scores.neutralAccuracy(), scores.neutralSsim(), scores.frechetDistance(), scores.pictures(), 0);
    }
}
