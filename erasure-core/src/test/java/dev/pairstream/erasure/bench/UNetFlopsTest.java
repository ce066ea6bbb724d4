package dev.pairstream.erasure.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.model.UNetParameterLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

class UNetFlopsTest {

    @Test
    void walkPassesEveryParameterOfTheModel() {
        for (UNet2DConditionConfig config : List.of(UNet2DConditionConfig.emojiWorld(), UNet2DConditionConfig.tiny(),
                UNet2DConditionConfig.stableDiffusion15())) {
            assertEquals(UNetParameterLayout.of(config).parameterCount(), UNetFlops.parameterCount(config),
                    config.blockOutChannels().toString());
        }
    }

    @Test
    void eachExtraTokenAddsCrossAttentionWork() {
        // Given: per cross-attention layer of C channels over N pixels, one more context token adds the k and v
        // projections of that token (2 * 2 * 384 * C). It also adds one column to both attention products
        // (2 * 2 * N * C).
        UNet2DConditionConfig config = UNet2DConditionConfig.emojiWorld();
        long expected = 0;
        // Cross-attention layers of the emoji world: down level 1 (16x16, 64 channels), down level 2 (8x8, 64),
        // the middle block (8x8, 64), up index 0 (8x8, 64, two layers) and up index 1 (16x16, 64, two layers).
        long[][] layers = {{256, 64}, {64, 64}, {64, 64}, {64, 64}, {64, 64}, {256, 64}, {256, 64}};
        for (long[] layer : layers) {
            expected += 2L * 2 * 384 * layer[1] + 2L * 2 * layer[0] * layer[1];
        }

        // When
        long difference = UNetFlops.forwardPerSample(config, 17) - UNetFlops.forwardPerSample(config, 16);

        // Then
        assertEquals(expected, difference);
    }

    @Test
    void tokenCountBelowOneIsRejected() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> UNetFlops.forwardPerSample(UNet2DConditionConfig.tiny(), 0));

        assertEquals("Invalid token count 0; expected at least 1", error.getMessage());
    }
}
