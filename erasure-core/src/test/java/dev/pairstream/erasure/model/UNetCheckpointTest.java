package dev.pairstream.erasure.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UNetCheckpointTest {

    private static final UNet2DConditionConfig TINY = UNet2DConditionConfig.tiny();
    private static final String TO_K = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight";

    @TempDir
    Path directory;

    private NDManager root;

    @BeforeEach
    void openManager() {
        root = PyTorchRuntime.engine().newBaseManager();
    }

    @AfterEach
    void closeManager() {
        root.close();
    }

    @Test
    void saveThenLoadRoundTripsBitIdentically() throws IOException {
        // Given
        try (UNet2DConditionModel saved = UNet2DConditionModel.initialize(TINY, root, 99)) {
            // When
            saved.save(directory);
            try (UNet2DConditionModel loaded = UNet2DConditionModel.load(directory, root)) {
                // Then
                assertEquals(TINY, loaded.config());
                assertEquals(saved.weights().names(), loaded.weights().names());
                for (String name : saved.weights().names()) {
                    NDArray expected = saved.weights().get(name);
                    NDArray actual = loaded.weights().get(name);
                    assertEquals(expected.getShape(), actual.getShape(), name);
                    assertArrayEquals(expected.toByteArray(), actual.toByteArray(), name);
                }
            }
        }
    }

    @Test
    void loadedModelPredictsLikeSavedOne() throws IOException {
        // Given
        try (UNet2DConditionModel saved = UNet2DConditionModel.initialize(TINY, root, 99);
                NDManager step = root.newSubManager()) {
            saved.save(directory);
            NDArray sample = step.randomNormal(new Shape(1, 3, 8, 8));
            NDArray timesteps = step.create(new float[] {250f});
            NDArray context = step.randomNormal(new Shape(1, 4, 12));

            // When
            try (UNet2DConditionModel loaded = UNet2DConditionModel.load(directory, root)) {
                float[] expected = saved.forward(sample, timesteps, context, null).toFloatArray();
                float[] actual = loaded.forward(sample, timesteps, context, null).toFloatArray();

                // Then
                assertArrayEquals(expected, actual);
            }
        }
    }

    @Test
    void writtenFileFollowsSafetensorsFormat() throws IOException {
        // Given
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 99)) {
            model.save(directory);
        }
        byte[] bytes = Files.readAllBytes(directory.resolve(UNet2DConditionModel.WEIGHTS_FILE));

        // When: the header is decoded by hand as the format specifies
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLength,
                StandardCharsets.UTF_8));
        JsonNode toK = header.get(TO_K);

        // Then
        UNetParameterLayout layout = UNetParameterLayout.of(TINY);
        assertEquals(layout.parameters().size(), header.size());
        assertEquals("F32", toK.get("dtype").asText());
        assertEquals("[8,12]", toK.get("shape").toString());
        long begin = toK.get("data_offsets").get(0).asLong();
        long end = toK.get("data_offsets").get(1).asLong();
        assertEquals(8 * 12 * 4, end - begin);
        assertEquals(8 + headerLength + layout.parameterCount() * 4, bytes.length);
    }

    @Test
    void handWrittenFileIsRead() throws IOException {
        // Given: a file built byte by byte from the format description, with metadata and tensors out of order
        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[12,20]},\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}  ";
        Path file = directory.resolve("hand.safetensors");
        writeSafetensors(file, json, new float[] {1f, 2f, 3f, -4.5f, 1e-3f});
        Map<String, Shape> expected = new LinkedHashMap<>();
        expected.put("a", new Shape(3));
        expected.put("b", new Shape(2));

        // When
        SafetensorsFile.Header header = SafetensorsFile.readHeader(file);
        Map<String, NDArray> arrays = SafetensorsFile.readFloat32(file, expected, root);

        // Then
        assertEquals(Map.of("format", "pt"), header.metadata());
        assertArrayEquals(new float[] {1f, 2f, 3f}, arrays.get("a").toFloatArray());
        assertArrayEquals(new float[] {-4.5f, 1e-3f}, arrays.get("b").toFloatArray());
        assertEquals("a", arrays.get("a").getName());
    }

    @Test
    void truncatedFileNamesFileAndTensor() throws IOException {
        // Given: a checkpoint whose last 10 bytes are cut off
        Path weights = saveTiny();
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length - 10));
        String lastTensor = tensorAtEndOfData(bytes);

        // When
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> UNet2DConditionModel.load(directory, root));

        // Then
        assertEquals(weights, error.file());
        assertEquals(lastTensor, error.tensor().orElseThrow());
        assertTrue(error.getMessage().contains(weights.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("tensor " + lastTensor), error.getMessage());
        assertTrue(error.getMessage().contains("truncated"), error.getMessage());
    }

    @Test
    void fileCutInsideHeaderIsRejected() throws IOException {
        // Given
        Path weights = saveTiny();
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, 100));

        // When
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> UNet2DConditionModel.load(directory, root));

        // Then
        assertEquals(weights, error.file());
        assertTrue(error.getMessage().contains("header length"), error.getMessage());
    }

    @Test
    void corruptHeaderJsonIsRejected() throws IOException {
        // Given: one byte inside the JSON header overwritten with a quote (or a brace where a quote was)
        Path weights = saveTiny();
        byte[] bytes = Files.readAllBytes(weights);
        bytes[40] = (byte) (bytes[40] == '"' ? '}' : '"');
        Files.write(weights, bytes);

        // When
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> UNet2DConditionModel.load(directory, root));

        // Then
        assertEquals(weights, error.file());
        assertTrue(error.getMessage().contains(weights.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("corrupt header"), error.getMessage());
    }

    @Test
    void hugeHeaderLengthIsRejectedWithoutAllocating() throws IOException {
        // Given: a header length of 2^62, which a trusting decoder would try to allocate
        Path weights = saveTiny();
        byte[] bytes = Files.readAllBytes(weights);
        ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 62);
        Files.write(weights, bytes);

        // When
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> UNet2DConditionModel.load(directory, root));

        // Then
        assertTrue(error.getMessage().contains("header length 4611686018427387904 is invalid"), error.getMessage());
    }

    @Test
    void offsetsInconsistentWithShapeNameTheTensor() throws IOException {
        // Given: tensor "a" claims shape [4] (16 bytes) but spans 12 bytes
        Path file = directory.resolve("bad.safetensors");
        writeSafetensors(file, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,12]}}",
                new float[] {1f, 2f, 3f});

        // When
        CheckpointException error = assertThrows(CheckpointException.class, () -> SafetensorsFile.readHeader(file));

        // Then
        assertEquals("Invalid checkpoint file " + file + " tensor a: data_offsets [0, 12] span 12 bytes, but dtype F32"
                + " with shape [4] needs 16", error.getMessage());
    }

    @Test
    void overlappingTensorsAreRejected() throws IOException {
        // Given
        Path file = directory.resolve("overlap.safetensors");
        writeSafetensors(file, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new float[] {1f, 2f, 3f});

        // When
        CheckpointException error = assertThrows(CheckpointException.class, () -> SafetensorsFile.readHeader(file));

        // Then
        assertEquals("b", error.tensor().orElseThrow());
        assertTrue(error.getMessage().contains("overlap"), error.getMessage());
    }

    @Test
    void wrongShapeTensorNamesFileAndTensor() throws IOException {
        // Given: weights saved for a config whose cross_attention_dim is 16 instead of 12
        UNet2DConditionConfig wider = new UNet2DConditionConfig(TINY.className(), TINY.sampleSize(),
                TINY.inChannels(), TINY.outChannels(), TINY.centerInputSample(), TINY.flipSinToCos(),
                TINY.freqShift(), TINY.downBlockTypes(), TINY.midBlockType(), TINY.upBlockTypes(),
                TINY.blockOutChannels(), TINY.layersPerBlock(), TINY.downsamplePadding(), TINY.midBlockScaleFactor(),
                TINY.actFn(), TINY.normNumGroups(), TINY.normEps(), 16, TINY.transformerLayersPerBlock(),
                TINY.attentionHeadDim(), TINY.useLinearProjection());
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(wider, root, 1)) {
            model.save(directory);
        }
        TINY.write(directory.resolve(UNet2DConditionModel.CONFIG_FILE));
        Path weights = directory.resolve(UNet2DConditionModel.WEIGHTS_FILE);

        // When
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> UNet2DConditionModel.load(directory, root));

        // Then: the first cross-attention key projection in state-dict order is reported
        assertEquals(weights, error.file());
        assertEquals(TO_K, error.tensor().orElseThrow());
        assertEquals("Invalid checkpoint file " + weights + " tensor " + TO_K
                + ": shape (8, 16) does not match the config, which expects (8, 12)", error.getMessage());
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        // Given: a weights file without conv_out.bias
        Path weights = directory.resolve(UNet2DConditionModel.WEIGHTS_FILE);
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 1)) {
            Map<String, NDArray> partial = new LinkedHashMap<>(model.weights().asMap());
            partial.remove("conv_out.bias");
            SafetensorsFile.write(weights, partial);
        }
        TINY.write(directory.resolve(UNet2DConditionModel.CONFIG_FILE));

        // When
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> UNet2DConditionModel.load(directory, root));

        // Then
        assertEquals("conv_out.bias", error.tensor().orElseThrow());
        assertTrue(error.getMessage().contains("missing"), error.getMessage());
    }

    @Test
    void unexpectedTensorIsNamed() throws IOException {
        // Given: a weights file with one tensor more than the config has
        Path weights = directory.resolve(UNet2DConditionModel.WEIGHTS_FILE);
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 1)) {
            Map<String, NDArray> extended = new LinkedHashMap<>(model.weights().asMap());
            extended.put("class_embedding.weight", root.zeros(new Shape(4, 32)));
            SafetensorsFile.write(weights, extended);
        }
        TINY.write(directory.resolve(UNet2DConditionModel.CONFIG_FILE));

        // When
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> UNet2DConditionModel.load(directory, root));

        // Then
        assertEquals("class_embedding.weight", error.tensor().orElseThrow());
    }

    @Test
    void halfPrecisionTensorIsRejected() throws IOException {
        // Given: conv_in.weight stored as F16
        Path weights = directory.resolve(UNet2DConditionModel.WEIGHTS_FILE);
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 1)) {
            Map<String, NDArray> mixed = new LinkedHashMap<>(model.weights().asMap());
            mixed.put("conv_in.weight", mixed.get("conv_in.weight").toType(DataType.FLOAT16, true));
            SafetensorsFile.write(weights, mixed);
        }
        TINY.write(directory.resolve(UNet2DConditionModel.CONFIG_FILE));

        // When
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> UNet2DConditionModel.load(directory, root));

        // Then
        assertEquals("Invalid checkpoint file " + weights + " tensor conv_in.weight: dtype F16 is not supported;"
                + " expected F32", error.getMessage());
    }

    @Test
    void missingWeightsFileIsNamed() throws IOException {
        // Given
        Path weights = saveTiny();
        Files.delete(weights);

        // When
        NoSuchFileException error = assertThrows(NoSuchFileException.class,
                () -> UNet2DConditionModel.load(directory, root));

        // Then
        assertEquals(weights.toString(), error.getFile());
    }

    @Test
    void missingDirectoryIsNamed() {
        // Given
        Path absent = directory.resolve("absent");

        // When
        NoSuchFileException error = assertThrows(NoSuchFileException.class,
                () -> UNet2DConditionModel.load(absent, root));

        // Then
        assertEquals(absent.toString(), error.getFile());
    }

    @Test
    void saveReplacesExistingCheckpointWithoutLeftovers() throws IOException {
        // Given: a checkpoint saved twice with different seeds
        try (UNet2DConditionModel first = UNet2DConditionModel.initialize(TINY, root, 1);
                UNet2DConditionModel second = UNet2DConditionModel.initialize(TINY, root, 2)) {
            first.save(directory);

            // When
            second.save(directory);

            // Then: only the two checkpoint files remain and they hold the second model
            try (var files = Files.list(directory)) {
                assertEquals(2, files.count());
            }
            try (UNet2DConditionModel loaded = UNet2DConditionModel.load(directory, root)) {
                assertArrayEquals(second.weights().get(TO_K).toByteArray(), loaded.weights().get(TO_K).toByteArray());
                assertFalse(Arrays.equals(first.weights().get(TO_K).toByteArray(),
                        loaded.weights().get(TO_K).toByteArray()));
            }
        }
    }

    private Path saveTiny() throws IOException {
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 99)) {
            model.save(directory);
        }
        return directory.resolve(UNet2DConditionModel.WEIGHTS_FILE);
    }

    /** Returns the tensor whose data range ends last, read from the header independently of the reader. */
    private static String tensorAtEndOfData(byte[] bytes) throws IOException {
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLength,
                StandardCharsets.UTF_8));
        String last = null;
        long lastEnd = -1;
        for (Map.Entry<String, JsonNode> entry : header.properties()) {
            long end = entry.getValue().get("data_offsets").get(1).asLong();
            if (end > lastEnd) {
                lastEnd = end;
                last = entry.getKey();
            }
        }
        return last;
    }

    private static void writeSafetensors(Path file, String headerJson, float[] data) throws IOException {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + header.length + data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(header.length).put(header);
        for (float value : data) {
            buffer.putFloat(value);
        }
        Files.write(file, buffer.array());
    }
}
