package dev.pairstream.erasure.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class UNetParameterLayoutTest {

    private static final String SD15_TO_K = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight";

    @Test
    void stableDiffusion15CountsPublishedParameterTotal() {
        // Given: the Stable Diffusion 1.5 UNet, whose PyTorch module reports 859,520,964 parameters in 686 tensors
        UNet2DConditionConfig config = UNet2DConditionConfig.stableDiffusion15();

        // When: the layout is computed from the config alone, with no tensor allocated
        UNetParameterLayout layout = UNetParameterLayout.of(config);

        // Then
        assertEquals(859_520_964L, layout.parameterCount());
        assertEquals(686, layout.parameters().size());
        assertEquals(new Shape(320, 768), layout.get(SD15_TO_K).shape());
    }

    @Test
    void stableDiffusion15ShapesMatchDiffusersCheckpoint() {
        // Given: shapes as stored in the Stable Diffusion 1.5 diffusers checkpoint
        UNetParameterLayout layout = UNetParameterLayout.of(UNet2DConditionConfig.stableDiffusion15());

        // When / Then: skip concatenation widens the first and last ResNet of each up block
        assertEquals(new Shape(320, 4, 3, 3), layout.get("conv_in.weight").shape());
        assertEquals(new Shape(1280, 320), layout.get("time_embedding.linear_1.weight").shape());
        assertEquals(new Shape(1280, 2560, 3, 3), layout.get("up_blocks.0.resnets.0.conv1.weight").shape());
        assertEquals(new Shape(1280, 1920, 3, 3), layout.get("up_blocks.1.resnets.2.conv1.weight").shape());
        assertEquals(new Shape(320, 960, 3, 3), layout.get("up_blocks.3.resnets.0.conv1.weight").shape());
        assertEquals(new Shape(320, 640, 1, 1), layout.get("up_blocks.3.resnets.2.conv_shortcut.weight").shape());
        assertEquals(new Shape(640, 320, 1, 1), layout.get("down_blocks.1.resnets.0.conv_shortcut.weight").shape());
        assertEquals(new Shape(320, 320, 1, 1), layout.get("down_blocks.0.attentions.0.proj_in.weight").shape());
        assertEquals(new Shape(2560, 320),
                layout.get("down_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj.weight").shape());
        assertEquals(new Shape(320, 1280),
                layout.get("down_blocks.0.attentions.0.transformer_blocks.0.ff.net.2.weight").shape());
        assertEquals(new Shape(1280, 768),
                layout.get("mid_block.attentions.0.transformer_blocks.0.attn2.to_v.weight").shape());
        assertEquals(new Shape(1280, 1280, 3, 3), layout.get("up_blocks.1.upsamplers.0.conv.weight").shape());
        assertEquals(new Shape(640, 640, 3, 3), layout.get("up_blocks.2.upsamplers.0.conv.weight").shape());
        assertEquals(new Shape(4, 320, 3, 3), layout.get("conv_out.weight").shape());
    }

    @Test
    void layoutFollowsDiffusersStateDictOrder() {
        // Given
        UNetParameterLayout layout = UNetParameterLayout.of(UNet2DConditionConfig.stableDiffusion15());
        List<String> names = layout.parameters().stream().map(ParameterSpec::name).toList();

        // When / Then: conv_in and the time embedding come first, conv_out last
        assertEquals(List.of("conv_in.weight", "conv_in.bias", "time_embedding.linear_1.weight",
                "time_embedding.linear_1.bias", "time_embedding.linear_2.weight", "time_embedding.linear_2.bias",
                "down_blocks.0.attentions.0.norm.weight"), names.subList(0, 7));
        assertEquals(List.of("conv_norm_out.weight", "conv_norm_out.bias", "conv_out.weight", "conv_out.bias"),
                names.subList(names.size() - 4, names.size()));
        // up_blocks are registered before mid_block in diffusers
        assertTrue(names.indexOf("up_blocks.3.resnets.2.conv2.bias") < names.indexOf("mid_block.attentions.0.norm.weight"));
        // inside a cross-attention block, attentions precede resnets
        assertTrue(names.indexOf("down_blocks.0.attentions.1.proj_out.bias")
                < names.indexOf("down_blocks.0.resnets.0.norm1.weight"));
        // inside a transformer block: norm1, attn1, norm2, attn2, norm3, ff
        String block = "down_blocks.0.attentions.0.transformer_blocks.0.";
        assertEquals(List.of(block + "norm1.weight", block + "norm1.bias", block + "attn1.to_q.weight",
                block + "attn1.to_k.weight", block + "attn1.to_v.weight", block + "attn1.to_out.0.weight",
                block + "attn1.to_out.0.bias", block + "norm2.weight", block + "norm2.bias",
                block + "attn2.to_q.weight", block + "attn2.to_k.weight", block + "attn2.to_v.weight",
                block + "attn2.to_out.0.weight", block + "attn2.to_out.0.bias", block + "norm3.weight",
                block + "norm3.bias", block + "ff.net.0.proj.weight", block + "ff.net.0.proj.bias",
                block + "ff.net.2.weight", block + "ff.net.2.bias"),
                names.subList(names.indexOf(block + "norm1.weight"), names.indexOf(block + "ff.net.2.bias") + 1));
    }

    @Test
    void convShortcutOnlyWhereChannelsChange() {
        // Given
        UNetParameterLayout layout = UNetParameterLayout.of(UNet2DConditionConfig.stableDiffusion15());

        // When / Then
        assertFalse(layout.find("down_blocks.0.resnets.0.conv_shortcut.weight").isPresent());
        assertTrue(layout.find("down_blocks.1.resnets.0.conv_shortcut.weight").isPresent());
        assertFalse(layout.find("down_blocks.1.resnets.1.conv_shortcut.weight").isPresent());
        assertFalse(layout.find("mid_block.resnets.0.conv_shortcut.weight").isPresent());
        assertFalse(layout.find("down_blocks.3.downsamplers.0.conv.weight").isPresent());
        assertFalse(layout.find("up_blocks.3.upsamplers.0.conv.weight").isPresent());
        assertFalse(layout.find("down_blocks.3.attentions.0.norm.weight").isPresent());
    }

    @Test
    void linearProjectionUsesMatrixShapes() {
        // Given: the same architecture with use_linear_projection = true, as in Stable Diffusion 2.x
        UNet2DConditionConfig conv = UNet2DConditionConfig.stableDiffusion15();
        UNet2DConditionConfig linear = new UNet2DConditionConfig(conv.className(), conv.sampleSize(),
                conv.inChannels(), conv.outChannels(), conv.centerInputSample(), conv.flipSinToCos(), conv.freqShift(),
                conv.downBlockTypes(), conv.midBlockType(), conv.upBlockTypes(), conv.blockOutChannels(),
                conv.layersPerBlock(), conv.downsamplePadding(), conv.midBlockScaleFactor(), conv.actFn(),
                conv.normNumGroups(), conv.normEps(), conv.crossAttentionDim(), conv.transformerLayersPerBlock(),
                conv.attentionHeadDim(), true);

        // When
        UNetParameterLayout layout = UNetParameterLayout.of(linear);

        // Then: 1x1 kernels become matrices, so every proj_in/proj_out loses its two unit axes but no parameter
        assertEquals(new Shape(320, 320), layout.get("down_blocks.0.attentions.0.proj_in.weight").shape());
        assertEquals(new Shape(1280, 1280), layout.get("mid_block.attentions.0.proj_out.weight").shape());
        assertEquals(859_520_964L, layout.parameterCount());
    }

    @Test
    void crossAttentionKeyValuePathsListEveryAttn2Projection() {
        // Given: SD 1.5 has 16 transformer blocks (6 down, 1 mid, 9 up)
        UNetParameterLayout layout = UNetParameterLayout.of(UNet2DConditionConfig.stableDiffusion15());

        // When
        List<String> paths = layout.crossAttentionKeyValuePaths();

        // Then
        assertEquals(32, paths.size());
        assertEquals("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k", paths.get(0));
        assertEquals("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_v", paths.get(1));
    }

    @Test
    void tinyConfigWiresSkipChannels() {
        // Given: levels of 8 and 16 channels with one ResNet per down block, so the skips are 8, 8, 8, 16
        UNetParameterLayout layout = UNetParameterLayout.of(UNet2DConditionConfig.tiny());

        // When / Then: each up ResNet reads the previous output plus one popped skip
        assertEquals(new Shape(16, 32, 3, 3), layout.get("up_blocks.0.resnets.0.conv1.weight").shape());
        assertEquals(new Shape(16, 24, 3, 3), layout.get("up_blocks.0.resnets.1.conv1.weight").shape());
        assertEquals(new Shape(8, 24, 3, 3), layout.get("up_blocks.1.resnets.0.conv1.weight").shape());
        assertEquals(new Shape(8, 16, 3, 3), layout.get("up_blocks.1.resnets.1.conv1.weight").shape());
        assertEquals(new Shape(8, 12), layout.get("up_blocks.1.attentions.1.transformer_blocks.0.attn2.to_k.weight")
                .shape());
    }

    @Test
    void emojiWorldHasDocumentedParameterCount() {
        // Given: the emoji-world config, whose Javadoc states its size
        UNet2DConditionConfig config = UNet2DConditionConfig.emojiWorld();

        // When
        UNetParameterLayout layout = UNetParameterLayout.of(config);

        // Then
        assertEquals(1_973_795L, layout.parameterCount());
        assertEquals(new Shape(64, 384),
                layout.get("down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight").shape());
        assertFalse(layout.find("down_blocks.0.attentions.0.norm.weight").isPresent());
    }

    @Test
    void unknownParameterNameIsRejected() {
        // Given
        UNetParameterLayout layout = UNetParameterLayout.of(UNet2DConditionConfig.tiny());

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> layout.get("down_blocks.9.resnets.0.conv1.weight"));

        // Then
        assertTrue(error.getMessage().contains("down_blocks.9.resnets.0.conv1.weight"), error.getMessage());
    }
}
