package dev.pairstream.erasure.model;

import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.model.ParameterSpec.Kind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every parameter of a {@code UNet2DConditionModel} with its exact diffusers name and shape, in the order of diffusers'
 * {@code state_dict()}, computed from the config alone without allocating any tensor.
 *
 * <p>The order follows module registration in diffusers: {@code conv_in}, {@code time_embedding}, the down blocks,
 * the up blocks, then {@code mid_block} (diffusers creates the {@code up_blocks} list before the middle block), and
 * {@code conv_norm_out}, {@code conv_out}. Inside a cross-attention block the {@code attentions} come before the
 * {@code resnets}; inside a ResNet the order is {@code norm1}, {@code conv1}, {@code time_emb_proj}, {@code norm2},
 * {@code conv2}, {@code conv_shortcut}; inside a transformer block it is {@code norm1}, {@code attn1}, {@code norm2},
 * {@code attn2}, {@code norm3}, {@code ff}.
 */
public final class UNetParameterLayout {

    private final UNet2DConditionConfig config;
    private final List<ParameterSpec> parameters;
    private final Map<String, ParameterSpec> byName;
    private final long parameterCount;

    private UNetParameterLayout(UNet2DConditionConfig config, List<ParameterSpec> parameters) {
        this.config = config;
        this.parameters = List.copyOf(parameters);
        Map<String, ParameterSpec> index = new LinkedHashMap<>();
        long count = 0;
        for (ParameterSpec spec : parameters) {
            if (index.put(spec.name(), spec) != null) {
                throw new IllegalStateException("Duplicate UNet parameter name " + spec.name());
            }
            count += spec.elementCount();
        }
        this.byName = Collections.unmodifiableMap(index);
        this.parameterCount = count;
    }

    /** Computes the layout of the given config. */
    public static UNetParameterLayout of(UNet2DConditionConfig config) {
        return new UNetParameterLayout(config, new Builder(new UNetArchitecture(config)).build());
    }

    /** Returns the config this layout was computed from. */
    public UNet2DConditionConfig config() {
        return config;
    }

    /** Returns every parameter in diffusers state-dict order. */
    public List<ParameterSpec> parameters() {
        return parameters;
    }

    /** Returns every parameter keyed by its diffusers name, iterating in state-dict order. */
    public Map<String, ParameterSpec> byName() {
        return byName;
    }

    /** Returns the parameter with this diffusers name, if the config has one. */
    public Optional<ParameterSpec> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * Returns the parameter with this diffusers name.
     *
     * @throws IllegalArgumentException when the config has no such parameter
     */
    public ParameterSpec get(String name) {
        ParameterSpec spec = byName.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("No UNet parameter named " + name + " in this config; names look like "
                    + parameters.get(0).name() + " or down_blocks.0.resnets.0.conv1.weight");
        }
        return spec;
    }

    /** Returns the total number of scalar parameters. */
    public long parameterCount() {
        return parameterCount;
    }

    /**
     * Returns the module paths of every cross-attention key and value projection ({@code ...attn2.to_k} and
     * {@code ...attn2.to_v}), the Linear layers that concept erasure adapts, in state-dict order.
     */
    public List<String> crossAttentionKeyValuePaths() {
        List<String> paths = new ArrayList<>();
        for (ParameterSpec spec : parameters) {
            String name = spec.name();
            if (name.endsWith(".attn2.to_k.weight") || name.endsWith(".attn2.to_v.weight")) {
                paths.add(name.substring(0, name.length() - ".weight".length()));
            }
        }
        return List.copyOf(paths);
    }

    /** Appends parameter specs while walking the architecture in diffusers registration order. */
    private static final class Builder {
        private final UNetArchitecture architecture;
        private final UNet2DConditionConfig config;
        private final List<ParameterSpec> specs = new ArrayList<>();

        Builder(UNetArchitecture architecture) {
            this.architecture = architecture;
            this.config = architecture.config();
        }

        List<ParameterSpec> build() {
            int firstChannels = config.blockOutChannels().get(0);
            int timeEmbeddingDim = config.timeEmbeddingDim();
            conv("conv_in", config.inChannels(), firstChannels, 3);
            linear("time_embedding.linear_1", firstChannels, timeEmbeddingDim, true);
            linear("time_embedding.linear_2", timeEmbeddingDim, timeEmbeddingDim, true);

            for (UNetArchitecture.Block block : architecture.downBlocks()) {
                blockParameters(block, block.prefix() + ".downsamplers.0.conv");
            }
            for (UNetArchitecture.Block block : architecture.upBlocks()) {
                blockParameters(block, block.prefix() + ".upsamplers.0.conv");
            }

            String mid = UNetArchitecture.MID_BLOCK;
            transformer(mid + ".attentions.0", architecture.midChannels());
            List<UNetArchitecture.Resnet> midResnets = architecture.midResnets();
            for (int index = 0; index < midResnets.size(); index++) {
                resnet(mid + ".resnets." + index, midResnets.get(index));
            }

            normalization("conv_norm_out", firstChannels);
            conv("conv_out", firstChannels, config.outChannels(), 3);
            return specs;
        }

        private void blockParameters(UNetArchitecture.Block block, String resamplerConv) {
            if (block.crossAttention()) {
                for (int index = 0; index < block.resnets().size(); index++) {
                    transformer(block.attention(index), block.channels());
                }
            }
            for (int index = 0; index < block.resnets().size(); index++) {
                resnet(block.resnet(index), block.resnets().get(index));
            }
            if (block.resample()) {
                conv(resamplerConv, block.channels(), block.channels(), 3);
            }
        }

        private void resnet(String prefix, UNetArchitecture.Resnet resnet) {
            normalization(prefix + ".norm1", resnet.inChannels());
            conv(prefix + ".conv1", resnet.inChannels(), resnet.outChannels(), 3);
            linear(prefix + ".time_emb_proj", config.timeEmbeddingDim(), resnet.outChannels(), true);
            normalization(prefix + ".norm2", resnet.outChannels());
            conv(prefix + ".conv2", resnet.outChannels(), resnet.outChannels(), 3);
            if (resnet.hasConvShortcut()) {
                conv(prefix + ".conv_shortcut", resnet.inChannels(), resnet.outChannels(), 1);
            }
        }

        /** Adds a continuous-input {@code Transformer2DModel} whose inner width equals its channels. */
        private void transformer(String prefix, int channels) {
            normalization(prefix + ".norm", channels);
            projection(prefix + ".proj_in", channels, channels);
            for (int layer = 0; layer < config.transformerLayersPerBlock(); layer++) {
                String block = prefix + ".transformer_blocks." + layer;
                normalization(block + ".norm1", channels);
                attention(block + ".attn1", channels, channels);
                normalization(block + ".norm2", channels);
                attention(block + ".attn2", channels, config.crossAttentionDim());
                normalization(block + ".norm3", channels);
                // GEGLU projects to twice the 4x feed-forward width: one half is the value, the other the gate.
                linear(block + ".ff.net.0.proj", channels, 2 * 4 * channels, true);
                linear(block + ".ff.net.2", 4 * channels, channels, true);
            }
            projection(prefix + ".proj_out", channels, channels);
        }

        private void attention(String prefix, int queryDim, int keyValueDim) {
            linear(prefix + ".to_q", queryDim, queryDim, false);
            linear(prefix + ".to_k", keyValueDim, queryDim, false);
            linear(prefix + ".to_v", keyValueDim, queryDim, false);
            linear(prefix + ".to_out.0", queryDim, queryDim, true);
        }

        private void projection(String prefix, int inChannels, int outChannels) {
            if (config.useLinearProjection()) {
                linear(prefix, inChannels, outChannels, true);
            } else {
                conv(prefix, inChannels, outChannels, 1);
            }
        }

        private void conv(String prefix, int inChannels, int outChannels, int kernel) {
            add(prefix + ".weight", new Shape(outChannels, inChannels, kernel, kernel), Kind.CONV_WEIGHT);
            add(prefix + ".bias", new Shape(outChannels), Kind.BIAS);
        }

        private void linear(String prefix, int inFeatures, int outFeatures, boolean bias) {
            add(prefix + ".weight", new Shape(outFeatures, inFeatures), Kind.LINEAR_WEIGHT);
            if (bias) {
                add(prefix + ".bias", new Shape(outFeatures), Kind.BIAS);
            }
        }

        /** Adds the per-channel scale and shift that group and layer normalization share. */
        private void normalization(String prefix, int channels) {
            add(prefix + ".weight", new Shape(channels), Kind.NORM_WEIGHT);
            add(prefix + ".bias", new Shape(channels), Kind.NORM_BIAS);
        }

        private void add(String name, Shape shape, Kind kind) {
            specs.add(new ParameterSpec(name, shape, kind));
        }
    }
}
