package dev.pairstream.erasure.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UNet2DConditionConfigTest {

    /** The unet/config.json of runwayml/stable-diffusion-v1-5 as published, which omits the newer optional fields. */
    private static final String SD15_CONFIG_JSON = """
            {
              "_class_name": "UNet2DConditionModel",
              "_diffusers_version": "0.6.0",
              "act_fn": "silu",
              "attention_head_dim": 8,
              "block_out_channels": [320, 640, 1280, 1280],
              "center_input_sample": false,
              "cross_attention_dim": 768,
              "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                "DownBlock2D"],
              "downsample_padding": 1,
              "flip_sin_to_cos": true,
              "freq_shift": 0,
              "in_channels": 4,
              "layers_per_block": 2,
              "mid_block_scale_factor": 1,
              "norm_eps": 1e-05,
              "norm_num_groups": 32,
              "out_channels": 4,
              "sample_size": 64,
              "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
            }
            """;

    @Test
    void publishedStableDiffusion15ConfigParses() {
        // When
        UNet2DConditionConfig parsed = UNet2DConditionConfig.fromJson(SD15_CONFIG_JSON);

        // Then: missing optional fields take diffusers' defaults, unknown ones are ignored
        assertEquals(UNet2DConditionConfig.stableDiffusion15(), parsed);
        assertEquals("UNetMidBlock2DCrossAttn", parsed.midBlockType());
        assertEquals(1, parsed.transformerLayersPerBlock());
        assertEquals(false, parsed.useLinearProjection());
    }

    @Test
    void jsonRoundTripKeepsEveryField(@TempDir Path directory) throws IOException {
        // Given
        UNet2DConditionConfig config = UNet2DConditionConfig.emojiWorld();
        Path file = directory.resolve("config.json");

        // When
        config.write(file);
        UNet2DConditionConfig read = UNet2DConditionConfig.read(file);

        // Then
        assertEquals(config, read);
        String json = Files.readString(file);
        assertTrue(json.contains("\"_class_name\" : \"UNet2DConditionModel\""), json);
        assertTrue(json.contains("\"block_out_channels\" : [ 32, 64, 64 ]"), json);
        assertTrue(json.contains("\"cross_attention_dim\" : 384"), json);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
        "sample_size|0|\"sample_size\": 0",
        "sample_size|30|\"sample_size\": 30",
        "in_channels|-1|\"in_channels\": -1",
        "_class_name|UNet2DModel|\"_class_name\": \"UNet2DModel\"",
        "down_block_types|[CrossAttnDownBlock2D, AttnDownBlock2D, DownBlock2D]"
                + "|\"down_block_types\": [\"CrossAttnDownBlock2D\", \"AttnDownBlock2D\", \"DownBlock2D\"]",
        "up_block_types|[UpBlock2D, CrossAttnUpBlock2D]|\"up_block_types\": [\"UpBlock2D\", \"CrossAttnUpBlock2D\"]",
        "mid_block_type|UNetMidBlock2D|\"mid_block_type\": \"UNetMidBlock2D\"",
        "norm_num_groups|24|\"norm_num_groups\": 24",
        "attention_head_dim|5|\"attention_head_dim\": 5",
        "act_fn|gelu|\"act_fn\": \"gelu\"",
        "freq_shift|16|\"freq_shift\": 16",
        "norm_eps|0.0|\"norm_eps\": 0.0",
        "block_out_channels|[32, 0, 64]|\"block_out_channels\": [32, 0, 64]",
    })
    void invalidFieldIsNamedWithItsValue(String field, String value, String replacement) {
        // Given: the emoji config with one field replaced
        String json = UNet2DConditionConfig.emojiWorld().toJson().replace(" : ", ": ");
        String original = json.lines().filter(line -> line.contains("\"" + field + "\":")).findFirst().orElseThrow();
        String broken = json.replace(original.strip().replaceAll(",$", ""), replacement);

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> UNet2DConditionConfig.fromJson(broken));

        // Then
        assertTrue(error.getMessage().contains("field " + field), error.getMessage());
        assertTrue(error.getMessage().contains(value), error.getMessage());
    }

    @Test
    void missingRequiredFieldIsNamed() {
        // Given
        String json = UNet2DConditionConfig.tiny().toJson().replaceAll("\"cross_attention_dim\" : 12,", "");

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> UNet2DConditionConfig.fromJson(json));

        // Then
        assertTrue(error.getMessage().contains("Missing required UNet config field cross_attention_dim"),
                error.getMessage());
    }

    @Test
    void listValuedHeadCountIsRejected() {
        // Given: diffusers also accepts per-block head counts, which this implementation does not run
        String json = UNet2DConditionConfig.tiny().toJson().replace("\"attention_head_dim\" : 2",
                "\"attention_head_dim\" : [ 2, 2 ]");

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> UNet2DConditionConfig.fromJson(json));

        // Then
        assertTrue(error.getMessage().contains("attention_head_dim"), error.getMessage());
    }

    @Test
    void missingConfigFileIsNamed(@TempDir Path directory) {
        // Given
        Path file = directory.resolve("config.json");

        // When
        NoSuchFileException error = assertThrows(NoSuchFileException.class, () -> UNet2DConditionConfig.read(file));

        // Then
        assertEquals(file.toString(), error.getFile());
    }

    @Test
    void malformedConfigFileIsNamed(@TempDir Path directory) throws IOException {
        // Given
        Path file = directory.resolve("config.json");
        Files.writeString(file, "{\"_class_name\": \"UNet2DConditionModel\", \"sample_size\": ");

        // When
        IOException error = assertThrows(IOException.class, () -> UNet2DConditionConfig.read(file));

        // Then
        assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
    }

    @Test
    void derivedSizesFollowDiffusers() {
        // Given
        UNet2DConditionConfig config = UNet2DConditionConfig.stableDiffusion15();

        // When / Then: time embedding 4 x 320, three halvings between four levels
        assertEquals(1280, config.timeEmbeddingDim());
        assertEquals(8, config.downsamplingFactor());
        assertEquals(4, config.levels());
        assertEquals(List.of(320, 640, 1280, 1280), config.blockOutChannels());
    }
}
