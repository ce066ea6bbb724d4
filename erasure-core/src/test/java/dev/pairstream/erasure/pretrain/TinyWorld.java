package dev.pairstream.erasure.pretrain;

import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.EmojiImage;
import dev.pairstream.erasure.emoji.EmojiRenderer;
import dev.pairstream.erasure.emoji.Scene;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import java.util.List;
import java.util.Map;

/**
 * A small emoji world for training tests: three concepts drawn as synthetic images (no prepared data folder needed),
 * six scenes, and {@link UNet2DConditionConfig#tiny()} widened to the 32-pixel canvas and the 384-wide MiniLM
 * context.
 */
public final class TinyWorld {

    public static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();

    public static final List<Scene> SCENES = List.of(
            new Scene("pistol", "red", "large", "top_left"),
            new Scene("pistol", "blue", "medium", "centre"),
            new Scene("flashlight", "green", "small", "bottom_right"),
            new Scene("flashlight", "yellow", "large", "middle_left"),
            new Scene("banana", "purple", "medium", "top_right"),
            new Scene("banana", "grey", "small", "bottom_centre"));

    private TinyWorld() {
    }

    /**
     * Returns tiny() with sample_size 32, cross_attention_dim 384 and its two block kinds swapped, so that attention
     * runs at 16x16 as in the emoji-world config: self-attention over all 32x32 pixels would make each step about
     * ten times slower.
     */
    public static UNet2DConditionConfig unet() {
        UNet2DConditionConfig tiny = UNet2DConditionConfig.tiny();
        return new UNet2DConditionConfig(tiny.className(), 32, tiny.inChannels(), tiny.outChannels(),
                tiny.centerInputSample(), tiny.flipSinToCos(), tiny.freqShift(),
                List.of(UNet2DConditionConfig.DOWN_BLOCK, UNet2DConditionConfig.CROSS_ATTN_DOWN_BLOCK),
                tiny.midBlockType(),
                List.of(UNet2DConditionConfig.CROSS_ATTN_UP_BLOCK, UNet2DConditionConfig.UP_BLOCK),
                tiny.blockOutChannels(), tiny.layersPerBlock(),
                tiny.downsamplePadding(), tiny.midBlockScaleFactor(), tiny.actFn(), tiny.normNumGroups(),
                tiny.normEps(), 384, tiny.transformerLayersPerBlock(), tiny.attentionHeadDim(),
                tiny.useLinearProjection());
    }

    /** Returns a renderer with a distinct opaque shape per concept. */
    public static EmojiRenderer renderer() {
        return new EmojiRenderer(CATALOG, Map.of(
                "pistol", square(0xff202020),
                "flashlight", diamond(0xfff0f0f0),
                "banana", square(0xffffe020)));
    }

    /** Returns a training set of the six scenes with two captions each. */
    public static TrainingSet trainingSet() {
        return TrainingSet.render(CATALOG, renderer(), SCENES, 2, 11);
    }

    /** Returns a fast config for the tiny world; callers adjust steps and cadence. */
    public static BaseModelTrainingConfig.Builder config() {
        return BaseModelTrainingConfig.builder()
                .unet(unet())
                .steps(6)
                .batchSize(4)
                .learningRate(2e-3)
                .warmupSteps(2)
                .captionsPerScene(2)
                .maxTokens(32)
                .checkpointEvery(3)
                .keepCheckpoints(5)
                .logEvery(1);
    }

    private static EmojiImage square(int argb) {
        int[] pixels = new int[16 * 16];
        java.util.Arrays.fill(pixels, argb);
        return EmojiImage.of(16, 16, pixels);
    }

    private static EmojiImage diamond(int argb) {
        int[] pixels = new int[16 * 16];
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                if (Math.abs(x - 7.5) + Math.abs(y - 7.5) <= 8) {
                    pixels[y * 16 + x] = argb;
                }
            }
        }
        return EmojiImage.of(16, 16, pixels);
    }
}
