package dev.pairstream.erasure.adapter;

import static dev.pairstream.erasure.adapter.AdapterFixtures.DOWN_TO_K;
import static dev.pairstream.erasure.adapter.AdapterFixtures.TINY;
import static dev.pairstream.erasure.adapter.AdapterFixtures.forward;
import static dev.pairstream.erasure.adapter.AdapterFixtures.perturb;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pairstream.erasure.model.CheckpointException;
import dev.pairstream.erasure.model.SafetensorsFile;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeftAdapterFilesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MID_TO_V = "mid_block.attentions.0.transformer_blocks.0.attn2.to_v";

    @TempDir
    Path folder;

    private NDManager root;
    private UNet2DConditionModel model;

    @BeforeEach
    void createModel() {
        root = PyTorchRuntime.engine().newBaseManager();
        model = UNet2DConditionModel.initialize(TINY, root, 7);
    }

    @AfterEach
    void closeModel() {
        model.close();
        root.close();
    }

    @Test
    void savedAdapterLoadsWithIdenticalOutputs() throws IOException {
        // Given: a trained-looking DoRA adapter
        Path directory = folder.resolve("adapter");
        try (Adapter adapter = Adapter.initialize(AdapterConfig.dora(4, 8, "models/tiny"), model.weights(), root,
                3); NDManager step = root.newSubManager()) {
            perturb(adapter, 0.1, 5);
            float[] expected = forward(model, step, adapter);

            // When
            PeftAdapterFiles.save(adapter, directory);
            try (Adapter loaded = PeftAdapterFiles.load(directory, model.weights(), root)) {

                // Then: same tensors, same settings, same outputs
                assertArrayEquals(expected, forward(model, step, loaded));
                for (Map.Entry<String, NDArray> parameter : adapter.parameters().entrySet()) {
                    assertArrayEquals(parameter.getValue().toFloatArray(),
                            loaded.parameters().get(parameter.getKey()).toFloatArray(), parameter.getKey());
                }
                assertEquals(adapter.config(), loaded.config());
            }
        }

        JsonNode config = JSON.readTree(directory.resolve(PeftAdapterFiles.CONFIG_FILE).toFile());
        assertEquals("LORA", config.get("peft_type").asText());
        assertEquals(4, config.get("r").asInt());
        assertTrue(config.get("lora_alpha").isInt(), "an integral lora_alpha is written as an integer");
        assertEquals(8, config.get("lora_alpha").asInt());
        assertTrue(config.get("use_dora").asBoolean());
        assertEquals("[\"attn2.to_k\",\"attn2.to_v\"]", config.get("target_modules").toString());
        assertEquals("models/tiny", config.get("base_model_name_or_path").asText());
        assertEquals("standard", config.get(PeftAdapterFiles.PROVENANCE_KEY).get("initialization").asText());
        SafetensorsFile.Header header = SafetensorsFile.readHeader(
                directory.resolve(PeftAdapterFiles.WEIGHTS_FILE));
        // 8 layers (to_k and to_v in 4 transformers), 3 tensors each
        assertEquals(24, header.tensors().size());
        assertEquals(new Shape(8), header.tensors().get(DOWN_TO_K + ".lora_magnitude_vector").shape());
        assertEquals(new Shape(4, 12), header.tensors().get(DOWN_TO_K + ".lora_A.weight").shape());
        assertEquals(new Shape(8, 4), header.tensors().get(DOWN_TO_K + ".lora_B.weight").shape());
        try (var files = Files.list(folder)) {
            assertEquals(List.of("adapter"), files.map(path -> path.getFileName().toString()).toList(),
                    "no temporary folder may be left behind");
        }
    }

    @Test
    void saveReplacesEarlierAdapter() throws IOException {
        // Given: an adapter directory from an earlier save with another rank
        Path directory = saveDora("replaced");
        try (Adapter adapter = Adapter.initialize(AdapterConfig.lora(3, 3, null), model.weights(), root, 9)) {

            // When
            PeftAdapterFiles.save(adapter, directory);
        }

        // Then
        try (Adapter loaded = PeftAdapterFiles.load(directory, model.weights(), root)) {
            assertEquals(3, loaded.config().rank());
            assertFalse(loaded.config().useDora());
        }
        try (var files = Files.list(directory)) {
            assertEquals(List.of(PeftAdapterFiles.CONFIG_FILE, PeftAdapterFiles.WEIGHTS_FILE),
                    files.map(path -> path.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void threeKeyPrefixesLoadIdentically() throws IOException {
        // Given: the same tensors saved without prefix, with PeftModel's prefix and with diffusers' prefix
        Path plain = folder.resolve("plain");
        try (Adapter adapter = Adapter.initialize(AdapterConfig.dora(2, 4, null), model.weights(), root, 3)) {
            perturb(adapter, 0.1, 6);
            PeftAdapterFiles.save(adapter, plain);
        }
        Path peftModel = copyWithPrefix(plain, "base_model.model.");
        Path diffusers = copyWithPrefix(plain, "unet.");

        // When
        float[] plainOutput = outputsOf(plain);
        float[] peftModelOutput = outputsOf(peftModel);
        float[] diffusersOutput = outputsOf(diffusers);

        // Then
        assertArrayEquals(plainOutput, peftModelOutput);
        assertArrayEquals(plainOutput, diffusersOutput);
        assertTrue(SafetensorsFile.readHeader(diffusers.resolve(PeftAdapterFiles.WEIGHTS_FILE)).tensors()
                .containsKey("unet." + DOWN_TO_K + ".lora_A.weight"), "the copy must carry the prefix");
    }

    @Test
    void loraAdapterRoundTripsWithPatternTargets() throws IOException {
        // Given: a LoRA adapter whose config lists target_modules as one regular expression, as PEFT allows
        Path directory = folder.resolve("lora");
        float[] expected;
        try (Adapter adapter = Adapter.initialize(AdapterConfig.lora(2, 2, null), model.weights(), root, 4);
                NDManager step = root.newSubManager()) {
            perturb(adapter, 0.1, 7);
            expected = forward(model, step, adapter);
            PeftAdapterFiles.save(adapter, directory);
        }
        ObjectNode config = (ObjectNode) JSON.readTree(directory.resolve(PeftAdapterFiles.CONFIG_FILE).toFile());
        config.put("target_modules", ".*\\.attn2\\.to_(k|v)");
        JSON.writeValue(directory.resolve(PeftAdapterFiles.CONFIG_FILE).toFile(), config);

        // When
        try (Adapter loaded = PeftAdapterFiles.load(directory, model.weights(), root);
                NDManager step = root.newSubManager()) {

            // Then: the pattern is kept as the list of paths it selected
            assertArrayEquals(expected, forward(model, step, loaded));
            assertFalse(loaded.config().useDora());
            assertEquals(model.layout().crossAttentionKeyValuePaths(), loaded.config().targetModules());
        }
    }

    @Test
    void loaderNamesExtraTensor() throws IOException {
        // Given: the saved tensors plus one for a layer the config does not target
        Path directory = saveDora("extra");
        Map<String, NDArray> tensors = readTensors(directory);
        String extra = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_k.lora_A.weight";
        tensors.put(extra, root.zeros(new Shape(2, 8)));
        SafetensorsFile.write(directory.resolve(PeftAdapterFiles.WEIGHTS_FILE), tensors);

        // When
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> PeftAdapterFiles.load(directory, model.weights(), root));

        // Then
        assertEquals("Invalid checkpoint file " + directory.resolve(PeftAdapterFiles.WEIGHTS_FILE) + ": the file"
                + " contains 25 tensors but adapter_config.json calls for 24 on the selected layers of the base model;"
                + " not applied: [" + extra + "]", error.getMessage());
    }

    @Test
    void loaderNamesMissingTensor() throws IOException {
        // Given: the saved tensors without one magnitude vector
        Path directory = saveDora("missing");
        Map<String, NDArray> tensors = readTensors(directory);
        String missing = MID_TO_V + ".lora_magnitude_vector";
        tensors.remove(missing);
        SafetensorsFile.write(directory.resolve(PeftAdapterFiles.WEIGHTS_FILE), tensors);

        // When
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> PeftAdapterFiles.load(directory, model.weights(), root));

        // Then
        assertEquals("Invalid checkpoint file " + directory.resolve(PeftAdapterFiles.WEIGHTS_FILE) + ": the file"
                + " contains 23 tensors but adapter_config.json calls for 24 on the selected layers of the base model;"
                + " missing: [" + missing + "]", error.getMessage());
    }

    @Test
    void loaderRejectsWrongLengthMagnitude() throws IOException {
        // Given: a magnitude vector with one value more than the layer has output rows
        Path directory = saveDora("magnitude");
        Map<String, NDArray> tensors = readTensors(directory);
        String name = DOWN_TO_K + ".lora_magnitude_vector";
        tensors.put(name, root.ones(new Shape(9)));
        SafetensorsFile.write(directory.resolve(PeftAdapterFiles.WEIGHTS_FILE), tensors);

        // When
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> PeftAdapterFiles.load(directory, model.weights(), root));

        // Then
        assertEquals("Invalid checkpoint file " + directory.resolve(PeftAdapterFiles.WEIGHTS_FILE) + " tensor "
                + name + ": the magnitude vector has shape (9) but the base layer " + DOWN_TO_K + " (weight (8, 12))"
                + " has 8 output rows; expected (8)", error.getMessage());
        assertEquals(name, error.tensor().orElseThrow());
    }

    @Test
    void loaderRejectsShapeOfOtherRank() throws IOException {
        // Given: a config that claims rank 3 for tensors of rank 2
        Path directory = saveDora("rank");
        ObjectNode config = (ObjectNode) JSON.readTree(directory.resolve(PeftAdapterFiles.CONFIG_FILE).toFile());
        config.put("r", 3);
        JSON.writeValue(directory.resolve(PeftAdapterFiles.CONFIG_FILE).toFile(), config);

        // When
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> PeftAdapterFiles.load(directory, model.weights(), root));

        // Then
        assertEquals("Invalid checkpoint file " + directory.resolve(PeftAdapterFiles.WEIGHTS_FILE) + " tensor "
                + DOWN_TO_K + ".lora_A.weight: shape (2, 12) does not fit the base layer " + DOWN_TO_K
                + " (weight (8, 12)) with r=3; expected (3, 12)", error.getMessage());
    }

    @Test
    void saveRejectsWrongLengthMagnitude() {
        // Given: PEFT tensors whose magnitude vector has 7 values for a layer with 8 output rows
        Path directory = folder.resolve("rejected");
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put(DOWN_TO_K + ".lora_A.weight", root.zeros(new Shape(2, 12)));
        tensors.put(DOWN_TO_K + ".lora_B.weight", root.zeros(new Shape(8, 2)));
        tensors.put(DOWN_TO_K + ".lora_magnitude_vector", root.ones(new Shape(7)));
        AdapterConfig config = AdapterConfig.dora(2, 2, null);

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> PeftAdapterFiles.save(directory, config, tensors));

        // Then
        assertEquals("Adapter tensor " + DOWN_TO_K + ".lora_magnitude_vector has shape (7); expected (8), one"
                + " magnitude per output row of lora_B (8, 2)", error.getMessage());
        assertFalse(Files.exists(directory), "nothing may be written");
    }

    @Test
    void missingPathsAreNamed() throws IOException {
        // Given
        Path absent = folder.resolve("absent");
        Path withoutWeights = folder.resolve("config-only");
        Files.createDirectories(withoutWeights);
        Files.writeString(withoutWeights.resolve(PeftAdapterFiles.CONFIG_FILE), "{}");

        // When / Then
        assertEquals(absent.toString(), assertThrows(NoSuchFileException.class,
                () -> PeftAdapterFiles.load(absent, model.weights(), root)).getFile());
        assertEquals(withoutWeights.resolve(PeftAdapterFiles.WEIGHTS_FILE).toString(), assertThrows(
                NoSuchFileException.class, () -> PeftAdapterFiles.load(withoutWeights, model.weights(), root))
                .getFile());
    }

    @Test
    void unsupportedConfigOptionsAreRejected() throws IOException {
        // Given
        Path directory = saveDora("options");
        Path configFile = directory.resolve(PeftAdapterFiles.CONFIG_FILE);
        ObjectNode config = (ObjectNode) JSON.readTree(configFile.toFile());
        config.put("use_rslora", true);
        config.putObject("rank_pattern").put("attn2.to_k", 8);
        JSON.writeValue(configFile.toFile(), config);

        // When
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> PeftAdapterFiles.load(directory, model.weights(), root));

        // Then
        assertTrue(error.getMessage().startsWith("Invalid checkpoint file " + configFile
                + ": unsupported LoRA options [rank_pattern={\"attn2.to_k\":8}, use_rslora=true]"),
                error.getMessage());
    }

    @Test
    void saveKeepsDirectoryWithOtherFiles() throws IOException {
        // Given: a directory that contains a file of its own
        Path directory = folder.resolve("shared");
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("notes.txt"), "keep me");

        // When
        IOException error;
        try (Adapter adapter = Adapter.initialize(AdapterConfig.dora(2, 2, null), model.weights(), root, 3)) {
            error = assertThrows(IOException.class, () -> PeftAdapterFiles.save(adapter, directory));
        }

        // Then
        assertTrue(error.getMessage().startsWith("Cannot save an adapter into " + directory
                + ": it contains [notes.txt] besides"), error.getMessage());
        assertEquals("keep me", Files.readString(directory.resolve("notes.txt")));
        assertFalse(Files.exists(directory.resolve(PeftAdapterFiles.WEIGHTS_FILE)));
    }

    private Path saveDora(String name) throws IOException {
        Path directory = folder.resolve(name);
        try (Adapter adapter = Adapter.initialize(AdapterConfig.dora(2, 4, null), model.weights(), root, 3)) {
            PeftAdapterFiles.save(adapter, directory);
        }
        return directory;
    }

    private Map<String, NDArray> readTensors(Path directory) throws IOException {
        Path file = directory.resolve(PeftAdapterFiles.WEIGHTS_FILE);
        Map<String, Shape> shapes = new LinkedHashMap<>();
        SafetensorsFile.readHeader(file).tensors().forEach((name, info) -> shapes.put(name, info.shape()));
        return new LinkedHashMap<>(SafetensorsFile.readFloat32(file, shapes, root));
    }

    private Path copyWithPrefix(Path source, String prefix) throws IOException {
        Path target = folder.resolve(prefix.replace(".", "-") + "copy");
        Files.createDirectories(target);
        Files.copy(source.resolve(PeftAdapterFiles.CONFIG_FILE), target.resolve(PeftAdapterFiles.CONFIG_FILE));
        Map<String, NDArray> prefixed = new LinkedHashMap<>();
        readTensors(source).forEach((name, array) -> prefixed.put(prefix + name, array));
        SafetensorsFile.write(target.resolve(PeftAdapterFiles.WEIGHTS_FILE), prefixed);
        return target;
    }

    private float[] outputsOf(Path directory) throws IOException {
        try (Adapter loaded = PeftAdapterFiles.load(directory, model.weights(), root);
                NDManager step = root.newSubManager()) {
            return forward(model, step, loaded);
        }
    }
}
