package dev.pairstream.erasure.fisher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.model.CheckpointException;
import dev.pairstream.erasure.model.SafetensorsFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FisherEstimateTest {

    private static final String TO_K = "mid_block.attentions.0.transformer_blocks.0.attn2.to_k";
    private static final String TO_V = "mid_block.attentions.0.transformer_blocks.0.attn2.to_v";
    private static final FisherKey KEY = new FisherKey("base-2024", "knife", PairHalf.UNSAFE);

    @TempDir
    Path folder;

    @Test
    void mergeAddsCountsAndSums() {
        // Given
        FisherEstimate first = estimate(KEY, 2, new double[] {1, 2, 3, 4, 5, 6}, new double[] {0.5, 0.25});
        FisherEstimate second = estimate(KEY, 3, new double[] {10, 20, 30, 40, 50, 60}, new double[] {1, 2});

        // When
        FisherEstimate merged = first.merge(second);

        // Then
        assertEquals(5, merged.sampleCount());
        assertArrayEquals(new double[] {11, 22, 33, 44, 55, 66}, merged.sum(TO_K));
        assertArrayEquals(new double[] {1.5, 2.25}, merged.sum(TO_V));
        assertEquals(List.of(TO_K, TO_V), merged.modules());
    }

    @Test
    void meanDividesSumsByCount() {
        // Given
        FisherEstimate estimate = estimate(KEY, 4, new double[] {4, 8, 2, 0, 1, 12}, new double[] {2, 6});

        // When
        double[] mean = estimate.mean(TO_K);

        // Then
        assertArrayEquals(new double[] {1, 2, 0.5, 0, 0.25, 3}, mean);
        assertArrayEquals(new double[] {0.5, 1.5}, estimate.mean(TO_V));
    }

    @Test
    void meanOfEmptyEstimateIsRejected() {
        // Given
        FisherEstimate empty = FisherEstimate.empty(KEY, shapes());

        // When
        IllegalStateException error = assertThrows(IllegalStateException.class, () -> empty.mean(TO_K));

        // Then
        assertEquals("The Fisher estimate of base model base-2024, concept knife, unsafe half covers no samples, so"
                + " its mean is undefined", error.getMessage());
    }

    @Test
    void mergeWithMissingModuleNamesModule() {
        // Given
        FisherEstimate both = estimate(KEY, 1, new double[6], new double[2]);
        FisherEstimate keyOnly = FisherEstimate.of(KEY, Map.of(TO_K, new Shape(2, 3)), 1,
                Map.of(TO_K, new double[6]));

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> both.merge(keyOnly));

        // Then
        assertEquals("Cannot merge Fisher estimates of base model base-2024, concept knife, unsafe half: module "
                + TO_V + " is missing from the other estimate", error.getMessage());
    }

    @Test
    void mergeWithExtraModuleNamesModule() {
        // Given
        FisherEstimate keyOnly = FisherEstimate.of(KEY, Map.of(TO_K, new Shape(2, 3)), 1,
                Map.of(TO_K, new double[6]));
        FisherEstimate both = estimate(KEY, 1, new double[6], new double[2]);

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> keyOnly.merge(both));

        // Then
        assertEquals("Cannot merge Fisher estimates of base model base-2024, concept knife, unsafe half: module "
                + TO_V + " is only in the other estimate", error.getMessage());
    }

    @Test
    void mergeWithOtherShapeNamesModule() {
        // Given
        FisherEstimate wide = estimate(KEY, 1, new double[6], new double[2]);
        Map<String, Shape> tallShapes = new LinkedHashMap<>();
        tallShapes.put(TO_K, new Shape(3, 2));
        tallShapes.put(TO_V, new Shape(1, 2));
        FisherEstimate tall = FisherEstimate.empty(KEY, tallShapes);

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> wide.merge(tall));

        // Then
        assertEquals("Cannot merge Fisher estimates of base model base-2024, concept knife, unsafe half: module "
                + TO_K + " has shape (2, 3) in one and (3, 2) in the other", error.getMessage());
    }

    @Test
    void mergeOfOtherBaseModelIsRejected() {
        // Given
        FisherEstimate ours = estimate(KEY, 1, new double[6], new double[2]);
        FisherKey otherKey = new FisherKey("base-2025", "knife", PairHalf.UNSAFE);
        FisherEstimate theirs = estimate(otherKey, 1, new double[6], new double[2]);

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> ours.merge(theirs));

        // Then
        assertEquals("Cannot merge Fisher estimates of different keys: base model base-2024, concept knife, unsafe"
                + " half and base model base-2025, concept knife, unsafe half", error.getMessage());
    }

    @Test
    void accumulatorMergeOfMismatchedEstimateNamesModule() {
        // Given
        FisherAccumulator accumulator = new FisherAccumulator(KEY, shapes());
        FisherEstimate keyOnly = FisherEstimate.of(KEY, Map.of(TO_K, new Shape(2, 3)), 1,
                Map.of(TO_K, new double[6]));

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> accumulator.merge(keyOnly));

        // Then
        assertEquals("Cannot merge Fisher estimates of base model base-2024, concept knife, unsafe half: module "
                + TO_V + " is missing from the other estimate", error.getMessage());
        assertEquals(0, accumulator.sampleCount());
    }

    @Test
    void accumulatorRejectsNegativeSumAndStaysUnchanged() {
        // Given
        FisherAccumulator accumulator = new FisherAccumulator(KEY, shapes());
        accumulator.add(sums(new double[] {1, 1, 1, 1, 1, 1}, new double[] {1, 1}), 1);
        Map<String, double[]> invalid = sums(new double[] {1, 1, 1, 1, 1, 1}, new double[] {1, -0.5});

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> accumulator.add(invalid, 1));

        // Then
        assertEquals("Fisher sums of module " + TO_V + " contain -0.5 at index 1; expected finite values of 0 or"
                + " more", error.getMessage());
        assertEquals(1, accumulator.sampleCount());
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1}, accumulator.toEstimate().sum(TO_K));
    }

    @Test
    void saveAndLoadRoundTripIsExact() throws IOException {
        // Given: values that float32 cannot hold exactly
        FisherEstimate original = estimate(KEY, 7, new double[] {0.1, 1e-300, Math.PI, 0, 12345.678901234567, 1e300},
                new double[] {Math.nextUp(1.0), Double.MIN_VALUE});
        Path file = folder.resolve("fisher-unsafe.safetensors");

        // When
        original.save(file);
        FisherEstimate loaded = FisherEstimate.load(file);

        // Then
        assertEquals(original, loaded);
        assertEquals(KEY, loaded.key());
        assertEquals(7, loaded.sampleCount());
        assertEquals(List.of(TO_K, TO_V), loaded.modules());
        assertArrayEquals(new double[] {0.1, 1e-300, Math.PI, 0, 12345.678901234567, 1e300}, loaded.sum(TO_K));
        assertArrayEquals(new double[] {Math.nextUp(1.0), Double.MIN_VALUE}, loaded.sum(TO_V));
    }

    @Test
    void saveWritesKeyCountAndModules() throws IOException {
        // Given
        FisherEstimate original = estimate(new FisherKey("base-2024", "knife", PairHalf.SAFE), 3, new double[6],
                new double[2]);
        Path file = folder.resolve("fisher-safe.safetensors");

        // When
        original.save(file);
        Map<String, String> metadata = SafetensorsFile.readHeader(file).metadata();

        // Then
        assertEquals("pair-stream.fisher-sums", metadata.get("format"));
        assertEquals("1", metadata.get("format_version"));
        assertEquals("base-2024", metadata.get("base_model_id"));
        assertEquals("knife", metadata.get("concept_id"));
        assertEquals("safe", metadata.get("half"));
        assertEquals("3", metadata.get("sample_count"));
        assertEquals("[\"" + TO_K + "\",\"" + TO_V + "\"]", metadata.get("modules"));
    }

    @Test
    void truncatedFileIsRejectedNamingFileAndTensor() throws IOException {
        // Given: a saved estimate with its last 8 bytes cut off
        Path file = folder.resolve("truncated.safetensors");
        estimate(KEY, 2, new double[] {1, 2, 3, 4, 5, 6}, new double[] {7, 8}).save(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 8);
        }

        // When
        CheckpointException error = assertThrows(CheckpointException.class, () -> FisherEstimate.load(file));

        // Then
        assertEquals(file, error.file());
        assertEquals(Optional.of(TO_V), error.tensor());
        assertEquals("Invalid checkpoint file " + file + " tensor " + TO_V + ": the file is truncated: the tensor"
                + " needs data bytes 48 to 64 but the data section after the header has only 56 bytes",
                error.getMessage());
    }

    @Test
    void fileCutInsideHeaderIsRejectedNamingFile() throws IOException {
        // Given
        Path file = folder.resolve("cut-header.safetensors");
        estimate(KEY, 2, new double[6], new double[2]).save(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(20);
        }

        // When
        CheckpointException error = assertThrows(CheckpointException.class, () -> FisherEstimate.load(file));

        // Then
        assertEquals(file, error.file());
        assertEquals(Optional.empty(), error.tensor());
    }

    @Test
    void loadRejectsOtherExpectedShape() throws IOException {
        // Given
        Path file = folder.resolve("fisher.safetensors");
        estimate(KEY, 2, new double[6], new double[2]).save(file);
        Map<String, Shape> expected = new LinkedHashMap<>();
        expected.put(TO_K, new Shape(2, 3));
        expected.put(TO_V, new Shape(2, 1));

        // When
        CheckpointException error = assertThrows(CheckpointException.class, () -> FisherEstimate.load(file,
                expected));

        // Then
        assertEquals(file, error.file());
        assertEquals(Optional.of(TO_V), error.tensor());
        assertEquals("Invalid checkpoint file " + file + " tensor " + TO_V + ": shape (1, 2) does not match the"
                + " expected shape (2, 1)", error.getMessage());
    }

    @Test
    void loadWithMatchingExpectedShapesSucceeds() throws IOException {
        // Given
        Path file = folder.resolve("fisher.safetensors");
        FisherEstimate original = estimate(KEY, 2, new double[] {1, 2, 3, 4, 5, 6}, new double[] {7, 8});
        original.save(file);

        // When
        FisherEstimate loaded = FisherEstimate.load(file, shapes());

        // Then
        assertEquals(original, loaded);
    }

    @Test
    void loadRejectsRankThreeTensor() throws IOException {
        // Given: a well-formed safetensors file whose only tensor is [1, 2, 1]
        Path file = folder.resolve("rank-three.safetensors");
        String header = "{\"__metadata__\":{\"format\":\"pair-stream.fisher-sums\",\"format_version\":\"1\","
                + "\"base_model_id\":\"base-2024\",\"concept_id\":\"knife\",\"half\":\"unsafe\","
                + "\"sample_count\":\"1\",\"modules\":\"[\\\"" + TO_K + "\\\"]\"},"
                + "\"" + TO_K + "\":{\"dtype\":\"F64\",\"shape\":[1,2,1],\"data_offsets\":[0,16]}}";
        writeSafetensors(file, header, new double[] {1, 2});

        // When
        CheckpointException error = assertThrows(CheckpointException.class, () -> FisherEstimate.load(file));

        // Then
        assertEquals(file, error.file());
        assertEquals(Optional.of(TO_K), error.tensor());
        assertEquals("Invalid checkpoint file " + file + " tensor " + TO_K + ": shape (1, 2, 1) is not a Linear"
                + " weight shape [out, in] with positive sizes", error.getMessage());
    }

    @Test
    void safetensorsWithoutFisherMetadataIsRejected() throws IOException {
        // Given
        Path file = folder.resolve("weights.safetensors");
        String header = "{\"" + TO_K + "\":{\"dtype\":\"F64\",\"shape\":[1,2],\"data_offsets\":[0,16]}}";
        writeSafetensors(file, header, new double[] {1, 2});

        // When
        CheckpointException error = assertThrows(CheckpointException.class, () -> FisherEstimate.load(file));

        // Then
        assertEquals("Invalid checkpoint file " + file + ": metadata format is missing; expected"
                + " \"pair-stream.fisher-sums\" (is this a Fisher estimate file?)", error.getMessage());
    }

    @Test
    void emptyEstimateIsMergeIdentity() {
        // Given
        FisherEstimate estimate = estimate(KEY, 3, new double[] {1, 2, 3, 4, 5, 6}, new double[] {7, 8});

        // When
        FisherEstimate merged = FisherEstimate.empty(KEY, shapes()).merge(estimate);

        // Then
        assertEquals(estimate, merged);
    }

    private static Map<String, Shape> shapes() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put(TO_K, new Shape(2, 3));
        shapes.put(TO_V, new Shape(1, 2));
        return shapes;
    }

    private static Map<String, double[]> sums(double[] keySums, double[] valueSums) {
        Map<String, double[]> sums = new LinkedHashMap<>();
        sums.put(TO_K, keySums);
        sums.put(TO_V, valueSums);
        return sums;
    }

    private static FisherEstimate estimate(FisherKey key, long count, double[] keySums, double[] valueSums) {
        return FisherEstimate.of(key, shapes(), count, sums(keySums, valueSums));
    }

    /** Writes a safetensors file by hand: the 8-byte header length, the header, then little-endian doubles. */
    private static void writeSafetensors(Path file, String header, double[] data) throws IOException {
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + headerBytes.length + data.length * 8)
                .order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(headerBytes.length);
        buffer.put(headerBytes);
        for (double value : data) {
            buffer.putDouble(value);
        }
        Files.write(file, buffer.array());
    }
}
