package dev.pairstream.erasure.adapter;

import static dev.pairstream.erasure.adapter.AdapterFixtures.DOWN_TO_K;
import static dev.pairstream.erasure.adapter.AdapterFixtures.TINY;
import static dev.pairstream.erasure.adapter.AdapterFixtures.forward;
import static dev.pairstream.erasure.adapter.AdapterFixtures.maxAbs;
import static dev.pairstream.erasure.adapter.AdapterFixtures.maxAbsDifference;
import static dev.pairstream.erasure.adapter.AdapterFixtures.perturb;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.model.LinearWeightResolver;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FidoraInitializerTest {

    private static final double EPSILON = 1e-6;

    @TempDir
    Path folder;

    private NDManager root;
    private UNet2DConditionModel model;
    private Map<String, NDArray> unsafeFisher;
    private Map<String, NDArray> safeFisher;

    @BeforeEach
    void createModelAndFisher() {
        root = PyTorchRuntime.engine().newBaseManager();
        model = UNet2DConditionModel.initialize(TINY, root, 7);
        unsafeFisher = randomFisher(1);
        safeFisher = randomFisher(2);
    }

    @AfterEach
    void closeModel() {
        model.close();
        root.close();
    }

    @Test
    void initialAdapterLeavesModelUnchanged() {
        for (boolean useDora : new boolean[] {true, false}) {
            // Given
            AdapterConfig config = new AdapterConfig(2, 4, useDora, TargetModules.DEFAULT_NAMES, null, null);
            try (Adapter adapter = FidoraInitializer.initialize(config, model.weights(), unsafeFisher, safeFisher,
                    EPSILON, root); NDManager step = root.newSubManager()) {

                // When
                float[] base = forward(model, step, LinearWeightResolver.stored());
                float[] adapted = forward(model, step, adapter);

                // Then
                assertTrue(adapter.hasResidualBases());
                assertTrue(maxAbsDifference(base, adapted) < 1e-5f, "use_dora=" + useDora + ": max difference "
                        + maxAbsDifference(base, adapted));
                assertTrue(maxAbs(adapter.layer(DOWN_TO_K).loraB().toFloatArray()) > 0f,
                        "FiDoRA starts with a non-zero B");
                assertEquals(FidoraInitializer.INITIALIZATION,
                        adapter.config().provenance().get(Adapter.INITIALIZATION_KEY));
            }
        }
    }

    @Test
    void fullRankFactorsReproduceTheWeight() {
        // Given: rank 8 equals the smaller side of the [8, 12] layers, so the truncated SVD is exact
        AdapterConfig config = new AdapterConfig(8, 2, true, List.of("down_blocks.0.attentions.0"
                + ".transformer_blocks.0.attn2.to_k"), null, null);

        // When
        try (Adapter adapter = FidoraInitializer.initialize(config, model.weights(), unsafeFisher, safeFisher,
                EPSILON, root); NDManager step = root.newSubManager()) {
            AdapterLayer layer = adapter.layer(DOWN_TO_K);

            // Then: s * B0 * A0 = diag(1/rho) * diag(rho) * W0 = W0, and the residual base is zero
            float[] product = scaledProduct(layer.scaling(), layer.loraB(), layer.loraA());
            float[] weight = model.weights().get(DOWN_TO_K + ".weight").toFloatArray();
            assertArrayEquals(weight, product, 1e-5f);
            assertTrue(maxAbs(layer.residualBase().orElseThrow().weight().toFloatArray()) < 1e-5f,
                    "the residual base of a full-rank initialization must vanish");
        }
    }

    @Test
    void factorsFollowFisherWeightedSvd() {
        // Given: rank 1 on one layer, computed here in plain Java from the definition
        String path = DOWN_TO_K;
        AdapterConfig config = new AdapterConfig(1, 3, false, List.of(path), null, null);
        float[] weight = model.weights().get(path + ".weight").toFloatArray();
        float[] unsafe = unsafeFisher.get(path).toFloatArray();
        float[] safe = safeFisher.get(path).toFloatArray();
        double[] rho = new double[8];
        double[][] weighted = new double[8][12];
        for (int i = 0; i < 8; i++) {
            double sum = 0;
            for (int j = 0; j < 12; j++) {
                sum += unsafe[i * 12 + j] / (safe[i * 12 + j] + EPSILON);
            }
            rho[i] = Math.sqrt(sum);
            for (int j = 0; j < 12; j++) {
                weighted[i][j] = rho[i] * weight[i * 12 + j];
            }
        }
        // The top singular pair by power iteration on diag(rho) W0, independent of the Jacobi SVD.
        double[] v = new double[12];
        Arrays.fill(v, 1);
        double sigma = 0;
        double[] u = new double[8];
        for (int iteration = 0; iteration < 2000; iteration++) {
            for (int i = 0; i < 8; i++) {
                u[i] = 0;
                for (int j = 0; j < 12; j++) {
                    u[i] += weighted[i][j] * v[j];
                }
            }
            sigma = normalize(u);
            for (int j = 0; j < 12; j++) {
                v[j] = 0;
                for (int i = 0; i < 8; i++) {
                    v[j] += weighted[i][j] * u[i];
                }
            }
            normalize(v);
        }

        // When
        try (Adapter adapter = FidoraInitializer.initialize(config, model.weights(), unsafeFisher, safeFisher,
                EPSILON, root)) {
            AdapterLayer layer = adapter.layer(path);

            // Then: s * B * A = diag(1/rho) * sigma * u v^T
            float[] expected = new float[8 * 12];
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 12; j++) {
                    expected[i * 12 + j] = (float) (sigma * u[i] * v[j] / rho[i]);
                }
            }
            assertArrayEquals(expected, scaledProduct(layer.scaling(), layer.loraB(), layer.loraA()),
                    1e-5f);
        }
    }

    @Test
    void exportReproducesTrainedModel() throws IOException {
        // Given: a FiDoRA DoRA adapter whose A, B and m moved away from their initial values
        AdapterConfig config = AdapterConfig.dora(2, 4, "models/tiny");
        Path directory = folder.resolve("fidora");
        float[] trained;
        try (Adapter adapter = FidoraInitializer.initialize(config, model.weights(), unsafeFisher, safeFisher,
                EPSILON, root); NDManager step = root.newSubManager()) {
            perturb(adapter, 0.05, 13);
            trained = forward(model, step, adapter);
            float[] base = forward(model, step, LinearWeightResolver.stored());
            assertTrue(maxAbsDifference(base, trained) > 1e-3f, "the perturbation must change the outputs");

            // When
            PeftAdapterFiles.save(adapter, directory);
        }

        // Then: the exported adapter on the unchanged base weights computes the trained model
        try (Adapter loaded = PeftAdapterFiles.load(directory, model.weights(), root);
                NDManager step = root.newSubManager()) {
            assertTrue(maxAbsDifference(trained, forward(model, step, loaded)) < 1e-5f,
                    "max difference " + maxAbsDifference(trained, forward(model, step, loaded)));
            assertEquals(4, loaded.config().rank());
            assertEquals(8.0, loaded.config().alpha());
            assertEquals(new Shape(8, 4), loaded.layer(DOWN_TO_K).loraB().getShape());
            assertEquals("2", loaded.config().provenance().get("trained_rank"));
        }
    }

    @Test
    void exportStacksTrainedAndInitialFactors() {
        // Given
        try (Adapter adapter = FidoraInitializer.initialize(AdapterConfig.lora(2, 4, null), model.weights(),
                unsafeFisher, safeFisher, EPSILON, root)) {
            AdapterLayer layer = adapter.layer(DOWN_TO_K);
            float[] initialA = layer.loraA().toFloatArray();
            float[] initialB = layer.loraB().toFloatArray();
            perturb(adapter, 0.05, 17);
            float[] trainedA = layer.loraA().toFloatArray();
            float[] trainedB = layer.loraB().toFloatArray();

            // When
            try (Adapter exported = adapter.exportForBase(root)) {
                AdapterLayer exportedLayer = exported.layer(DOWN_TO_K);

                // Then: A_exp = [A'; A0] and B_exp = [B', -B0]
                float[] expectedA = new float[4 * 12];
                System.arraycopy(trainedA, 0, expectedA, 0, 24);
                System.arraycopy(initialA, 0, expectedA, 24, 24);
                float[] expectedB = new float[8 * 4];
                for (int row = 0; row < 8; row++) {
                    expectedB[row * 4] = trainedB[row * 2];
                    expectedB[row * 4 + 1] = trainedB[row * 2 + 1];
                    expectedB[row * 4 + 2] = -initialB[row * 2];
                    expectedB[row * 4 + 3] = -initialB[row * 2 + 1];
                }
                assertArrayEquals(expectedA, exportedLayer.loraA().toFloatArray());
                assertArrayEquals(expectedB, exportedLayer.loraB().toFloatArray());
                assertEquals(layer.scaling(), exportedLayer.scaling());
                assertTrue(exportedLayer.residualBase().isEmpty());
            }
        }
    }

    @Test
    void rowWithoutUnsafeFisherIsRaisedToFloor() {
        // Given: the first output row of the down-block key projection has zero unsafe Fisher information
        float[] values = unsafeFisher.get(DOWN_TO_K).toFloatArray();
        Arrays.fill(values, 0, 12, 0f);
        unsafeFisher.put(DOWN_TO_K, root.create(values, new Shape(8, 12)));

        // When
        try (Adapter adapter = FidoraInitializer.initialize(AdapterConfig.dora(2, 4, null), model.weights(),
                unsafeFisher, safeFisher, EPSILON, root); NDManager step = root.newSubManager()) {

            // Then: every factor is finite and the model is still unchanged
            for (float value : adapter.layer(DOWN_TO_K).loraB().toFloatArray()) {
                assertTrue(Float.isFinite(value), "lora_B must be finite");
            }
            float[] base = forward(model, step, LinearWeightResolver.stored());
            assertTrue(maxAbsDifference(base, forward(model, step, adapter)) < 1e-5f);
        }
    }

    @Test
    void invalidFisherIsRejectedWithModule() {
        // Given
        Map<String, NDArray> zeroUnsafe = new LinkedHashMap<>(unsafeFisher);
        zeroUnsafe.put(DOWN_TO_K, root.zeros(new Shape(8, 12)));
        Map<String, NDArray> withoutOne = new LinkedHashMap<>(safeFisher);
        withoutOne.remove(DOWN_TO_K);
        Map<String, NDArray> negative = new LinkedHashMap<>(safeFisher);
        negative.put(DOWN_TO_K, root.full(new Shape(8, 12), -1f));
        Map<String, NDArray> wrongShape = new LinkedHashMap<>(safeFisher);
        wrongShape.put(DOWN_TO_K, root.ones(new Shape(12, 8)));
        AdapterConfig config = AdapterConfig.dora(2, 4, null);

        // When / Then
        assertEquals("Fisher importance of " + DOWN_TO_K + " is 0.0 in its largest row; expected a finite number > 0"
                + " (is the unsafe Fisher information of this layer all zero?)", assertThrows(
                        IllegalArgumentException.class, () -> FidoraInitializer.initialize(config, model.weights(),
                                zeroUnsafe, safeFisher, EPSILON, root)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FidoraInitializer.initialize(config,
                model.weights(), unsafeFisher, withoutOne, EPSILON, root)).getMessage()
                .startsWith("No Fisher information for target modules [" + DOWN_TO_K + "]"));
        assertEquals("The safe Fisher tensor of " + DOWN_TO_K + " has value -1.0 at flat index 0; expected finite"
                + " values >= 0", assertThrows(IllegalArgumentException.class, () -> FidoraInitializer.initialize(
                        config, model.weights(), unsafeFisher, negative, EPSILON, root)).getMessage());
        assertEquals("The safe Fisher tensor of " + DOWN_TO_K + " has shape (12, 8); expected the weight's shape"
                + " (8, 12)", assertThrows(IllegalArgumentException.class, () -> FidoraInitializer.initialize(
                        config, model.weights(), unsafeFisher, wrongShape, EPSILON, root)).getMessage());
        assertEquals("Invalid Fisher epsilon 0.0; expected a finite number > 0", assertThrows(
                IllegalArgumentException.class, () -> FidoraInitializer.initialize(config, model.weights(),
                        unsafeFisher, safeFisher, 0.0, root)).getMessage());
    }

    private Map<String, NDArray> randomFisher(long seed) {
        Random random = new Random(seed);
        Map<String, NDArray> fisher = new LinkedHashMap<>();
        for (String path : model.layout().crossAttentionKeyValuePaths()) {
            Shape shape = model.weights().get(path + ".weight").getShape();
            float[] values = new float[Math.toIntExact(shape.size())];
            for (int index = 0; index < values.length; index++) {
                // Squared gradients are non-negative and spread over orders of magnitude.
                double gradient = random.nextGaussian() * Math.exp(random.nextGaussian());
                values[index] = (float) (gradient * gradient * 1e-3);
            }
            fisher.put(path, root.create(values, shape));
        }
        return fisher;
    }

    private static double normalize(double[] vector) {
        double norm = 0;
        for (double value : vector) {
            norm += value * value;
        }
        norm = Math.sqrt(norm);
        for (int index = 0; index < vector.length; index++) {
            vector[index] /= norm;
        }
        return norm;
    }

    /** Returns {@code s * B * A} computed in plain Java. */
    private static float[] scaledProduct(float scaling, NDArray loraB, NDArray loraA) {
        int out = Math.toIntExact(loraB.getShape().get(0));
        int rank = Math.toIntExact(loraB.getShape().get(1));
        int in = Math.toIntExact(loraA.getShape().get(1));
        float[] b = loraB.toFloatArray();
        float[] a = loraA.toFloatArray();
        float[] product = new float[out * in];
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                double sum = 0;
                for (int k = 0; k < rank; k++) {
                    sum += (double) b[i * rank + k] * a[k * in + j];
                }
                product[i * in + j] = (float) (scaling * sum);
            }
        }
        return product;
    }
}
