package dev.pairstream.erasure.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
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

    private TensorOps() {
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
     */
    public static NDArray upsampleNearest2x(NDArray input) {
        if (input.getShape().dimension() != 4) {
            throw new IllegalArgumentException("upsampleNearest2x needs a [B, C, H, W] input, got shape "
                    + input.getShape());
        }
        return input.repeat(2, 2).repeat(3, 2);
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
     * Computes multi-head attention {@code softmax(q k^T / sqrt(d) + bias) v} on projected inputs.
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
        long queries = queryShape.get(1);
        long tokens = keyShape.get(1);
        long width = queryShape.get(2);
        long headWidth = width / heads;
        // Scaling q before the product costs L*d multiplications instead of L*T and matches SDPA up to rounding.
        NDArray q = query.reshape(batch, queries, heads, headWidth)
                .transpose(0, 2, 1, 3)
                .mul((float) (1.0 / Math.sqrt(headWidth)));
        NDArray keyTransposed = key.reshape(batch, tokens, heads, headWidth).transpose(0, 2, 3, 1);
        NDArray v = value.reshape(batch, tokens, heads, headWidth).transpose(0, 2, 1, 3);
        NDArray scores = q.matMul(keyTransposed);
        if (bias != null) {
            scores = scores.add(bias);
        }
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
