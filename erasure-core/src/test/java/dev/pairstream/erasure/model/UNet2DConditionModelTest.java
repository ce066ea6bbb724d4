package dev.pairstream.erasure.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UNet2DConditionModelTest {

    private static final UNet2DConditionConfig TINY = UNet2DConditionConfig.tiny();
    private static final int BATCH = 2;
    private static final int TOKENS = 5;
    private static final String TO_K = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k";

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
    void forwardReturnsOutputChannelsAtInputResolution() {
        // Given
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7);
                NDManager step = root.newSubManager()) {
            Inputs inputs = Inputs.create(step, 1);

            // When
            NDArray output = model.forward(inputs.sample, inputs.timesteps, inputs.context, inputs.mask);

            // Then
            assertEquals(new Shape(BATCH, TINY.outChannels(), TINY.sampleSize(), TINY.sampleSize()),
                    output.getShape());
            assertEquals(DataType.FLOAT32, output.getDataType());
            assertTrue(isFinite(output.toFloatArray()), "output must be finite");
        }
    }

    @Test
    void zeroGradientsClearsWithoutGrowingManager() {
        // Given: gradients from one backward pass
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7);
                NDManager step = root.newSubManager()) {
            model.weights().setRequiresGradient(true);
            Inputs inputs = Inputs.create(step, 1);
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray output = model.forward(inputs.sample, inputs.timesteps, inputs.context, inputs.mask);
                collector.backward(output.sub(inputs.sample).square().mean());
            }
            int arraysBefore = model.weights().manager().getManagedArrays().size();

            // When: zeroed three times, as three training steps would
            for (int round = 0; round < 3; round++) {
                model.weights().zeroGradients();
            }

            // Then
            try (NDArray gradient = model.weights().get(TO_K + ".weight").getGradient()) {
                assertEquals(0f, maxAbs(gradient.toFloatArray()));
            }
            assertEquals(arraysBefore, model.weights().manager().getManagedArrays().size());
        }
    }

    @Test
    void backwardGivesFiniteNonZeroCrossAttentionGradients() {
        // Given
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7);
                NDManager step = root.newSubManager()) {
            model.weights().setRequiresGradient(true);
            Inputs inputs = Inputs.create(step, 1);

            // When: one forward and backward pass of a mean squared error
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray output = model.forward(inputs.sample, inputs.timesteps, inputs.context, inputs.mask);
                collector.backward(output.sub(inputs.sample).square().mean());
            }

            // Then: every attn2.to_k and attn2.to_v weight received a gradient
            for (String path : model.layout().crossAttentionKeyValuePaths()) {
                try (NDArray gradient = model.weights().get(path + ".weight").getGradient()) {
                    float[] values = gradient.toFloatArray();
                    assertTrue(isFinite(values), path + " gradient must be finite");
                    assertTrue(maxAbs(values) > 0f, path + " gradient must be non-zero");
                }
            }
        }
    }

    @Test
    void zeroGradientsClearsAccumulatedGradients() {
        // Given: two backward passes accumulate into the same gradient buffers
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7);
                NDManager step = root.newSubManager()) {
            model.weights().setRequiresGradient(true);
            Inputs inputs = Inputs.create(step, 1);
            float[] single = backwardAndReadGradient(model, inputs);
            float[] accumulated = backwardAndReadGradient(model, inputs);
            assertArrayEquals(scaled(single, 2f), accumulated, 1e-5f * maxAbs(single) + 1e-9f);

            // When
            model.weights().zeroGradients();

            // Then
            try (NDArray gradient = model.weights().get(TO_K + ".weight").getGradient()) {
                assertEquals(0f, maxAbs(gradient.toFloatArray()));
            }
            assertArrayEquals(single, backwardAndReadGradient(model, inputs), 1e-6f);
        }
    }

    @Test
    void sameSeedGivesBitIdenticalWeightsAndOutputs() {
        // Given
        try (UNet2DConditionModel first = UNet2DConditionModel.initialize(TINY, root, 1234);
                UNet2DConditionModel second = UNet2DConditionModel.initialize(TINY, root, 1234);
                UNet2DConditionModel other = UNet2DConditionModel.initialize(TINY, root, 1235);
                NDManager step = root.newSubManager()) {
            Inputs inputs = Inputs.create(step, 3);

            // When
            float[] firstOutput = first.forward(inputs.sample, inputs.timesteps, inputs.context, inputs.mask)
                    .toFloatArray();
            float[] secondOutput = second.forward(inputs.sample, inputs.timesteps, inputs.context, inputs.mask)
                    .toFloatArray();

            // Then
            for (String name : first.weights().names()) {
                assertArrayEquals(first.weights().get(name).toByteArray(), second.weights().get(name).toByteArray(),
                        name);
            }
            assertArrayEquals(firstOutput, secondOutput);
            assertFalse(Arrays.equals(first.weights().get(TO_K + ".weight").toFloatArray(),
                    other.weights().get(TO_K + ".weight").toFloatArray()), "another seed must give other weights");
        }
    }

    @Test
    void initializationFollowsPyTorchBoundsWithZeroBiases() {
        // Given
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 5)) {
            UNetWeights weights = model.weights();

            // When
            float[] convIn = weights.get("conv_in.weight").toFloatArray();
            float[] toK = weights.get(TO_K + ".weight").toFloatArray();

            // Then: bound 1/sqrt(fan_in) with fan_in 3*3*3 for conv_in and 12 for to_k
            assertTrue(maxAbs(convIn) <= (float) (1 / Math.sqrt(27)), "conv_in within Kaiming-uniform bound");
            assertTrue(maxAbs(convIn) > 0.8f * (float) (1 / Math.sqrt(27)), "conv_in spans its bound");
            assertTrue(maxAbs(toK) <= (float) (1 / Math.sqrt(12)), "to_k within Kaiming-uniform bound");
            assertEquals(0f, maxAbs(weights.get("conv_in.bias").toFloatArray()));
            float[] normScale = weights.get("conv_norm_out.weight").toFloatArray();
            float[] ones = new float[normScale.length];
            Arrays.fill(ones, 1f);
            assertArrayEquals(ones, normScale);
        }
    }

    @Test
    void maskedTokensDoNotAffectOutput() {
        // Given: the same inputs twice, except that the masked last token carries different context values
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7);
                NDManager step = root.newSubManager()) {
            Inputs inputs = Inputs.create(step, 1);
            NDArray mask = step.ones(new Shape(BATCH, TOKENS));
            mask.set(new NDIndex(":, -1"), 0f);
            NDArray changedContext = inputs.context.duplicate();
            changedContext.set(new NDIndex(":, -1, :"), 100f);

            // When
            float[] original = model.forward(inputs.sample, inputs.timesteps, inputs.context, mask).toFloatArray();
            float[] changed = model.forward(inputs.sample, inputs.timesteps, changedContext, mask).toFloatArray();
            float[] unmasked = model.forward(inputs.sample, inputs.timesteps, changedContext, null).toFloatArray();

            // Then
            assertArrayEquals(original, changed, 1e-6f);
            assertFalse(Arrays.equals(original, unmasked), "without the mask the changed token must matter");
        }
    }

    @Test
    void resolverSeesEveryLinearAndItsWeightIsApplied() {
        // Given: a resolver that records each path and zeroes every cross-attention value projection
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7);
                NDManager step = root.newSubManager()) {
            Inputs inputs = Inputs.create(step, 1);
            List<String> seen = new ArrayList<>();
            LinearWeightResolver zeroValues = (path, stored, stepManager) -> {
                seen.add(path);
                return path.endsWith("attn2.to_v") ? stepManager.zeros(stored.getShape()) : stored;
            };
            Set<String> expectedPaths = new LinkedHashSet<>();
            for (ParameterSpec spec : model.layout().parameters()) {
                if (spec.kind() == ParameterSpec.Kind.LINEAR_WEIGHT) {
                    expectedPaths.add(spec.name().substring(0, spec.name().length() - ".weight".length()));
                }
            }

            // When
            float[] plain = model.forward(inputs.sample, inputs.timesteps, inputs.context, inputs.mask)
                    .toFloatArray();
            float[] withZeroValues = model.forward(inputs.sample, inputs.timesteps, inputs.context, inputs.mask,
                    zeroValues).toFloatArray();
            List<String> seenInOnePass = List.copyOf(seen);
            float[] otherContext = model.forward(inputs.sample, inputs.timesteps,
                    step.randomNormal(inputs.context.getShape()), inputs.mask, zeroValues).toFloatArray();

            // Then: each Linear was resolved exactly once per pass, and with zero values the context no longer matters
            assertEquals(expectedPaths.size(), seenInOnePass.size());
            assertEquals(expectedPaths, new LinkedHashSet<>(seenInOnePass));
            assertFalse(Arrays.equals(plain, withZeroValues), "the resolved weight must be used");
            assertArrayEquals(withZeroValues, otherContext, 1e-6f);
        }
    }

    @Test
    void forwardKeepsLongLivedManagersFromGrowing() {
        // Given: weights and a cached context in long-lived managers, the sample in a per-step manager
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7);
                NDManager cache = root.newSubManager()) {
            model.weights().setRequiresGradient(true);
            NDArray context = cache.randomNormal(new Shape(BATCH, TOKENS, TINY.crossAttentionDim()));
            int weightArrays = model.weights().manager().getManagedArrays().size();
            int cacheArrays = cache.getManagedArrays().size();

            // When: two training steps
            for (int stepIndex = 0; stepIndex < 2; stepIndex++) {
                try (NDManager step = root.newSubManager();
                        GradientCollector collector = engine.newGradientCollector()) {
                    Inputs inputs = Inputs.create(step, stepIndex);
                    NDArray output = model.forward(inputs.sample, inputs.timesteps, context, inputs.mask);
                    collector.backward(output.square().mean());
                }
            }

            // Then
            assertEquals(weightArrays, model.weights().manager().getManagedArrays().size());
            assertEquals(cacheArrays, cache.getManagedArrays().size());
        }
    }

    @Test
    void invalidInputsAreRejectedWithTheirShapes() {
        // Given
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7);
                NDManager step = root.newSubManager()) {
            Inputs inputs = Inputs.create(step, 1);
            NDArray oddSample = step.zeros(new Shape(BATCH, 3, 5, 5));
            NDArray wrongChannels = step.zeros(new Shape(BATCH, 4, 8, 8));
            NDArray wrongContext = step.zeros(new Shape(BATCH, TOKENS, 13));
            NDArray wrongTimesteps = step.zeros(new Shape(BATCH + 1));
            NDArray wrongMask = step.ones(new Shape(BATCH, TOKENS + 1));

            // When / Then
            assertMessageContains("Invalid sample shape (2, 3, 5, 5)", () -> model.forward(oddSample,
                    inputs.timesteps, inputs.context, inputs.mask));
            assertMessageContains("Invalid sample shape (2, 4, 8, 8)", () -> model.forward(wrongChannels,
                    inputs.timesteps, inputs.context, inputs.mask));
            assertMessageContains("Invalid context shape (2, 5, 13)", () -> model.forward(inputs.sample,
                    inputs.timesteps, wrongContext, inputs.mask));
            assertMessageContains("Invalid timesteps shape (3)", () -> model.forward(inputs.sample,
                    wrongTimesteps, inputs.context, inputs.mask));
            assertMessageContains("Invalid contextMask shape (2, 6)", () -> model.forward(inputs.sample,
                    inputs.timesteps, inputs.context, wrongMask));
            assertMessageContains("Invalid sample dtype float64", () -> model.forward(
                    inputs.sample.toType(DataType.FLOAT64, true), inputs.timesteps, inputs.context, inputs.mask));
        }
    }

    @Test
    void resolverReturningWrongShapeIsNamed() {
        // Given
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 7);
                NDManager step = root.newSubManager()) {
            Inputs inputs = Inputs.create(step, 1);
            LinearWeightResolver wrongShape = (path, stored, manager) -> manager.zeros(new Shape(2, 2));

            // When
            IllegalStateException error = assertThrows(IllegalStateException.class, () -> model.forward(
                    inputs.sample, inputs.timesteps, inputs.context, inputs.mask, wrongShape));

            // Then
            assertEquals("LinearWeightResolver returned shape (2, 2) for time_embedding.linear_1; expected the"
                    + " stored weight's shape (32, 8)", error.getMessage());
        }
    }

    @Test
    void emojiWorldForwardRunsAtItsSampleSize() {
        // Given
        UNet2DConditionConfig config = UNet2DConditionConfig.emojiWorld();
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(config, root, 3);
                NDManager step = root.newSubManager()) {
            NDArray sample = step.randomNormal(new Shape(1, 3, 32, 32));
            NDArray timesteps = step.create(new float[] {500f});
            NDArray context = step.randomNormal(new Shape(1, 16, 384));

            // When
            NDArray output = model.forward(sample, timesteps, context, null);

            // Then
            assertEquals(new Shape(1, 3, 32, 32), output.getShape());
            assertTrue(isFinite(output.toFloatArray()), "output must be finite");
        }
    }

    private float[] backwardAndReadGradient(UNet2DConditionModel model, Inputs inputs) {
        try (NDManager step = inputs.sample.getManager().newSubManager();
                GradientCollector collector = engine.newGradientCollector()) {
            NDArray sample = inputs.sample.duplicate();
            sample.attach(step);
            NDArray output = model.forward(sample, inputs.timesteps, inputs.context, inputs.mask);
            collector.backward(output.square().mean());
        }
        try (NDArray gradient = model.weights().get(TO_K + ".weight").getGradient()) {
            return gradient.toFloatArray();
        }
    }

    private static void assertMessageContains(String expected, Runnable call) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(error.getMessage().contains(expected), () -> "expected \"" + expected + "\" in: "
                + error.getMessage());
    }

    private static boolean isFinite(float[] values) {
        for (float value : values) {
            if (!Float.isFinite(value)) {
                return false;
            }
        }
        return true;
    }

    private static float maxAbs(float[] values) {
        float max = 0f;
        for (float value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }

    private static float[] scaled(float[] values, float factor) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i] * factor;
        }
        return result;
    }

    /** Reproducible random inputs for the tiny config, created in the given step manager. */
    private record Inputs(NDArray sample, NDArray timesteps, NDArray context, NDArray mask) {
        static Inputs create(NDManager step, long seed) {
            Random random = new Random(seed);
            int size = TINY.sampleSize();
            NDArray sample = step.create(gaussian(random, BATCH * TINY.inChannels() * size * size),
                    new Shape(BATCH, TINY.inChannels(), size, size));
            NDArray timesteps = step.create(new long[] {10, 900});
            NDArray context = step.create(gaussian(random, BATCH * TOKENS * TINY.crossAttentionDim()),
                    new Shape(BATCH, TOKENS, TINY.crossAttentionDim()));
            NDArray mask = step.create(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, new Shape(BATCH, TOKENS));
            return new Inputs(sample, timesteps, context, mask);
        }

        private static float[] gaussian(Random random, int count) {
            float[] values = new float[count];
            for (int i = 0; i < count; i++) {
                values[i] = (float) random.nextGaussian();
            }
            return values;
        }
    }
}
