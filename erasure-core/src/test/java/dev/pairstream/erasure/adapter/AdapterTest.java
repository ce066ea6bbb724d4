package dev.pairstream.erasure.adapter;

import static dev.pairstream.erasure.adapter.AdapterFixtures.DOWN_TO_K;
import static dev.pairstream.erasure.adapter.AdapterFixtures.TINY;
import static dev.pairstream.erasure.adapter.AdapterFixtures.forward;
import static dev.pairstream.erasure.adapter.AdapterFixtures.maxAbs;
import static dev.pairstream.erasure.adapter.AdapterFixtures.maxAbsDifference;
import static dev.pairstream.erasure.adapter.AdapterFixtures.perturb;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.pairstream.erasure.model.LinearWeightResolver;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdapterTest {

    private Engine engine;
    private NDManager root;

    @BeforeEach
    void openManager() {
        engine = PyTorchRuntime.engine();
        root = engine.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        root.close();
    }

    @Test
    void doraGradientTreatsRowNormAsConstant() {
        // Given: a 3x2 Linear weight with a rank-2 DoRA layer, s = 1.5 / 2, and the loss sum(G * W')
        double[][] base = {{0.5, -1.0}, {2.0, 0.3}, {-0.7, 1.1}};
        double[][] a = {{0.2, -0.4}, {0.6, 0.1}};
        double[][] b = {{0.3, -0.2}, {0.1, 0.5}, {-0.4, 0.25}};
        double[] m = {1.5, 0.8, 2.0};
        double[][] g = {{1.0, -2.0}, {0.5, 3.0}, {-1.0, 0.25}};
        double s = 0.75;
        try (NDManager parameters = root.newSubManager(); NDManager step = root.newSubManager()) {
            NDArray loraA = parameters.create(toFloats(a), new Shape(2, 2));
            NDArray loraB = parameters.create(toFloats(b), new Shape(3, 2));
            NDArray magnitude = parameters.create(new float[] {1.5f, 0.8f, 2.0f});
            DoraLayer layer = new DoraLayer("probe", loraA, loraB, magnitude, (float) s);
            for (NDArray parameter : layer.parameters().values()) {
                parameter.setRequiresGradient(true);
            }
            NDArray storedWeight = parameters.create(toFloats(base), new Shape(3, 2));
            NDArray lossWeights = step.create(toFloats(g), new Shape(3, 2));

            // When
            float[] adapted;
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray weight = layer.adaptedWeight(storedWeight, step);
                adapted = weight.toFloatArray();
                collector.backward(weight.mul(lossWeights).sum());
            }

            // Then: W' = m V / ||V|| with V = W0 + s B A, and the gradients of the detached-norm formula
            double[][] v = new double[3][2];
            double[] norms = new double[3];
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 2; j++) {
                    v[i][j] = base[i][j] + s * (b[i][0] * a[0][j] + b[i][1] * a[1][j]);
                }
                norms[i] = Math.hypot(v[i][0], v[i][1]);
            }
            float[] expectedWeight = new float[6];
            float[] expectedMagnitudeGradient = new float[3];
            double[][] upstream = new double[3][2];
            double[][] fullUpstream = new double[3][2];
            for (int i = 0; i < 3; i++) {
                double projection = 0;
                for (int j = 0; j < 2; j++) {
                    expectedWeight[i * 2 + j] = (float) (m[i] * v[i][j] / norms[i]);
                    projection += g[i][j] * v[i][j];
                    upstream[i][j] = g[i][j] * m[i] / norms[i];
                }
                expectedMagnitudeGradient[i] = (float) (projection / norms[i]);
                for (int j = 0; j < 2; j++) {
                    fullUpstream[i][j] = m[i] / norms[i] * (g[i][j] - projection * v[i][j] / (norms[i] * norms[i]));
                }
            }
            float[] expectedGradientA = gradientA(s, b, upstream);
            float[] expectedGradientB = gradientB(s, a, upstream);

            assertArrayEquals(expectedWeight, adapted, 1e-6f);
            assertArrayEquals(expectedMagnitudeGradient, gradientOf(magnitude), 1e-5f);
            assertArrayEquals(expectedGradientA, gradientOf(loraA), 1e-5f);
            assertArrayEquals(expectedGradientB, gradientOf(loraB), 1e-5f);
            // The gradient through a norm that is not detached differs, so the checks above can tell them apart.
            assertTrue(maxAbsDifference(gradientA(s, b, fullUpstream), expectedGradientA) > 1e-2f,
                    "the test values must separate the detached from the full gradient");
        }
    }

    @Test
    void loraWeightIsBasePlusScaledProduct() {
        // Given: W0 [2, 3], A [1, 3], B [2, 1], s = 2
        try (NDManager parameters = root.newSubManager(); NDManager step = root.newSubManager()) {
            NDArray stored = parameters.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3));
            LoraLayer layer = new LoraLayer("probe", parameters.create(new float[] {1, 0, -1}, new Shape(1, 3)),
                    parameters.create(new float[] {0.5f, -2f}, new Shape(2, 1)), 2f);

            // When
            float[] adapted = layer.adaptedWeight(stored, step).toFloatArray();

            // Then: row 0 adds 2 * 0.5 * [1, 0, -1], row 1 adds 2 * -2 * [1, 0, -1]
            assertArrayEquals(new float[] {2, 2, 2, 0, 5, 10}, adapted, 1e-6f);
        }
    }

    @Test
    void standardInitializationLeavesModelUnchanged() {
        // Given
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7);
                Adapter adapter = Adapter.initialize(AdapterConfig.dora(4, 4, "tiny"), model.weights(), root, 3);
                NDManager step = root.newSubManager()) {

            // When
            float[] base = forward(model, step, LinearWeightResolver.stored());
            float[] adapted = forward(model, step, adapter);

            // Then
            assertEquals(model.layout().crossAttentionKeyValuePaths(), List.copyOf(adapter.layers().keySet()));
            assertTrue(maxAbsDifference(base, adapted) < 1e-5f, "max difference " + maxAbsDifference(base, adapted));
            DoraLayer layer = (DoraLayer) adapter.layer(DOWN_TO_K);
            assertEquals(new Shape(4, TINY.crossAttentionDim()), layer.loraA().getShape());
            assertEquals(0f, maxAbs(layer.loraB().toFloatArray()));
            float bound = (float) (1 / Math.sqrt(TINY.crossAttentionDim()));
            assertTrue(maxAbs(layer.loraA().toFloatArray()) <= bound, "A must lie within the Kaiming bound");
            assertArrayEquals(rowNorms(model.weights().get(DOWN_TO_K + ".weight")),
                    layer.magnitude().toFloatArray(), 1e-6f);
        }
    }

    @Test
    void sameSeedGivesSameInitialization() {
        // Given
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7);
                Adapter first = Adapter.initialize(AdapterConfig.lora(2, 2, null), model.weights(), root, 11);
                Adapter second = Adapter.initialize(AdapterConfig.lora(2, 2, null), model.weights(), root, 11);
                Adapter other = Adapter.initialize(AdapterConfig.lora(2, 2, null), model.weights(), root, 12)) {

            // When
            float[] firstA = first.layer(DOWN_TO_K).loraA().toFloatArray();

            // Then
            assertArrayEquals(firstA, second.layer(DOWN_TO_K).loraA().toFloatArray());
            assertFalse(Arrays.equals(firstA, other.layer(DOWN_TO_K).loraA().toFloatArray()),
                    "another seed must give another A");
            assertEquals(Map.of(Adapter.INITIALIZATION_KEY, "standard", "seed", "11"), first.config().provenance());
        }
    }

    @Test
    void mergedDoraMatchesResolverAndUnmergeRestoresWeights() {
        // Given: a DoRA adapter whose A, B and m all differ from their initial values
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7);
                Adapter adapter = Adapter.initialize(AdapterConfig.dora(4, 8, "tiny"), model.weights(), root, 3);
                NDManager step = root.newSubManager()) {
            perturb(adapter, 0.1, 21);
            Map<String, float[]> originals = new LinkedHashMap<>();
            for (String name : model.weights().names()) {
                originals.put(name, model.weights().get(name).toFloatArray());
            }
            float[] base = forward(model, step, LinearWeightResolver.stored());
            float[] unmerged = forward(model, step, adapter);

            // When
            adapter.merge(model.weights());
            float[] merged = forward(model, step, LinearWeightResolver.stored());

            // Then: same outputs, and the adapter refuses to act as resolver on top of its merged weights
            assertTrue(maxAbsDifference(base, unmerged) > 1e-3f, "the perturbed adapter must change the outputs");
            assertTrue(maxAbsDifference(unmerged, merged) < 1e-5f,
                    "max difference " + maxAbsDifference(unmerged, merged));
            assertTrue(adapter.isMerged());
            IllegalStateException error = assertThrows(IllegalStateException.class,
                    () -> forward(model, step, adapter));
            assertTrue(error.getMessage().contains("merged"), error.getMessage());

            // When
            adapter.unmerge(model.weights());

            // Then: every weight is bit-identical to before the merge
            assertFalse(adapter.isMerged());
            for (Map.Entry<String, float[]> original : originals.entrySet()) {
                assertArrayEquals(original.getValue(), model.weights().get(original.getKey()).toFloatArray(),
                        original.getKey());
            }
            assertArrayEquals(base, forward(model, step, LinearWeightResolver.stored()));
        }
    }

    @Test
    void mergeStateErrorsNameTheProblem() {
        // Given
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7);
                UNet2DConditionModel other = UNet2DConditionModel.initialize(TINY, root, 8);
                Adapter adapter = Adapter.initialize(AdapterConfig.lora(2, 2, null), model.weights(), root, 3)) {
            // Weights left trainable by pretraining must still accept the in-place merge.
            model.weights().setRequiresGradient(true);

            // When / Then
            assertEquals("The adapter is not merged", assertThrows(IllegalStateException.class,
                    () -> adapter.unmerge(model.weights())).getMessage());
            adapter.merge(model.weights());
            assertEquals("The adapter is already merged; unmerge it before merging again",
                    assertThrows(IllegalStateException.class, () -> adapter.merge(model.weights())).getMessage());
            assertEquals("The adapter is merged into other weights than the ones given",
                    assertThrows(IllegalStateException.class, () -> adapter.unmerge(other.weights())).getMessage());
            adapter.unmerge(model.weights());
        }
    }

    @Test
    void trainingStepReachesAdapterAndKeepsManagersBounded() {
        // Given: a fresh DoRA adapter (B = 0) whose arrays require gradients
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7);
                Adapter adapter = Adapter.initialize(AdapterConfig.dora(2, 2, "tiny"), model.weights(), root, 3)) {
            adapter.setRequiresGradient(true);
            int adapterArrays = adapter.manager().getManagedArrays().size();
            int weightArrays = model.weights().manager().getManagedArrays().size();

            // When: two forward and backward passes
            for (int stepIndex = 0; stepIndex < 2; stepIndex++) {
                adapter.zeroGradients();
                try (NDManager step = root.newSubManager();
                        GradientCollector collector = engine.newGradientCollector()) {
                    NDArray sample = step.randomNormal(new Shape(2, TINY.inChannels(), 8, 8));
                    NDArray output = model.forward(sample, step.create(new long[] {3, 700}),
                            step.randomNormal(new Shape(2, 4, TINY.crossAttentionDim())), null, adapter);
                    collector.backward(output.square().mean());
                }
            }

            // Then: B and m get gradients, A none while B is zero, and no manager grew
            DoraLayer layer = (DoraLayer) adapter.layer(DOWN_TO_K);
            assertTrue(maxAbs(gradientOf(layer.loraB())) > 0f, "lora_B gradient must be non-zero");
            assertTrue(maxAbs(gradientOf(layer.magnitude())) > 0f, "magnitude gradient must be non-zero");
            assertEquals(0f, maxAbs(gradientOf(layer.loraA())));
            assertEquals(adapterArrays, adapter.manager().getManagedArrays().size());
            assertEquals(weightArrays, model.weights().manager().getManagedArrays().size());
            assertEquals(List.of(DOWN_TO_K + AdapterLayer.LORA_A_SUFFIX, DOWN_TO_K + AdapterLayer.LORA_B_SUFFIX,
                    DOWN_TO_K + AdapterLayer.MAGNITUDE_SUFFIX), adapter.parameters().keySet().stream().limit(3)
                    .toList());

            // When
            adapter.zeroGradients();

            // Then
            assertEquals(0f, maxAbs(gradientOf(layer.loraB())));
            assertEquals(0f, maxAbs(gradientOf(layer.magnitude())));
            assertEquals(adapterArrays, adapter.manager().getManagedArrays().size());
        }
    }

    @Test
    void invalidLayersAndRanksAreRejected() {
        // Given
        try (NDManager parameters = root.newSubManager();
                UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7)) {
            NDArray loraA = parameters.zeros(new Shape(2, 3));
            NDArray loraB = parameters.zeros(new Shape(4, 2));

            // When / Then
            assertEquals("Adapter tensor probe.lora_magnitude_vector has shape (5); expected (4)",
                    assertThrows(IllegalArgumentException.class, () -> new DoraLayer("probe", loraA, loraB,
                            parameters.ones(new Shape(5)), 1f)).getMessage());
            assertEquals("Adapter layer probe has lora_A (2, 3) and lora_B (4, 3); expected A [r, in] and B"
                    + " [out, r] with the same r", assertThrows(IllegalArgumentException.class,
                            () -> new LoraLayer("probe", loraA, parameters.zeros(new Shape(4, 3)), 1f)).getMessage());
            assertEquals("Stored weight of probe has shape (3, 4) but the adapter layer expects (4, 3)",
                    assertThrows(IllegalArgumentException.class, () -> new LoraLayer("probe", loraA, loraB, 1f)
                            .adaptedWeight(parameters.zeros(new Shape(3, 4)), parameters)).getMessage());
            IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class,
                    () -> Adapter.initialize(AdapterConfig.dora(9, 9, null), model.weights(), root, 1));
            assertEquals("Adapter rank 9 exceeds the smaller side of " + DOWN_TO_K + " with weight (8, 12); expected"
                    + " a rank of at most 8", tooLarge.getMessage());
        }
    }

    private static float[] gradientA(double s, double[][] b, double[][] upstream) {
        // dL/dA = s * B^T * dL/dV
        float[] gradient = new float[4];
        for (int k = 0; k < 2; k++) {
            for (int j = 0; j < 2; j++) {
                double sum = 0;
                for (int i = 0; i < 3; i++) {
                    sum += b[i][k] * upstream[i][j];
                }
                gradient[k * 2 + j] = (float) (s * sum);
            }
        }
        return gradient;
    }

    private static float[] gradientB(double s, double[][] a, double[][] upstream) {
        // dL/dB = s * dL/dV * A^T
        float[] gradient = new float[6];
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 2; k++) {
                double sum = 0;
                for (int j = 0; j < 2; j++) {
                    sum += upstream[i][j] * a[k][j];
                }
                gradient[i * 2 + k] = (float) (s * sum);
            }
        }
        return gradient;
    }

    private static float[] gradientOf(NDArray parameter) {
        try (NDArray gradient = parameter.getGradient()) {
            return gradient.toFloatArray();
        }
    }

    private static float[] rowNorms(NDArray weight) {
        int columns = Math.toIntExact(weight.getShape().get(1));
        float[] values = weight.toFloatArray();
        float[] norms = new float[values.length / columns];
        for (int row = 0; row < norms.length; row++) {
            double sum = 0;
            for (int column = 0; column < columns; column++) {
                sum += (double) values[row * columns + column] * values[row * columns + column];
            }
            norms[row] = (float) Math.sqrt(sum);
        }
        return norms;
    }

    private static float[] toFloats(double[][] matrix) {
        float[] values = new float[matrix.length * matrix[0].length];
        for (int row = 0; row < matrix.length; row++) {
            for (int column = 0; column < matrix[0].length; column++) {
                values[row * matrix[0].length + column] = (float) matrix[row][column];
            }
        }
        return values;
    }
}
