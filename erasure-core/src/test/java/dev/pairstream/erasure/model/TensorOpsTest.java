package dev.pairstream.erasure.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
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
        float[] expected = plainAttention(q, k, v, mask, 1, queries, tokens, heads, headWidth);

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
    void attentionSlicesMatchPlainJava() {
        // Given: B=5 samples with their own masks, L=6 queries, T=3 tokens, 2 heads of width 3, and a slice limit
        // of two samples' scores, so the batch runs as slices of 1, 2 and 2 samples
        int batch = 5;
        int queries = 6;
        int tokens = 3;
        int heads = 2;
        int headWidth = 3;
        int width = heads * headWidth;
        float[] q = randomValues(batch * queries * width, 31);
        float[] k = randomValues(batch * tokens * width, 32);
        float[] v = randomValues(batch * tokens * width, 33);
        float[] mask = {1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0};
        float[] expected = plainAttention(q, k, v, mask, batch, queries, tokens, heads, headWidth);
        long twoSamplesOfScores = 2L * heads * queries * tokens * Float.BYTES;

        // When
        NDArray bias = TensorOps.attentionBias(manager.create(mask, new Shape(batch, tokens)));
        NDArray output = TensorOps.scaledDotProductAttention(manager.create(q, new Shape(batch, queries, width)),
                manager.create(k, new Shape(batch, tokens, width)), manager.create(v, new Shape(batch, tokens, width)),
                heads, bias, twoSamplesOfScores);

        // Then
        assertEquals(new Shape(batch, queries, width), output.getShape());
        assertArrayEquals(expected, output.toFloatArray(), 1e-5f);
    }

    @Test
    void attentionSlicesKeepGradients() {
        // Given: the same inputs attended in one piece and one sample at a time
        Shape queryShape = new Shape(3, 5, 4);
        Shape keyShape = new Shape(3, 2, 4);
        float[] q = randomValues(Math.toIntExact(queryShape.size()), 41);
        float[] k = randomValues(Math.toIntExact(keyShape.size()), 42);
        float[] v = randomValues(Math.toIntExact(keyShape.size()), 43);
        float[] outputWeights = randomValues(Math.toIntExact(queryShape.size()), 44);

        // When
        float[][] whole = attentionGradients(q, k, v, outputWeights, queryShape, keyShape, Long.MAX_VALUE);
        float[][] sliced = attentionGradients(q, k, v, outputWeights, queryShape, keyShape, 1);

        // Then
        assertArrayEquals(whole[0], sliced[0], 1e-6f, "query gradient");
        assertArrayEquals(whole[1], sliced[1], 1e-6f, "key gradient");
        assertArrayEquals(whole[2], sliced[2], 1e-6f, "value gradient");
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
    void upsampleBackwardSumsBlocks() {
        // Given: one 2x2 channel and a distinct weight on each of the 16 output pixels
        NDArray input = manager.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2));
        input.setRequiresGradient(true);
        float[] weights = new float[16];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = i + 1;
        }
        float[] expected = new float[4];
        for (int row = 0; row < 4; row++) {
            for (int column = 0; column < 4; column++) {
                expected[row / 2 * 2 + column / 2] += weights[row * 4 + column];
            }
        }

        // When
        try (GradientCollector collector = PyTorchRuntime.engine().newGradientCollector()) {
            NDArray output = TensorOps.upsampleNearest2x(input);
            collector.backward(output.mul(manager.create(weights, new Shape(1, 1, 4, 4))).sum());
        }

        // Then: each input pixel collects the weights of the 2x2 block it was copied to
        assertArrayEquals(expected, input.getGradient().toFloatArray(), 0f);
    }

    @Test
    void scaleGradientSurvivesGarbageCollection() {
        // Given: y = sum(scale(x, 0.125)), whose gradient is 0.125 for every element of x
        NDArray input = manager.create(new float[] {1f, -2f, 3f, 4f});
        input.setRequiresGradient(true);

        // When: garbage is collected between the forward and the backward pass, and freed native memory is reused
        // by new direct buffers full of NaN, as happens in a long training run
        try (GradientCollector collector = PyTorchRuntime.engine().newGradientCollector()) {
            NDArray output = TensorOps.scale(input, 0.125f).sum();
            for (int round = 0; round < 3; round++) {
                System.gc();
                fillFreedNativeMemoryWithNaN();
            }
            collector.backward(output);
        }

        // Then
        assertArrayEquals(new float[] {0.125f, 0.125f, 0.125f, 0.125f}, input.getGradient().toFloatArray(), 0f);
    }

    /** Allocates many small direct buffers holding NaN, so that memory freed by a collection gets overwritten. */
    private static void fillFreedNativeMemoryWithNaN() {
        java.util.List<java.nio.ByteBuffer> buffers = new java.util.ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocateDirect(4).order(java.nio.ByteOrder.nativeOrder());
            buffer.putFloat(0, Float.NaN);
            buffers.add(buffer);
        }
        assertEquals(20_000, buffers.size());
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
    void gegluLinearMatchesPlainJava() {
        // Given: two unit input rows, so each projected value is one weight entry plus its bias. The gate values
        // come out as 1, -0.5, -0.5 and 2, where GELU(x) = x * Phi(x) with Phi(1) = 0.8413447461,
        // Phi(-0.5) = 0.3085375387 and Phi(2) = 0.9772498681.
        NDArray input = manager.create(new float[] {1, 0, 0, 1}, new Shape(2, 2));
        NDArray weight = manager.create(new float[] {
            3, 5,
            -2, 7,
            0.5f, -1,
            -1, 1.5f}, new Shape(4, 2));
        NDArray bias = manager.create(new float[] {1, -1, 0.5f, 0.5f});

        // When
        NDArray output = TensorOps.gegluLinear(input, weight, bias);

        // Then: hidden = (4, -3) and gate = (1, -0.5) for row 0, hidden = (6, 6) and gate = (-0.5, 2) for row 1
        float[] expected = {
            4 * 0.8413447461f, -3 * -0.5f * 0.3085375387f,
            6 * -0.5f * 0.3085375387f, 6 * 2 * 0.9772498681f};
        assertEquals(new Shape(2, 2), output.getShape());
        assertArrayEquals(expected, output.toFloatArray(), 1e-6f);
    }

    @Test
    void gegluLinearMatchesFullWidthProjection() {
        // Given: B=2, L=3 tokens of width 4 projected to 2 * 5 features
        float[] inputValues = randomValues(24, 51);
        float[] weightValues = randomValues(40, 52);
        float[] biasValues = randomValues(10, 53);

        // When
        float[][] split = gegluGradients(inputValues, weightValues, biasValues, false);
        float[][] halves = gegluGradients(inputValues, weightValues, biasValues, true);

        // Then: equal up to float32 rounding, compared relative to each array's largest entry. The contiguous gate of
        // gegluLinear gets PyTorch 2.7.1's vectorized GELU kernel. In the negative tail that kernel is off by up to
        // about 1.5e-7, while the strided half of a split output gets the more exact scalar kernel.
        assertArrayEquals(split[0], halves[0], relativeTolerance(split[0]), "output");
        assertArrayEquals(split[1], halves[1], relativeTolerance(split[1]), "input gradient");
        assertArrayEquals(split[2], halves[2], relativeTolerance(split[2]), "weight gradient");
        assertArrayEquals(split[3], halves[3], relativeTolerance(split[3]), "bias gradient");
    }

    @Test
    void gegluLinearKeepsParameterManagerUnchanged() {
        // Given: parameters in a long-lived manager and the activation in a per-step manager
        NDArray weight = manager.ones(new Shape(6, 2));
        NDArray bias = manager.zeros(new Shape(6));
        int before = manager.getManagedArrays().size();

        // When
        try (NDManager step = manager.newSubManager()) {
            TensorOps.gegluLinear(step.ones(new Shape(1, 2)), weight, bias);
        }

        // Then: the halves of the weight and bias went to the step manager and were released with it
        assertEquals(before, manager.getManagedArrays().size());
    }

    @Test
    void gegluLinearRejectsOddWeightRows() {
        // Given
        NDArray input = manager.zeros(new Shape(1, 2));

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> TensorOps.gegluLinear(input, manager.zeros(new Shape(3, 2)), manager.zeros(new Shape(3))));

        // Then
        assertEquals("gegluLinear needs input [..., in], weight [2 * inner, in] and bias [2 * inner], got (1, 2),"
                + " (3, 2) and (3)", error.getMessage());
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

    /**
     * Computes masked multi-head attention in double precision: for each sample, head and query,
     * {@code softmax(q k^T / sqrt(d) + (1 - mask) * -10000) v}.
     */
    private static float[] plainAttention(float[] q, float[] k, float[] v, float[] mask, int batch, int queries,
            int tokens, int heads, int headWidth) {
        int width = heads * headWidth;
        float[] expected = new float[batch * queries * width];
        for (int b = 0; b < batch; b++) {
            int queryBase = b * queries * width;
            int tokenBase = b * tokens * width;
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < queries; i++) {
                    double[] scores = new double[tokens];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tokens; j++) {
                        double dot = 0;
                        for (int d = 0; d < headWidth; d++) {
                            dot += q[queryBase + i * width + h * headWidth + d]
                                    * k[tokenBase + j * width + h * headWidth + d];
                        }
                        scores[j] = dot / Math.sqrt(headWidth) + (1 - mask[b * tokens + j]) * -10000.0;
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
                            value += scores[j] / sum * v[tokenBase + j * width + h * headWidth + d];
                        }
                        expected[queryBase + i * width + h * headWidth + d] = (float) value;
                    }
                }
            }
        }
        return expected;
    }

    /**
     * Returns the query, key and value gradients of {@code sum(attention(q, k, v) * outputWeights)} with 2 heads,
     * no bias and score slices of at most {@code maxChunkBytes} bytes.
     */
    private float[][] attentionGradients(float[] q, float[] k, float[] v, float[] outputWeights, Shape queryShape,
            Shape keyShape, long maxChunkBytes) {
        try (NDManager step = manager.newSubManager();
                GradientCollector collector = PyTorchRuntime.engine().newGradientCollector()) {
            NDArray query = step.create(q, queryShape);
            NDArray key = step.create(k, keyShape);
            NDArray value = step.create(v, keyShape);
            for (NDArray array : new NDArray[] {query, key, value}) {
                array.setRequiresGradient(true);
            }
            NDArray output = TensorOps.scaledDotProductAttention(query, key, value, 2, null, maxChunkBytes);
            collector.backward(output.mul(step.create(outputWeights, queryShape)).sum());
            return new float[][] {query.getGradient().toFloatArray(), key.getGradient().toFloatArray(),
                value.getGradient().toFloatArray()};
        }
    }

    /**
     * Returns the output of GEGLU on a [2, 3, 4] input with a [10, 4] weight, then the input, weight and bias
     * gradients of {@code sum(output * output)}, computed either with {@link TensorOps#gegluLinear} or with one
     * full-width linear layer followed by {@link TensorOps#geglu}.
     */
    private float[][] gegluGradients(float[] inputValues, float[] weightValues, float[] biasValues,
            boolean halves) {
        try (NDManager step = manager.newSubManager();
                GradientCollector collector = PyTorchRuntime.engine().newGradientCollector()) {
            NDArray input = step.create(inputValues, new Shape(2, 3, 4));
            NDArray weight = step.create(weightValues, new Shape(10, 4));
            NDArray bias = step.create(biasValues, new Shape(10));
            for (NDArray array : new NDArray[] {input, weight, bias}) {
                array.setRequiresGradient(true);
            }
            NDArray output = halves ? TensorOps.gegluLinear(input, weight, bias)
                    : TensorOps.geglu(Linear.linear(input, weight, bias).singletonOrThrow());
            collector.backward(output.square().sum());
            return new float[][] {output.toFloatArray(), input.getGradient().toFloatArray(),
                weight.getGradient().toFloatArray(), bias.getGradient().toFloatArray()};
        }
    }

    /** Returns 1e-5 times the largest magnitude in {@code values}, or 1e-5 when all are below one. */
    private static float relativeTolerance(float[] values) {
        float max = 1f;
        for (float value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return 1e-5f * max;
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
