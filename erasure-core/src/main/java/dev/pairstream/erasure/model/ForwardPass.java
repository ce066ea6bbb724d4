package dev.pairstream.erasure.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * One call of the UNet forward pass, written as functions over the named weights in the order of diffusers'
 * {@code UNet2DConditionModel.forward}. Each module reads its parameters by diffusers name, and every Linear weight
 * goes through the {@link LinearWeightResolver}.
 *
 * <p>The inputs must already live in {@code step}; since every operation takes an activation as its first operand,
 * every intermediate array lands there too.
 */
final class ForwardPass {

    /** diffusers hard-codes this epsilon for the group norm at the entry of each {@code Transformer2DModel}. */
    private static final float TRANSFORMER_GROUP_NORM_EPS = 1e-6f;
    /** The epsilon of {@code BasicTransformerBlock}'s layer norms (diffusers' {@code norm_eps} default). */
    private static final float LAYER_NORM_EPS = 1e-5f;

    private static final Shape UNIT = new Shape(1, 1);
    private static final Shape PADDING_ONE = new Shape(1, 1);
    private static final Shape PADDING_NONE = new Shape(0, 0);
    private static final Shape STRIDE_TWO = new Shape(2, 2);

    private final UNetArchitecture architecture;
    private final UNet2DConditionConfig config;
    private final Map<String, NDArray> weights;
    private final LinearWeightResolver resolver;
    private final NDManager step;
    private final float normEps;

    ForwardPass(UNetArchitecture architecture, UNetWeights weights, LinearWeightResolver resolver, NDManager step) {
        this.architecture = architecture;
        this.config = architecture.config();
        this.weights = weights.asMap();
        this.resolver = resolver;
        this.step = step;
        this.normEps = (float) config.normEps();
    }

    /**
     * Runs the network.
     *
     * @param sample    [B, in_channels, H, W]
     * @param timesteps [B] float32
     * @param context   [B, T, cross_attention_dim]
     * @param bias      [B, 1, 1, T] additive attention bias from the context mask, or null
     * @return [B, out_channels, H, W]
     */
    NDArray run(NDArray sample, NDArray timesteps, NDArray context, NDArray bias) {
        NDArray x = config.centerInputSample() ? TensorOps.scale(sample, 2f).sub(1f) : sample;
        // Every ResNet applies SiLU to the time embedding before its projection, so it is computed once here.
        NDArray activatedTemb = TensorOps.silu(timeEmbedding(timesteps));
        x = conv(x, "conv_in", PADDING_ONE, UNIT);

        Deque<NDArray> skips = new ArrayDeque<>();
        skips.push(x);
        for (UNetArchitecture.Block block : architecture.downBlocks()) {
            for (int index = 0; index < block.resnets().size(); index++) {
                x = resnet(x, activatedTemb, block.resnet(index), block.resnets().get(index), 1f);
                if (block.crossAttention()) {
                    x = transformer(x, context, bias, block.attention(index));
                }
                skips.push(x);
            }
            if (block.resample()) {
                x = conv(x, block.prefix() + ".downsamplers.0.conv", PADDING_ONE, STRIDE_TWO);
                skips.push(x);
            }
        }

        float midScale = (float) config.midBlockScaleFactor();
        String mid = UNetArchitecture.MID_BLOCK;
        List<UNetArchitecture.Resnet> midResnets = architecture.midResnets();
        x = resnet(x, activatedTemb, mid + ".resnets.0", midResnets.get(0), midScale);
        x = transformer(x, context, bias, mid + ".attentions.0");
        x = resnet(x, activatedTemb, mid + ".resnets.1", midResnets.get(1), midScale);

        for (UNetArchitecture.Block block : architecture.upBlocks()) {
            for (int index = 0; index < block.resnets().size(); index++) {
                x = x.concat(skips.pop(), 1);
                x = resnet(x, activatedTemb, block.resnet(index), block.resnets().get(index), 1f);
                if (block.crossAttention()) {
                    x = transformer(x, context, bias, block.attention(index));
                }
            }
            if (block.resample()) {
                x = TensorOps.upsampleNearest2x(x);
                x = conv(x, block.prefix() + ".upsamplers.0.conv", PADDING_ONE, UNIT);
            }
        }
        if (!skips.isEmpty()) {
            throw new IllegalStateException(skips.size() + " skip connections left unused; the block plan is broken");
        }

        x = groupNorm(x, "conv_norm_out", normEps);
        x = TensorOps.silu(x);
        return conv(x, "conv_out", PADDING_ONE, UNIT);
    }

    private NDArray timeEmbedding(NDArray timesteps) {
        int channels = config.blockOutChannels().get(0);
        NDArray embedding = TensorOps.timestepEmbedding(timesteps, channels, config.flipSinToCos(),
                config.freqShift());
        embedding = linear(embedding, "time_embedding.linear_1", true);
        embedding = TensorOps.silu(embedding);
        return linear(embedding, "time_embedding.linear_2", true);
    }

    /**
     * Runs diffusers' {@code ResnetBlock2D} with the default time-embedding norm and no resampling.
     *
     * @param activatedTemb the time embedding after SiLU, [B, time_embedding_dim]
     */
    private NDArray resnet(NDArray input, NDArray activatedTemb, String prefix, UNetArchitecture.Resnet spec,
            float outputScaleFactor) {
        NDArray hidden = groupNorm(input, prefix + ".norm1", normEps);
        hidden = TensorOps.silu(hidden);
        hidden = conv(hidden, prefix + ".conv1", PADDING_ONE, UNIT);

        NDArray timeBias = linear(activatedTemb, prefix + ".time_emb_proj", true);
        Shape timeShape = timeBias.getShape();
        hidden = hidden.add(timeBias.reshape(timeShape.get(0), timeShape.get(1), 1, 1));

        hidden = groupNorm(hidden, prefix + ".norm2", normEps);
        hidden = TensorOps.silu(hidden);
        hidden = conv(hidden, prefix + ".conv2", PADDING_ONE, UNIT);

        NDArray shortcut = spec.hasConvShortcut()
                ? conv(input, prefix + ".conv_shortcut", PADDING_NONE, UNIT)
                : input;
        NDArray output = shortcut.add(hidden);
        return outputScaleFactor == 1f ? output : TensorOps.scale(output, 1f / outputScaleFactor);
    }

    /** Runs diffusers' continuous-input {@code Transformer2DModel}: norm, proj_in, transformer blocks, proj_out. */
    private NDArray transformer(NDArray input, NDArray context, NDArray bias, String prefix) {
        Shape shape = input.getShape();
        long batch = shape.get(0);
        long channels = shape.get(1);
        long height = shape.get(2);
        long width = shape.get(3);

        NDArray hidden = groupNorm(input, prefix + ".norm", TRANSFORMER_GROUP_NORM_EPS);
        if (config.useLinearProjection()) {
            hidden = toTokens(hidden, batch, channels, height * width);
            hidden = linear(hidden, prefix + ".proj_in", true);
        } else {
            hidden = conv(hidden, prefix + ".proj_in", PADDING_NONE, UNIT);
            hidden = toTokens(hidden, batch, channels, height * width);
        }

        for (int layer = 0; layer < config.transformerLayersPerBlock(); layer++) {
            hidden = transformerBlock(hidden, context, bias, prefix + ".transformer_blocks." + layer);
        }

        if (config.useLinearProjection()) {
            hidden = linear(hidden, prefix + ".proj_out", true);
            hidden = toImage(hidden, batch, channels, height, width);
        } else {
            hidden = toImage(hidden, batch, channels, height, width);
            hidden = conv(hidden, prefix + ".proj_out", PADDING_NONE, UNIT);
        }
        return hidden.add(input);
    }

    /** Runs diffusers' {@code BasicTransformerBlock}: self-attention, cross-attention and GEGLU feed-forward. */
    private NDArray transformerBlock(NDArray hidden, NDArray context, NDArray bias, String prefix) {
        NDArray normalized = layerNorm(hidden, prefix + ".norm1");
        hidden = attention(normalized, normalized, null, prefix + ".attn1").add(hidden);

        normalized = layerNorm(hidden, prefix + ".norm2");
        hidden = attention(normalized, context, bias, prefix + ".attn2").add(hidden);

        normalized = layerNorm(hidden, prefix + ".norm3");
        String projection = prefix + ".ff.net.0.proj";
        NDArray projectionWeight = resolvedWeight(projection, normalized);
        NDArray projectionBias = parameter(projection + ".bias");
        NDArray gated = projectionWeight.getShape().dimension() == 2
                ? TensorOps.gegluLinear(normalized, projectionWeight, projectionBias)
                : TensorOps.geglu(perSampleLinear(normalized, projectionWeight, projectionBias));
        NDArray feedForward = linear(gated, prefix + ".ff.net.2", true);
        return feedForward.add(hidden);
    }

    private NDArray attention(NDArray queries, NDArray keyValueSource, NDArray bias, String prefix) {
        NDArray query = linear(queries, prefix + ".to_q", false);
        NDArray key = linear(keyValueSource, prefix + ".to_k", false);
        NDArray value = linear(keyValueSource, prefix + ".to_v", false);
        NDArray attended = TensorOps.scaledDotProductAttention(query, key, value, architecture.heads(), bias);
        return linear(attended, prefix + ".to_out.0", true);
    }

    private NDArray conv(NDArray input, String prefix, Shape padding, Shape stride) {
        NDArray weight = parameter(prefix + ".weight");
        NDArray bias = parameter(prefix + ".bias");
        return Conv2d.conv2d(input, weight, bias, stride, padding).singletonOrThrow();
    }

    private NDArray linear(NDArray input, String prefix, boolean hasBias) {
        NDArray bias = hasBias ? parameter(prefix + ".bias") : null;
        NDArray weight = resolvedWeight(prefix, input);
        if (weight.getShape().dimension() == 2) {
            return Linear.linear(input, weight, bias).singletonOrThrow();
        }
        return perSampleLinear(input, weight, bias);
    }

    /**
     * Returns the weight that the resolver supplies for the Linear layer at {@code prefix}, checking that it has the
     * stored weight's shape {@code [out, in]} or one weight per sample of {@code input}, {@code [B, out, in]}.
     */
    private NDArray resolvedWeight(String prefix, NDArray input) {
        NDArray stored = parameter(prefix + ".weight");
        NDArray weight = resolver.resolve(prefix, stored, step);
        Shape storedShape = stored.getShape();
        Shape perSampleShape = new Shape(input.getShape().get(0), storedShape.get(0), storedShape.get(1));
        if (weight == null || !(weight.getShape().equals(storedShape) || weight.getShape().equals(perSampleShape))) {
            // The message names only the stored shape, because per-sample weights are an opt-in that
            // LinearWeightResolver documents.
            throw new IllegalStateException("LinearWeightResolver returned "
                    + (weight == null ? "null" : "shape " + weight.getShape()) + " for " + prefix
                    + "; expected the stored weight's shape " + storedShape);
        }
        return weight;
    }

    /**
     * Applies a Linear layer with a separate weight for each sample: {@code input[b] x weight[b]^T + bias} as one
     * batched matrix product.
     *
     * @param input  [B, in] or [B, ..., in]
     * @param weight [B, out, in]
     * @param bias   [out], or null
     * @return [B, out] or [B, ..., out]
     */
    private static NDArray perSampleLinear(NDArray input, NDArray weight, NDArray bias) {
        Shape inputShape = input.getShape();
        long batch = inputShape.get(0);
        long inFeatures = inputShape.get(inputShape.dimension() - 1);
        long outFeatures = weight.getShape().get(1);
        // [B, N, in] x [B, in, out] -> [B, N, out], where N is every axis between the batch and the features.
        NDArray rows = input.reshape(batch, -1, inFeatures);
        NDArray output = rows.matMul(weight.transpose(0, 2, 1));
        if (bias != null) {
            output = output.add(bias);
        }
        // Shape.getShape() returns the shape's own array, which the input's cached shape shares.
        long[] outputShape = inputShape.getShape().clone();
        outputShape[outputShape.length - 1] = outFeatures;
        return output.reshape(new Shape(outputShape));
    }

    private NDArray groupNorm(NDArray input, String prefix, float eps) {
        return TensorOps.groupNorm(input, config.normNumGroups(), parameter(prefix + ".weight"),
                parameter(prefix + ".bias"), eps);
    }

    private NDArray layerNorm(NDArray input, String prefix) {
        NDArray gamma = parameter(prefix + ".weight");
        return LayerNorm.layerNorm(input, gamma.getShape(), gamma, parameter(prefix + ".bias"), LAYER_NORM_EPS)
                .singletonOrThrow();
    }

    private NDArray parameter(String name) {
        NDArray array = weights.get(name);
        if (array == null) {
            throw new IllegalStateException("UNet parameter " + name + " is missing from the weights");
        }
        return array;
    }

    /** Turns [B, C, H, W] into [B, H*W, C] tokens, as diffusers' permute(0, 2, 3, 1).reshape does. */
    private static NDArray toTokens(NDArray image, long batch, long channels, long positions) {
        return image.transpose(0, 2, 3, 1).reshape(batch, positions, channels);
    }

    /** Turns [B, H*W, C] tokens back into [B, C, H, W]. */
    private static NDArray toImage(NDArray tokens, long batch, long channels, long height, long width) {
        return tokens.reshape(batch, height, width, channels).transpose(0, 3, 1, 2);
    }
}
