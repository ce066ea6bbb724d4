package dev.pairstream.erasure.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The block structure that a {@link UNet2DConditionConfig} implies, with every channel count resolved the way
 * diffusers' {@code UNet2DConditionModel.__init__} resolves it.
 *
 * <p>Both {@link UNetParameterLayout} and the forward pass walk this one plan, so the parameter names and shapes always
 * agree with the computation.
 */
final class UNetArchitecture {

    /** In and out channels of one {@code ResnetBlock2D}; a 1x1 {@code conv_shortcut} exists when they differ. */
    record Resnet(int inChannels, int outChannels) {
        boolean hasConvShortcut() {
            return inChannels != outChannels;
        }
    }

    /** A down or up block: its ResNets, whether each ResNet is followed by a spatial transformer, and the resampler. */
    record Block(String prefix, int channels, List<Resnet> resnets, boolean crossAttention, boolean resample) {
        String resnet(int index) {
            return prefix + ".resnets." + index;
        }

        String attention(int index) {
            return prefix + ".attentions." + index;
        }
    }

    static final String MID_BLOCK = "mid_block";

    private final UNet2DConditionConfig config;
    private final List<Block> downBlocks;
    private final List<Block> upBlocks;
    private final int midChannels;

    UNetArchitecture(UNet2DConditionConfig config) {
        this.config = config;
        this.downBlocks = planDownBlocks(config);
        this.upBlocks = planUpBlocks(config);
        this.midChannels = config.blockOutChannels().get(config.levels() - 1);
    }

    UNet2DConditionConfig config() {
        return config;
    }

    List<Block> downBlocks() {
        return downBlocks;
    }

    List<Block> upBlocks() {
        return upBlocks;
    }

    int midChannels() {
        return midChannels;
    }

    /** Returns the ResNets of the middle block: {@code resnets.0} before and {@code resnets.1} after the attention. */
    List<Resnet> midResnets() {
        return List.of(new Resnet(midChannels, midChannels), new Resnet(midChannels, midChannels));
    }

    int heads() {
        return config.attentionHeadDim();
    }

    private static List<Block> planDownBlocks(UNet2DConditionConfig config) {
        List<Block> blocks = new ArrayList<>();
        int outChannels = config.blockOutChannels().get(0);
        for (int level = 0; level < config.levels(); level++) {
            int inChannels = outChannels;
            outChannels = config.blockOutChannels().get(level);
            List<Resnet> resnets = new ArrayList<>();
            for (int layer = 0; layer < config.layersPerBlock(); layer++) {
                resnets.add(new Resnet(layer == 0 ? inChannels : outChannels, outChannels));
            }
            boolean crossAttention =
                    UNet2DConditionConfig.CROSS_ATTN_DOWN_BLOCK.equals(config.downBlockTypes().get(level));
            boolean downsample = level < config.levels() - 1;
            blocks.add(new Block("down_blocks." + level, outChannels, List.copyOf(resnets), crossAttention,
                    downsample));
        }
        return List.copyOf(blocks);
    }

    /**
     * Plans the up blocks. Block {@code i} consumes {@code layers_per_block + 1} skip tensors; ResNet {@code j} takes
     * the previous output (the lower level's channels for {@code j = 0}) concatenated with a skip whose channels are the
     * next lower level's for the last ResNet and this level's otherwise, exactly as diffusers wires them.
     */
    private static List<Block> planUpBlocks(UNet2DConditionConfig config) {
        List<Integer> reversed = new ArrayList<>(config.blockOutChannels());
        Collections.reverse(reversed);
        List<Block> blocks = new ArrayList<>();
        int outChannels = reversed.get(0);
        int levels = config.levels();
        for (int index = 0; index < levels; index++) {
            int previousOutChannels = outChannels;
            outChannels = reversed.get(index);
            int inChannels = reversed.get(Math.min(index + 1, levels - 1));
            int layers = config.layersPerBlock() + 1;
            List<Resnet> resnets = new ArrayList<>();
            for (int layer = 0; layer < layers; layer++) {
                int skipChannels = layer == layers - 1 ? inChannels : outChannels;
                int resnetInChannels = layer == 0 ? previousOutChannels : outChannels;
                resnets.add(new Resnet(resnetInChannels + skipChannels, outChannels));
            }
            boolean crossAttention = UNet2DConditionConfig.CROSS_ATTN_UP_BLOCK.equals(config.upBlockTypes().get(index));
            boolean upsample = index < levels - 1;
            blocks.add(new Block("up_blocks." + index, outChannels, List.copyOf(resnets), crossAttention, upsample));
        }
        return List.copyOf(blocks);
    }
}
