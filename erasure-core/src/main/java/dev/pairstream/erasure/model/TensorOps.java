package dev.pairstream.erasure.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import java.util.Arrays;

/**
 * Stateless tensor functions that the UNet is built from and that DJL lacks as static operations.
 *
 * <p>DJL puts the result of an operation in the manager of its first operand, so every function here takes the
 * activation as the first operand. A view derived from a parameter, such as a reshaped normalization scale, is
 * attached to the activation's manager. Repeated calls therefore never grow the manager that owns the parameters.
 */
public final class TensorOps {

    /**
     * The additive attention bias for a masked context token, diffusers' value: {@code (1 - mask) * -10000}. It is
     * finite, so a row whose tokens are all masked still gets a uniform softmax instead of NaN.
     */
    public static final float MASKED_TOKEN_BIAS = -10000f;

    /** The maximum period of the sinusoidal timestep embedding, diffusers' default. */
    public static final double MAX_PERIOD = 10000.0;

    /** DJL's {@code NDArrayEx.interpolation} mode number for nearest-neighbour interpolation. */
    private static final int NEAREST_INTERPOLATION = 0;

    private TensorOps() {
    }

    /**
     * Returns {@code input * factor} with a gradient that stays correct for as long as {@code input}'s manager is
     * open. Use this, and never {@code NDArray.mul(Number)} or {@code div(Number)}, wherever a gradient flows.
     *
     * <p>DJL 0.36's {@code mul(Number)} wraps the number in a temporary array over a direct buffer and closes it right
     * after the product, while PyTorch's autograd keeps that tensor for the backward pass and reads the buffer again
     * there. Once a garbage collection has freed the buffer, the backward pass reads whatever the memory then holds,
     * and gradients come out NaN, infinite or silently wrong. Here the factor array belongs to the input's manager, so
     * it and its buffer live until that manager closes, after the backward pass.
     */
    public static NDArray scale(NDArray input, float factor) {
        NDArray factorArray = input.getManager().create(factor);
        return input.mul(factorArray);
    }

    /**
     * Applies group normalization to a {@code [B, C, ...]} tensor: each of {@code groups} groups of {@code C / groups}
     * channels is normalized over its channels and all spatial positions with the biased variance, then each channel
     * is scaled by {@code gamma} and shifted by {@code beta}. This equals {@code torch.nn.GroupNorm}.
     *
     * <p>DJL 0.36 has no static group norm, so this runs a layer norm over a {@code [B, groups, rest]} view, which
     * normalizes exactly the same sets of values, and applies the per-channel affine afterwards.
     *
     * @throws IllegalArgumentException when the channels are not a multiple of {@code groups} or gamma/beta do not
     *                                  have {@code C} elements
     */
    public static NDArray groupNorm(NDArray input, int groups, NDArray gamma, NDArray beta, float eps) {
        Shape shape = input.getShape();
        if (shape.dimension() < 2) {
            throw new IllegalArgumentException("groupNorm needs a [B, C, ...] input, got shape " + shape);
        }
        long batch = shape.get(0);
        long channels = shape.get(1);
        if (groups <= 0 || channels % groups != 0) {
            throw new IllegalArgumentException(
                    "groupNorm needs channels divisible by groups, got " + channels + " channels and " + groups);
        }
        if (gamma.size() != channels || beta.size() != channels) {
            throw new IllegalArgumentException("groupNorm needs gamma and beta of " + channels + " elements, got "
                    + gamma.getShape() + " and " + beta.getShape());
        }
        long groupSize = shape.size() / batch / groups;
        NDManager manager = input.getManager();
        Shape normalized = new Shape(groupSize);
        NDArray ones = manager.ones(normalized);
        NDArray zeros = manager.zeros(normalized);
        NDArray grouped = input.reshape(batch, groups, groupSize);
        NDArray normalizedValues = LayerNorm.layerNorm(grouped, normalized, ones, zeros, eps).singletonOrThrow();

        long[] channelShape = new long[shape.dimension()];
        Arrays.fill(channelShape, 1L);
        channelShape[1] = channels;
        NDArray scale = ownedBy(gamma.reshape(new Shape(channelShape)), manager);
        NDArray shift = ownedBy(beta.reshape(new Shape(channelShape)), manager);
        return normalizedValues.reshape(shape).mul(scale).add(shift);
    }

    /** Applies SiLU (swish with beta 1): {@code x * sigmoid(x)}. */
    public static NDArray silu(NDArray input) {
        return input.mul(Activation.sigmoid(input));
    }

    /**
     * Upsamples a {@code [B, C, H, W]} tensor to {@code [B, C, 2H, 2W]} by nearest-neighbour interpolation, which
     * equals {@code F.interpolate(x, scale_factor=2, mode="nearest")}: every value is repeated along both spatial axes.
     *
     * <p>It calls PyTorch's interpolation kernel, whose backward pass sums each 2x2 block directly. Two
     * {@code repeat} calls give the same values but cost about six times as much in the backward pass.
     */
    public static NDArray upsampleNearest2x(NDArray input) {
        Shape shape = input.getShape();
        if (shape.dimension() != 4) {
            throw new IllegalArgumentException("upsampleNearest2x needs a [B, C, H, W] input, got shape " + shape);
        }
        return input.getNDArrayInternal()
                .interpolation(new long[] {shape.get(2) * 2, shape.get(3) * 2}, NEAREST_INTERPOLATION, false);
    }

    /**
     * Computes diffusers' sinusoidal timestep embedding ({@code get_timestep_embedding} with scale 1 and max period
     * {@value #MAX_PERIOD}): frequency {@code i} of {@code half = dim / 2} is
     * {@code exp(-ln(10000) * i / (half - freqShift))}, the output is {@code [sin(t * f), cos(t * f)]}, swapped to
     * cosine first when {@code flipSinToCos}, and padded with one zero column when {@code dim} is odd.
     *
     * @param timesteps    {@code [B]} timesteps of any numeric dtype
     * @param dim          the embedding width
     * @param flipSinToCos whether the cosine half comes first
     * @param freqShift    diffusers' {@code downscale_freq_shift}
     * @return a {@code [B, dim]} float32 tensor in the manager of {@code timesteps}
     */
    public static NDArray timestepEmbedding(NDArray timesteps, int dim, boolean flipSinToCos, int freqShift) {
        if (timesteps.getShape().dimension() != 1) {
            throw new IllegalArgumentException("timestepEmbedding needs [B] timesteps, got shape "
                    + timesteps.getShape());
        }
        int half = dim / 2;
        if (half < 1 || half - freqShift == 0) {
            throw new IllegalArgumentException("timestepEmbedding needs dim >= 2 and dim / 2 != freqShift, got dim "
                    + dim + " and freqShift " + freqShift);
        }
        NDManager manager = timesteps.getManager();
        long batch = timesteps.getShape().get(0);
        NDArray exponent = manager.arange(0f, (float) half, 1f, DataType.FLOAT32)
                .mul((float) -Math.log(MAX_PERIOD))
                .div((float) (half - freqShift));
        NDArray frequencies = exponent.exp().reshape(1, half);
        NDArray arguments = timesteps.toType(DataType.FLOAT32, false).reshape(batch, 1).mul(frequencies);
        NDArray sin = arguments.sin();
        NDArray cos = arguments.cos();
        NDArray embedding = flipSinToCos ? cos.concat(sin, 1) : sin.concat(cos, 1);
        if (dim % 2 == 1) {
            embedding = embedding.concat(manager.zeros(new Shape(batch, 1)), 1);
        }
        return embedding;
    }

    /**
     * Converts a {@code [B, T]} context mask (1 or true = attend, 0 or false = padding) into the additive
     * {@code [B, 1, 1, T]} attention bias that {@link #scaledDotProductAttention} broadcasts over heads and queries.
     */
    public static NDArray attentionBias(NDArray mask) {
        Shape shape = mask.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("attentionBias needs a [B, T] mask, got shape " + shape);
        }
        return mask.toType(DataType.FLOAT32, true)
                .neg()
                .add(1f)
                .mul(MASKED_TOKEN_BIAS)
                .reshape(shape.get(0), 1, 1, shape.get(1));
    }

    /**
     * The largest attention score tensor, in bytes, that {@link #scaledDotProductAttention} computes in one piece.
     * One matrix product writes the scores, then the softmax and the second product read them, and the backward pass
     * does the same. A piece that stays in the CPU cache between those passes saves most of their memory traffic.
     * Pieces also stay below glibc's mmap threshold (at most 32 MiB on 64-bit Linux), so the allocator reuses their
     * memory instead of mapping and page-faulting it in again on every step. Measured with UNetStepBenchmark's ops
     * mode on one thread of a 2-vCPU AMD EPYC (Zen 4) VM: forward and backward of the emoji-world UNet's 16x16
     * self-attention layers at batch 32 took 347 ms in one piece and 198 ms in 4 MiB pieces.
     */
    static final long MAX_SCORE_CHUNK_BYTES = 4L << 20;

    /**
     * Computes multi-head attention {@code softmax(q k^T / sqrt(d) + bias) v} on projected inputs.
     *
     * <p>When the {@code [B, H, L, T]} score tensor would exceed 4 MiB, the batch is processed in slices whose scores
     * fit, which is faster on CPU. Every sample's attention is independent of the others, so the result is the same.
     *
     * @param query [B, L, H * d] projected queries
     * @param key   [B, T, H * d] projected keys
     * @param value [B, T, H * d] projected values
     * @param heads the number of heads H
     * @param bias  an additive bias broadcastable to [B, H, L, T], such as {@link #attentionBias}'s, or null
     * @return [B, L, H * d] with the heads concatenated along the last axis, as diffusers' attention processor returns
     *         before {@code to_out}
     */
    public static NDArray scaledDotProductAttention(NDArray query, NDArray key, NDArray value, int heads,
            NDArray bias) {
        return scaledDotProductAttention(query, key, value, heads, bias, MAX_SCORE_CHUNK_BYTES);
    }

    /**
     * Computes {@link #scaledDotProductAttention(NDArray, NDArray, NDArray, int, NDArray)} in batch slices whose score
     * tensors take at most {@code maxChunkBytes} bytes, or one sample per slice when a single sample exceeds it.
     */
    static NDArray scaledDotProductAttention(NDArray query, NDArray key, NDArray value, int heads, NDArray bias,
            long maxChunkBytes) {
        Shape queryShape = query.getShape();
        Shape keyShape = key.getShape();
        if (queryShape.dimension() != 3 || keyShape.dimension() != 3 || !keyShape.equals(value.getShape())
                || keyShape.get(0) != queryShape.get(0) || keyShape.get(2) != queryShape.get(2)
                || queryShape.get(2) % heads != 0) {
            throw new IllegalArgumentException("scaledDotProductAttention needs query [B, L, H*d] and key/value"
                    + " [B, T, H*d] with the width divisible by " + heads + " heads, got " + queryShape + ", "
                    + keyShape + " and " + value.getShape());
        }
        long batch = queryShape.get(0);
        long scoreBytes = batch * heads * queryShape.get(1) * keyShape.get(1) * Float.BYTES;
        long chunks = Math.min(batch, (scoreBytes + maxChunkBytes - 1) / maxChunkBytes);
        if (chunks <= 1) {
            return attend(query, key, value, heads, bias);
        }

        // Slice boundaries along the batch axis, as even as the batch allows.
        long[] boundaries = new long[Math.toIntExact(chunks - 1)];
        for (int index = 1; index < chunks; index++) {
            boundaries[index - 1] = batch * index / chunks;
        }
        NDList queries = query.split(boundaries, 0);
        NDList keys = key.split(boundaries, 0);
        NDList values = value.split(boundaries, 0);
        // A bias with one row per sample is sliced alongside, and one that broadcasts over the batch is shared.
        boolean perSampleBias = bias != null && bias.getShape().dimension() == 4 && bias.getShape().get(0) == batch;
        NDList biases = perSampleBias ? bias.split(boundaries, 0) : null;
        NDList results = new NDList(boundaries.length + 1);
        for (int index = 0; index <= boundaries.length; index++) {
            NDArray sliceBias = perSampleBias ? biases.get(index) : bias;
            results.add(attend(queries.get(index), keys.get(index), values.get(index), heads, sliceBias));
        }
        return NDArrays.concat(results, 0);
    }

    /** Computes {@link #scaledDotProductAttention} on validated inputs in one piece. */
    private static NDArray attend(NDArray query, NDArray key, NDArray value, int heads, NDArray bias) {
        long batch = query.getShape().get(0);
        long queries = query.getShape().get(1);
        long tokens = key.getShape().get(1);
        long width = query.getShape().get(2);
        long headWidth = width / heads;
        // Scaling q before the product costs L*d multiplications instead of L*T and matches SDPA up to rounding.
        // q: [B, H, L, d], keyTransposed: [B, H, d, T], v: [B, H, T, d]
        NDArray q = query.reshape(batch, queries, heads, headWidth)
                .transpose(0, 2, 1, 3);
        q = scale(q, (float) (1.0 / Math.sqrt(headWidth)));
        NDArray keyTransposed = key.reshape(batch, tokens, heads, headWidth).transpose(0, 2, 3, 1);
        NDArray v = value.reshape(batch, tokens, heads, headWidth).transpose(0, 2, 1, 3);
        // scores: [B, H, L, T]
        NDArray scores = q.matMul(keyTransposed);
        if (bias != null) {
            scores = scores.add(bias);
        }
        // attended: [B, H, L, d], returned as [B, L, H * d]
        NDArray attended = scores.softmax(3).matMul(v);
        return attended.transpose(0, 2, 1, 3).reshape(batch, queries, width);
    }

    /**
     * Applies the GEGLU gate of diffusers' feed-forward: splits the last axis into halves {@code (hidden, gate)} and
     * returns {@code hidden * gelu(gate)} with the exact (erf) GELU.
     */
    public static NDArray geglu(NDArray projected) {
        int lastAxis = projected.getShape().dimension() - 1;
        if (lastAxis < 0 || projected.getShape().get(lastAxis) % 2 != 0) {
            throw new IllegalArgumentException("geglu needs an even last axis, got shape " + projected.getShape());
        }
        NDList halves = projected.split(2, lastAxis);
        return halves.get(0).mul(Activation.gelu(halves.get(1)));
    }

    /**
     * Applies diffusers' GEGLU projection, {@code geglu(linear(input, weight, bias))}, as two linear layers on the
     * halves of {@code weight} and {@code bias}. The result is the same, but the backward pass no longer concatenates
     * the two half-width output gradients into a full-width buffer, and the gate reads contiguous arrays instead of
     * strided halves. On a contiguous gate PyTorch 2.7.1 (CPU) runs its vectorized GELU kernel, which differs from
     * the scalar kernel that a strided half gets by up to about 1.5e-7 in the negative tail.
     *
     * @param input  [..., in]
     * @param weight [2 * inner, in]: the rows of the hidden half, then the rows of the gate half
     * @param bias   [2 * inner]
     * @return [..., inner]
     * @throws IllegalArgumentException when the weight does not have an even number of rows matching the input width
     *                                  and the bias
     */
    public static NDArray gegluLinear(NDArray input, NDArray weight, NDArray bias) {
        Shape inputShape = input.getShape();
        Shape weightShape = weight.getShape();
        if (inputShape.dimension() < 1 || weightShape.dimension() != 2 || weightShape.get(0) % 2 != 0
                || weightShape.get(1) != inputShape.get(inputShape.dimension() - 1)
                || !bias.getShape().equals(new Shape(weightShape.get(0)))) {
            throw new IllegalArgumentException("gegluLinear needs input [..., in], weight [2 * inner, in] and bias"
                    + " [2 * inner], got " + inputShape + ", " + weightShape + " and " + bias.getShape());
        }
        NDManager manager = input.getManager();
        NDList weightHalves = weight.split(2, 0);
        NDList biasHalves = bias.split(2, 0);
        // The halves are views of long-lived parameters; moving them keeps the parameters' manager from growing.
        weightHalves.attach(manager);
        biasHalves.attach(manager);
        NDArray hidden = Linear.linear(input, weightHalves.get(0), biasHalves.get(0)).singletonOrThrow();
        NDArray gate = Linear.linear(input, weightHalves.get(1), biasHalves.get(1)).singletonOrThrow();
        return hidden.mul(Activation.gelu(gate));
    }

    /**
     * Moves a freshly derived array into the manager of the activation it will be combined with. Only call this on
     * arrays this class just created, never on a caller's array.
     */
    static NDArray ownedBy(NDArray derived, NDManager manager) {
        if (derived.getManager() != manager) {
            derived.attach(manager);
        }
        return derived;
    }
}
