package dev.pairstream.erasure.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.model.UNetParameterLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetModulesTest {

    private static final UNetParameterLayout TINY = UNetParameterLayout.of(UNet2DConditionConfig.tiny());
    /** The tiny config's transformers in state-dict order: down blocks, then up blocks, then the middle block. */
    private static final List<String> TRANSFORMER_BLOCKS = List.of(
            "down_blocks.0.attentions.0.transformer_blocks.0.",
            "up_blocks.1.attentions.0.transformer_blocks.0.",
            "up_blocks.1.attentions.1.transformer_blocks.0.",
            "mid_block.attentions.0.transformer_blocks.0.");

    @Test
    void defaultNamesSelectCrossAttentionKeysAndValues() {
        // When
        List<String> selected = TargetModules.select(TINY, TargetModules.DEFAULT_NAMES);

        // Then
        assertEquals(inEveryBlock("attn2.to_k", "attn2.to_v"), selected);
        assertEquals(TINY.crossAttentionKeyValuePaths(), selected);
    }

    @Test
    void otherNamesSelectTheirLayersInModelOrder() {
        assertEquals(inEveryBlock("attn2.to_q"), TargetModules.select(TINY, List.of("attn2.to_q")));
        assertEquals(inEveryBlock("attn2.to_out.0"), TargetModules.select(TINY, List.of("attn2.to_out.0")));
        assertEquals(inEveryBlock("attn1.to_k"), TargetModules.select(TINY, List.of("attn1.to_k")));
        // A bare name matches as a path suffix, as in PEFT, so to_k selects the self- and cross-attention keys.
        assertEquals(inEveryBlock("attn1.to_k", "attn2.to_k"), TargetModules.select(TINY, List.of("to_k")));
        assertEquals(List.of("time_embedding.linear_1"),
                TargetModules.select(TINY, List.of("time_embedding.linear_1")));
        String fullPath = "mid_block.attentions.0.transformer_blocks.0.attn2.to_v";
        assertEquals(List.of(fullPath), TargetModules.select(TINY, List.of(fullPath)));
    }

    @Test
    void patternSelectsWholePathMatches() {
        // When
        List<String> selected = TargetModules.selectByPattern(TINY, "up_blocks\\..*\\.attn2\\.to_(k|v)");

        // Then
        assertEquals(List.of(TRANSFORMER_BLOCKS.get(1) + "attn2.to_k", TRANSFORMER_BLOCKS.get(1) + "attn2.to_v",
                TRANSFORMER_BLOCKS.get(2) + "attn2.to_k", TRANSFORMER_BLOCKS.get(2) + "attn2.to_v"), selected);
    }

    @Test
    void unknownNamesAreRejectedWithValidNames() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> TargetModules.select(TINY, List.of("attn2.to_k", "attn3.to_k", "conv1")));

        // Then: convolutions are not Linear layers, so conv1 is unknown too. The names follow state-dict order,
        // where down_blocks.0 registers its transformer before its ResNet with time_emb_proj.
        assertEquals("Unknown target module names [attn3.to_k, conv1]; they select no Linear layer of this UNet."
                + " Valid names are [time_embedding.linear_1, time_embedding.linear_2, attn1.to_q, attn1.to_k,"
                + " attn1.to_v, attn1.to_out.0, attn2.to_q, attn2.to_k, attn2.to_v, attn2.to_out.0, ff.net.0.proj,"
                + " ff.net.2, time_emb_proj], or full module paths", error.getMessage());
        assertEquals("Target module pattern 'attn2' matches no Linear layer of this UNet; Linear layer paths look"
                + " like time_embedding.linear_1", assertThrows(IllegalArgumentException.class,
                        () -> TargetModules.selectByPattern(TINY, "attn2")).getMessage());
    }

    private static List<String> inEveryBlock(String... names) {
        return TRANSFORMER_BLOCKS.stream()
                .flatMap(block -> List.of(names).stream().map(name -> block + name))
                .toList();
    }
}
