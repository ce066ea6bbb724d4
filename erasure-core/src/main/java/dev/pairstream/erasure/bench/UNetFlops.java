package dev.pairstream.erasure.bench;

import dev.pairstream.erasure.model.UNet2DConditionConfig;
import java.util.List;
import java.util.Objects;

/**
 * Counts the floating-point operations of one UNet forward pass by walking diffusers' {@code UNet2DConditionModel}
 * structure: convolutions, Linear layers and the two attention products, each multiply-add counted as 2 operations.
 * Normalizations, activations, softmax, additions and resampling are left out. On the emoji-world config they are
 * an estimated few percent of the total, so the count slightly understates the work done.
 *
 * <p>The walk also counts the parameters it passes, which a test compares with the model's parameter layout to show
 * that the walk follows the real architecture.
 */
public final class UNetFlops {

    private final UNet2DConditionConfig config;
    private final long tokens;
    private long flops;
    private long parameters;

    private UNetFlops(UNet2DConditionConfig config, long tokens) {
        this.config = config;
        this.tokens = tokens;
    }

    /**
     * Returns the operations of one forward pass over one sample of the config's sample size.
     *
     * @param tokens text context length T
     * @throws IllegalArgumentException when {@code tokens} is below 1
     */
    public static long forwardPerSample(UNet2DConditionConfig config, int tokens) {
        return walk(config, tokens).flops;
    }

    /** Returns the parameter count the walk passes, which equals the model's when the walk is right. */
    static long parameterCount(UNet2DConditionConfig config) {
        return walk(config, 1).parameters;
    }

    private static UNetFlops walk(UNet2DConditionConfig config, int tokens) {
        Objects.requireNonNull(config, "config");
        if (tokens < 1) {
            throw new IllegalArgumentException("Invalid token count " + tokens + "; expected at least 1");
        }
        UNetFlops counter = new UNetFlops(config, tokens);
        counter.countNetwork();
        return counter;
    }

    private void countNetwork() {
        List<Integer> channels = config.blockOutChannels();
        int levels = channels.size();
        long size = config.sampleSize();
        int first = channels.get(0);
        int timeDim = config.timeEmbeddingDim();

        conv(config.inChannels(), first, 3, size);
        linear(first, timeDim, 1, true);
        linear(timeDim, timeDim, 1, true);

        int input = first;
        for (int level = 0; level < levels; level++) {
            int output = channels.get(level);
            long resolution = size >> level;
            boolean attends = UNet2DConditionConfig.CROSS_ATTN_DOWN_BLOCK.equals(config.downBlockTypes().get(level));
            for (int layer = 0; layer < config.layersPerBlock(); layer++) {
                resnet(layer == 0 ? input : output, output, resolution);
                if (attends) {
                    transformer(output, resolution);
                }
            }
            if (level < levels - 1) {
                conv(output, output, 3, resolution / 2);
            }
            input = output;
        }

        int last = channels.get(levels - 1);
        long lowest = size >> (levels - 1);
        resnet(last, last, lowest);
        transformer(last, lowest);
        resnet(last, last, lowest);

        int previousOutput = last;
        for (int index = 0; index < levels; index++) {
            int output = channels.get(levels - 1 - index);
            int skipInput = channels.get(Math.max(levels - 2 - index, 0));
            long resolution = size >> (levels - 1 - index);
            boolean attends = UNet2DConditionConfig.CROSS_ATTN_UP_BLOCK.equals(config.upBlockTypes().get(index));
            int layers = config.layersPerBlock() + 1;
            for (int layer = 0; layer < layers; layer++) {
                int skip = layer == layers - 1 ? skipInput : output;
                int resnetInput = layer == 0 ? previousOutput : output;
                resnet(resnetInput + skip, output, resolution);
                if (attends) {
                    transformer(output, resolution);
                }
            }
            if (index < levels - 1) {
                conv(output, output, 3, resolution * 2);
            }
            previousOutput = output;
        }

        groupNorm(first);
        conv(first, config.outChannels(), 3, size);
    }

    private void resnet(int input, int output, long resolution) {
        groupNorm(input);
        conv(input, output, 3, resolution);
        linear(config.timeEmbeddingDim(), output, 1, true);
        groupNorm(output);
        conv(output, output, 3, resolution);
        if (input != output) {
            conv(input, output, 1, resolution);
        }
    }

    private void transformer(int channels, long resolution) {
        long pixels = resolution * resolution;
        groupNorm(channels);
        projection(channels, pixels);
        for (int block = 0; block < config.transformerLayersPerBlock(); block++) {
            layerNorm(channels);
            attention(channels, channels, pixels, pixels);
            layerNorm(channels);
            attention(channels, config.crossAttentionDim(), pixels, tokens);
            layerNorm(channels);
            linear(channels, 8L * channels, pixels, true);
            linear(4L * channels, channels, pixels, true);
        }
        projection(channels, pixels);
    }

    private void projection(int channels, long pixels) {
        if (config.useLinearProjection()) {
            linear(channels, channels, pixels, true);
        } else {
            flops += 2L * channels * channels * pixels;
            parameters += (long) channels * channels + channels;
        }
    }

    /** Counts q, k, v and output projections and the two products QK^T and AV over all heads. */
    private void attention(int channels, int keyWidth, long queries, long keys) {
        linear(channels, channels, queries, false);
        linear(keyWidth, channels, keys, false);
        linear(keyWidth, channels, keys, false);
        flops += 2L * queries * keys * channels;
        flops += 2L * queries * keys * channels;
        linear(channels, channels, queries, true);
    }

    private void conv(long input, long output, int kernel, long outputResolution) {
        flops += 2L * kernel * kernel * input * output * outputResolution * outputResolution;
        parameters += kernel * kernel * input * output + output;
    }

    private void linear(long input, long output, long rows, boolean bias) {
        flops += 2L * input * output * rows;
        parameters += input * output + (bias ? output : 0);
    }

    private void groupNorm(long channels) {
        parameters += 2 * channels;
    }

    private void layerNorm(long channels) {
        parameters += 2 * channels;
    }
}
