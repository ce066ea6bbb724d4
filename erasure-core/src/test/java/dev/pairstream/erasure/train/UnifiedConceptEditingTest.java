package dev.pairstream.erasure.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.pretrain.TinyWorld;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.schedule.NoiseSchedule;
import dev.pairstream.erasure.schedule.SchedulerConfig;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import dev.pairstream.erasure.text.TextEncoding;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UnifiedConceptEditingTest {

    @Test
    void alignmentPairsSharedEndsAndSpreadsMiddle() {
        // Given: [CLS] a kitchen knife on red [SEP] against [CLS] a spoon on red [SEP]
        long[] unsafe = {101, 1037, 3829, 5442, 2006, 2417, 102};
        long[] safe = {101, 1037, 15642, 2006, 2417, 102};

        // When
        List<int[]> pairs = UnifiedConceptEditing.align(unsafe, safe);

        // Then: both middle tokens of "kitchen knife" map to "spoon"
        int[][] expected = {{0, 0}, {1, 1}, {2, 2}, {3, 2}, {4, 3}, {5, 4}, {6, 5}};
        assertEquals(expected.length, pairs.size());
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], pairs.get(i));
        }
    }

    @Test
    void choleskySolvesKnownSystem() {
        // Given: A = [[4, 2], [2, 3]], x = [1, -1], so b = [2, -1]
        double[][] a = {{4, 2}, {2, 3}};
        double[][] b = {{2}, {-1}};

        // When
        double[][] x = CholeskySolver.solve(a, b);

        // Then
        assertEquals(1.0, x[0][0], 1e-12);
        assertEquals(-1.0, x[1][0], 1e-12);
    }

    @Test
    void indefiniteMatrixIsRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> CholeskySolver.solve(new double[][] {{1, 2}, {2, 1}}, new double[][] {{1}, {1}}));

        // Then
        assertEquals("The system matrix is not positive definite (pivot 1 is -3.0)", error.getMessage());
    }

    @Test
    void editMapsUnsafeTokensTowardSafeProjections() {
        // Given
        float[] picture = new float[3 * 32 * 32];
        List<TrainingPair> pairs = List.of(
                new TrainingPair("p1", "kitchen_knife", "a kitchen knife on a red background",
                        "a spoon on a red background", picture, picture),
                new TrainingPair("p2", "kitchen_knife", "a knife in the top left corner",
                        "a spoon in the top left corner", picture, picture));
        List<NeutralExample> neutral = List.of(new NeutralExample("a banana on a blue background", picture));
        try (MiniLmTextEncoder encoder = MiniLmTextEncoder.builder().maxTokens(16).intraOpThreads(1).build();
                NDManager root = PyTorchRuntime.engine().newBaseManager();
                UNet2DConditionModel base = UNet2DConditionModel.initialize(TinyWorld.unet(), root, 5)) {
            ErasureProblem problem = new ErasureProblem(base, "tiny", new NoiseSchedule(SchedulerConfig.ddpmLinear()),
                    encoder, pairs, neutral, Optional.empty(), Optional.empty());
            String path = base.layout().crossAttentionKeyValuePaths().get(0);
            float[] weight = base.weights().get(path + ".weight").toFloatArray();
            int out = (int) base.weights().get(path + ".weight").getShape().get(0);

            // When
            try (ErasureResult result = new UnifiedConceptEditing().train(problem,
                    RealignmentSettings.defaults(), null, root)) {
                float[] edited;
                try (NDManager scope = root.newSubManager()) {
                    edited = result.adapter().resolve(path, base.weights().get(path + ".weight"), scope)
                            .toFloatArray();
                }

                // Then: unsafe tokens land at least 5 times closer to the safe tokens' projections
                double before = 0;
                double after = 0;
                for (TrainingPair pair : pairs) {
                    TextEncoding unsafe = encoder.encode(pair.unsafePrompt());
                    TextEncoding safe = encoder.encode(pair.safePrompt());
                    for (int[] aligned : UnifiedConceptEditing.align(unsafe.tokenIds(), safe.tokenIds())) {
                        float[] target = project(weight, out, safe, aligned[1]);
                        before += distance(project(weight, out, unsafe, aligned[0]), target);
                        after += distance(project(edited, out, unsafe, aligned[0]), target);
                    }
                }
                assertTrue(after < before / 5, "squared distance before " + before + ", after " + after);
                // and the neutral prompt's tokens move far less than the unsafe ones did
                TextEncoding banana = encoder.encode("a banana on a blue background");
                double neutralShift = 0;
                for (int token = 0; token < banana.tokenCount(); token++) {
                    neutralShift += distance(project(edited, out, banana, token), project(weight, out, banana,
                            token));
                }
                assertTrue(neutralShift < before / 20, "neutral shift " + neutralShift + ", erased " + before);
                assertEquals("uce", result.adapter().config().provenance().get("method"));
            }
        }
    }

    private static float[] project(float[] weight, int out, TextEncoding encoding, int token) {
        int in = encoding.hiddenSize();
        float[] hidden = encoding.hiddenStates();
        float[] projected = new float[out];
        for (int o = 0; o < out; o++) {
            double sum = 0;
            for (int i = 0; i < in; i++) {
                sum += weight[o * in + i] * hidden[token * in + i];
            }
            projected[o] = (float) sum;
        }
        return projected;
    }

    private static double distance(float[] first, float[] second) {
        double sum = 0;
        for (int i = 0; i < first.length; i++) {
            sum += (first[i] - second[i]) * (first[i] - second[i]);
        }
        return sum;
    }
}
