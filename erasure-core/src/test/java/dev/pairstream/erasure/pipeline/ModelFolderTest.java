package dev.pairstream.erasure.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pairstream.erasure.pretrain.TinyWorld;
import dev.pairstream.erasure.schedule.SchedulerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderTest {

    @TempDir
    Path folder;

    @Test
    void writtenFolderHasDiffusersLayoutAndReadsBack() throws IOException {
        // Given
        Path model = folder.resolve("emoji-world-base");

        // When
        TestModels.writeTinyModel(model, 1);
        ModelFolder read = ModelFolder.read(model);

        // Then
        for (String file : new String[] {"model_index.json", "unet/config.json",
                "unet/diffusion_pytorch_model.safetensors", "scheduler/scheduler_config.json",
                "text_encoder/config.json", "provenance.json"}) {
            assertTrue(Files.isRegularFile(model.resolve(file)), file + " exists");
        }
        JsonNode index = new ObjectMapper().readTree(model.resolve("model_index.json").toFile());
        assertEquals("PairStreamTextToImagePipeline", index.get("_class_name").asText());
        assertEquals("UNet2DConditionModel", index.get("unet").get(1).asText());
        assertEquals(TinyWorld.unet(), read.unet());
        assertEquals(SchedulerConfig.ddpmLinear(), read.scheduler());
        assertEquals(TextEncoderSettings.miniLm(32), read.textEncoder());
        assertEquals("test model with random weights", read.provenance().get("purpose").asText());
        try (var children = Files.list(folder)) {
            assertEquals(1, children.count(), "no temporary folder is left behind");
        }
    }

    @Test
    void rewritingReplacesTheWholeFolder() throws IOException {
        // Given a folder with a stray file
        Path model = folder.resolve("model");
        TestModels.writeTinyModel(model, 1);
        Files.writeString(model.resolve("stray.txt"), "left over");

        // When
        TestModels.writeTinyModel(model, 2);

        // Then
        assertTrue(Files.notExists(model.resolve("stray.txt")));
        assertTrue(Files.isRegularFile(model.resolve("model_index.json")));
    }

    @Test
    void folderWithoutIndexIsRejected() throws IOException {
        // Given
        Path model = folder.resolve("model");
        TestModels.writeTinyModel(model, 1);
        Files.delete(model.resolve("model_index.json"));

        // When
        IOException error = assertThrows(IOException.class, () -> ModelFolder.read(model));

        // Then
        assertTrue(error.getMessage().contains("model_index.json"), error.getMessage());
    }

    @Test
    void unsupportedTextEncoderIsRejected() throws IOException {
        // Given
        Path model = folder.resolve("model");
        TestModels.writeTinyModel(model, 1);
        Files.writeString(model.resolve("text_encoder/config.json"),
                "{\"model\": \"openai/clip-vit-large-patch14\", \"hidden_size\": 768, \"max_tokens\": 77}");

        // When
        IOException error = assertThrows(IOException.class, () -> ModelFolder.read(model));

        // Then
        assertTrue(error.getMessage().contains("Unsupported text encoder model \"openai/clip-vit-large-patch14\""),
                error.getMessage());
    }
}
