package dev.pairstream.erasure.fisher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.model.LinearWeightResolver;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Checks the forward pass's per-sample Linear weights, which the batched Fisher gradients rely on. */
class PerSampleWeightForwardTest {

    private static final UNet2DConditionConfig TINY = UNet2DConditionConfig.tiny();
    private static final int BATCH = 2;
    private static final int TOKENS = 4;

    private NDManager root;
    private UNet2DConditionModel model;

    @BeforeEach
    void createModel() {
        root = PyTorchRuntime.engine().newBaseManager();
        model = UNet2DConditionModel.initialize(TINY, root, 9);
    }

    @AfterEach
    void closeModel() {
        model.close();
        root.close();
    }

    @Test
    void perSampleCopiesGiveStoredOutput() {
        // Given: every Linear layer, including the time embedding and the GEGLU projection, gets B copies of W
        try (NDManager step = root.newSubManager()) {
            Inputs inputs = Inputs.create(step);
            LinearWeightResolver copies = (path, stored, manager) -> {
                Shape shape = stored.getShape();
                return manager.zeros(new Shape(BATCH, shape.get(0), shape.get(1))).add(stored);
            };

            // When
            float[] expected = model.forward(inputs.sample, inputs.timesteps, inputs.context, inputs.mask)
                    .toFloatArray();
            float[] actual = model.forward(inputs.sample, inputs.timesteps, inputs.context, inputs.mask, copies)
                    .toFloatArray();

            // Then
            assertEquals(expected.length, actual.length);
            for (int index = 0; index < expected.length; index++) {
                assertEquals(expected[index], actual[index], 1e-5, "output index " + index);
            }
        }
    }

    @Test
    void perSampleWeightOnlyChangesItsOwnSample() {
        // Given: sample 1's copy of one to_k weight is scaled, sample 0's is left as stored
        String toK = "mid_block.attentions.0.transformer_blocks.0.attn2.to_k";
        try (NDManager step = root.newSubManager()) {
            Inputs inputs = Inputs.create(step);
            LinearWeightResolver changed = (path, stored, manager) -> {
                if (!path.equals(toK)) {
                    return stored;
                }
                Shape shape = stored.getShape();
                NDArray factors = manager.create(new float[] {1f, 3f}, new Shape(BATCH, 1, 1));
                return factors.mul(stored).reshape(BATCH, shape.get(0), shape.get(1));
            };

            // When
            float[] stored = model.forward(inputs.sample, inputs.timesteps, inputs.context, inputs.mask)
                    .toFloatArray();
            float[] perSample = model.forward(inputs.sample, inputs.timesteps, inputs.context, inputs.mask, changed)
                    .toFloatArray();

            // Then
            int perPicture = stored.length / BATCH;
            double secondDifference = 0;
            for (int index = 0; index < perPicture; index++) {
                assertEquals(stored[index], perSample[index], 1e-5, "sample 0 index " + index);
                secondDifference = Math.max(secondDifference,
                        Math.abs(stored[perPicture + index] - perSample[perPicture + index]));
            }
            assertTrue(secondDifference > 1e-6, "sample 1 is unchanged up to " + secondDifference);
        }
    }

    @Test
    void weightOfOtherBatchSizeIsRejected() {
        // Given
        try (NDManager step = root.newSubManager()) {
            Inputs inputs = Inputs.create(step);
            LinearWeightResolver threeCopies = (path, stored, manager) -> {
                Shape shape = stored.getShape();
                return manager.zeros(new Shape(3, shape.get(0), shape.get(1))).add(stored);
            };

            // When
            IllegalStateException error = assertThrows(IllegalStateException.class, () -> model.forward(
                    inputs.sample, inputs.timesteps, inputs.context, inputs.mask, threeCopies));

            // Then
            assertEquals("LinearWeightResolver returned shape (3, 32, 8) for time_embedding.linear_1; expected the"
                    + " stored weight's shape (32, 8)", error.getMessage());
        }
    }

    /** Random UNet inputs in one step manager. */
    private record Inputs(NDArray sample, NDArray timesteps, NDArray context, NDArray mask) {

        static Inputs create(NDManager step) {
            Random random = new Random(3);
            int side = TINY.sampleSize();
            float[] sample = new float[BATCH * TINY.inChannels() * side * side];
            for (int index = 0; index < sample.length; index++) {
                sample[index] = (float) random.nextGaussian();
            }
            float[] context = new float[BATCH * TOKENS * TINY.crossAttentionDim()];
            for (int index = 0; index < context.length; index++) {
                context[index] = (float) random.nextGaussian();
            }
            return new Inputs(
                    step.create(sample, new Shape(BATCH, TINY.inChannels(), side, side)),
                    step.create(new long[] {10, 700}),
                    step.create(context, new Shape(BATCH, TOKENS, TINY.crossAttentionDim())),
                    step.create(new float[] {1, 1, 1, 1, 1, 1, 0, 0}, new Shape(BATCH, TOKENS)));
        }
    }
}
