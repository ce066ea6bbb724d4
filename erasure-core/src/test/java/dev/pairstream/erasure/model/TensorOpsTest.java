package dev.pairstream.erasure.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Checks each building block against a plain-Java computation of its textbook definition. */
class TensorOpsTest {

    private NDManager manager;

    @BeforeEach
    void openManager() {
        manager = PyTorchRuntime.engine().newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void groupNormMatchesPlainJava() {
        // Given: B=2, C=6, H=2, W=3 split into 3 groups of 2 channels, with a per-channel scale and shift
        int batch = 2;
        int channels = 6;
        int groups = 3;
        int spatial = 6;
        float eps = 1e-5f;
        float[] input = randomValues(batch * channels * spatial, 11);
        float[] gamma = randomValues(channels, 12);
        float[] beta = randomValues(channels, 13);
        float[] expected = new float[input.length];
        int perGroup = channels / groups * spatial;
        for (int b = 0; b < batch; b++) {
            for (int g = 0; g < groups; g++) {
                int start = (b * channels + g * channels / groups) * spatial;
                double mean = 0;
                for (int i = 0; i < perGroup; i++) {
                    mean += input[start + i];
                }
                mean /= perGroup;
                double variance = 0;
                for (int i = 0; i < perGroup; i++) {
                    variance += (input[start + i] - mean) * (input[start + i] - mean);
                }
                variance /= perGroup;
                for (int i = 0; i < perGroup; i++) {
                    int channel = g * channels / groups + i / spatial;
                    double normalized = (input[start + i] - mean) / Math.sqrt(variance + eps);
                    expected[start + i] = (float) (normalized * gamma[channel] + beta[channel]);
                }
            }
        }

        // When
        NDArray output = TensorOps.groupNorm(manager.create(input, new Shape(batch, channels, 2, 3)), groups,
                manager.create(gamma), manager.create(beta), eps);

        // Then
        assertEquals(new Shape(batch, channels, 2, 3), output.getShape());
        assertArrayEquals(expected, output.toFloatArray(), 1e-5f);
    }

    @Test
    void groupNormKeepsParameterManagerUnchanged() {
        // Given: parameters in a long-lived manager and the activation in a per-step manager
        NDArray gamma = manager.ones(new Shape(4));
        NDArray beta = manager.zeros(new Shape(4));
        int before = manager.getManagedArrays().size();

        // When
        try (NDManager step = manager.newSubManager()) {
            TensorOps.groupNorm(step.ones(new Shape(1, 4, 2, 2)), 2, gamma, beta, 1e-5f);
        }

        // Then: the reshaped views of gamma and beta went to the step manager and were released with it
        assertEquals(before, manager.getManagedArrays().size());
    }

    @Test
    void attentionWithMaskMatchesPlainJava() {
        // Given: B=1, L=3 queries, T=4 tokens, 2 heads of width 2, the last token masked out
        int queries = 3;
        int tokens = 4;
        int heads = 2;
        int headWidth = 2;
        int width = heads * headWidth;
        float[] q = randomValues(queries * width, 21);
        float[] k = randomValues(tokens * width, 22);
        float[] v = randomValues(tokens * width, 23);
        float[] mask = {1, 1, 1, 0};
        float[] expected = new float[queries * width];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < queries; i++) {
                double[] scores = new double[tokens];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < tokens; j++) {
                    double dot = 0;
                    for (int d = 0; d < headWidth; d++) {
                        dot += q[i * width + h * headWidth + d] * k[j * width + h * headWidth + d];
                    }
                    scores[j] = dot / Math.sqrt(headWidth) + (1 - mask[j]) * -10000.0;
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < tokens; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int d = 0; d < headWidth; d++) {
                    double value = 0;
                    for (int j = 0; j < tokens; j++) {
                        value += scores[j] / sum * v[j * width + h * headWidth + d];
                    }
                    expected[i * width + h * headWidth + d] = (float) value;
                }
            }
        }

        // When
        NDArray bias = TensorOps.attentionBias(manager.create(mask, new Shape(1, tokens)));
        NDArray output = TensorOps.scaledDotProductAttention(manager.create(q, new Shape(1, queries, width)),
                manager.create(k, new Shape(1, tokens, width)), manager.create(v, new Shape(1, tokens, width)), heads,
                bias);

        // Then
        assertEquals(new Shape(1, queries, width), output.getShape());
        assertArrayEquals(expected, output.toFloatArray(), 1e-5f);
    }

    @Test
    void timestepEmbeddingMatchesDiffusersFormula() {
        // Given: dim 6 (3 frequencies), flip_sin_to_cos true, freq_shift 1, timesteps 0, 7 and 999
        float[] timesteps = {0f, 7f, 999f};
        int dim = 6;
        int half = dim / 2;
        int freqShift = 1;
        float[] expected = new float[timesteps.length * dim];
        for (int b = 0; b < timesteps.length; b++) {
            for (int i = 0; i < half; i++) {
                double frequency = Math.exp(-Math.log(10000) * i / (half - freqShift));
                double argument = timesteps[b] * frequency;
                expected[b * dim + i] = (float) Math.cos(argument);
                expected[b * dim + half + i] = (float) Math.sin(argument);
            }
        }

        // When
        NDArray embedding = TensorOps.timestepEmbedding(manager.create(timesteps), dim, true, freqShift);

        // Then: float32 arguments near 1000 carry about 1e-4 absolute rounding
        assertEquals(new Shape(3, dim), embedding.getShape());
        assertArrayEquals(expected, embedding.toFloatArray(), 2e-4f);
    }

    @Test
    void timestepEmbeddingPadsOddWidth() {
        // When
        NDArray embedding = TensorOps.timestepEmbedding(manager.create(new long[] {3}), 5, false, 0);

        // Then: sin(3 * 1), sin(3 * 0.01), cos(3), cos(0.03), then one zero column
        assertArrayEquals(new float[] {(float) Math.sin(3), (float) Math.sin(0.03), (float) Math.cos(3),
                (float) Math.cos(0.03), 0f}, embedding.toFloatArray(), 1e-6f);
    }

    @Test
    void upsampleRepeatsEachPixelIntoTwoByTwo() {
        // Given: one 2x2 channel [[1, 2], [3, 4]]
        NDArray input = manager.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2));

        // When
        NDArray output = TensorOps.upsampleNearest2x(input);

        // Then
        assertEquals(new Shape(1, 1, 4, 4), output.getShape());
        assertArrayEquals(new float[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, output.toFloatArray());
    }

    @Test
    void gegluGatesWithExactGelu() {
        // Given: hidden (1, 2, 3) and gate (1, -1, 2); GELU(x) = x * Phi(x) with Phi(1) = 0.8413447461,
        // Phi(-1) = 0.1586552539 and Phi(2) = 0.9772498681
        NDArray projected = manager.create(new float[] {1, 2, 3, 1, -1, 2}, new Shape(1, 6));

        // When
        NDArray output = TensorOps.geglu(projected);

        // Then
        assertArrayEquals(new float[] {1 * 0.8413447461f, 2 * -0.1586552539f, 3 * 2 * 0.9772498681f},
                output.toFloatArray(), 1e-6f);
    }

    @Test
    void siluMatchesDefinition() {
        // Given
        float[] values = {-3f, -0.5f, 0f, 0.5f, 4f};

        // When
        NDArray output = TensorOps.silu(manager.create(values));

        // Then
        float[] expected = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            expected[i] = (float) (values[i] / (1 + Math.exp(-values[i])));
        }
        assertArrayEquals(expected, output.toFloatArray(), 1e-6f);
    }

    @Test
    void groupNormRejectsIndivisibleChannels() {
        // Given
        NDArray input = manager.zeros(new Shape(1, 6, 2, 2));

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> TensorOps.groupNorm(input, 4, manager.ones(new Shape(6)), manager.zeros(new Shape(6)), 1e-5f));

        // Then
        assertEquals("groupNorm needs channels divisible by groups, got 6 channels and 4", error.getMessage());
    }

    @Test
    void attentionBiasIsZeroForKeptTokens() {
        // When
        NDArray bias = TensorOps.attentionBias(manager.create(new boolean[] {true, false}, new Shape(1, 2)));

        // Then
        assertEquals(new Shape(1, 1, 1, 2), bias.getShape());
        assertEquals(DataType.FLOAT32, bias.getDataType());
        assertArrayEquals(new float[] {0f, -10000f}, bias.toFloatArray(), 0f);
    }

    private static float[] randomValues(int count, long seed) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
