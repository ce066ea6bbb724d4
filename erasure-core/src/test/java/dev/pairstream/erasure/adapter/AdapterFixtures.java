package dev.pairstream.erasure.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.model.LinearWeightResolver;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import java.util.Random;

/** Inputs, perturbations and comparisons shared by the adapter tests, all on the tiny UNet config. */
final class AdapterFixtures {

    static final UNet2DConditionConfig TINY = UNet2DConditionConfig.tiny();
    static final int BATCH = 2;
    static final int TOKENS = 5;
    static final String DOWN_TO_K = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k";

    private AdapterFixtures() {
    }

    /** Runs the model on reproducible inputs created in {@code step} and returns the output values. */
    static float[] forward(UNet2DConditionModel model, NDManager step, LinearWeightResolver resolver) {
        Random random = new Random(5);
        int size = TINY.sampleSize();
        NDArray sample = step.create(gaussian(random, BATCH * TINY.inChannels() * size * size),
                new Shape(BATCH, TINY.inChannels(), size, size));
        NDArray timesteps = step.create(new long[] {10, 900});
        NDArray context = step.create(gaussian(random, BATCH * TOKENS * TINY.crossAttentionDim()),
                new Shape(BATCH, TOKENS, TINY.crossAttentionDim()));
        NDArray mask = step.create(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, new Shape(BATCH, TOKENS));
        return model.forward(sample, timesteps, context, mask, resolver).toFloatArray();
    }

    /**
     * Adds Gaussian noise of the given standard deviation to every trainable array of the adapter in place, so that
     * B is no longer zero and the magnitude no longer equals the base row norms.
     */
    static void perturb(Adapter adapter, double standardDeviation, long seed) {
        Random random = new Random(seed);
        for (NDArray parameter : adapter.parameters().values()) {
            float[] values = parameter.toFloatArray();
            for (int index = 0; index < values.length; index++) {
                values[index] += (float) (standardDeviation * random.nextGaussian());
            }
            parameter.set(values);
        }
    }

    static float maxAbsDifference(float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            throw new AssertionError("Lengths differ: " + expected.length + " and " + actual.length);
        }
        float max = 0f;
        for (int index = 0; index < expected.length; index++) {
            max = Math.max(max, Math.abs(expected[index] - actual[index]));
        }
        return max;
    }

    static float maxAbs(float[] values) {
        float max = 0f;
        for (float value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }

    static float[] gaussian(Random random, int count) {
        float[] values = new float[count];
        for (int index = 0; index < count; index++) {
            values[index] = (float) random.nextGaussian();
        }
        return values;
    }
}
