package dev.pairstream.erasure.fisher;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pairstream.erasure.io.AtomicFiles;
import dev.pairstream.erasure.model.CheckpointException;
import dev.pairstream.erasure.model.SafetensorsFile;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Reads and writes {@link FisherEstimate}s as safetensors files: one {@code F64} tensor {@code [out, in]} per module,
 * named by its module path and holding the sum of squared per-sample gradients, plus string metadata with the
 * format, the key, the sample count and the module order.
 *
 * <p>The sums are written in float64, so a save and load round trip is exact and loaded partial estimates merge as
 * exactly as in-memory ones. The model package's writer cannot be used because DJL 0.36's safetensors encoder writes
 * no {@code __metadata__}; the reader reuses {@link SafetensorsFile#readHeader}, which validates the header and the
 * byte layout and names the file and tensor of a truncated file.
 */
final class FisherFile {

    /** The {@code format} metadata value that marks a Fisher estimate file. */
    static final String FORMAT = "pair-stream.fisher-sums";
    /** The only format version this code reads and writes. */
    static final String FORMAT_VERSION = "1";

    static final String FORMAT_KEY = "format";
    static final String FORMAT_VERSION_KEY = "format_version";
    static final String BASE_MODEL_KEY = "base_model_id";
    static final String CONCEPT_KEY = "concept_id";
    static final String HALF_KEY = "half";
    static final String SAMPLE_COUNT_KEY = "sample_count";
    static final String MODULES_KEY = "modules";

    private static final String F64 = "F64";
    private static final int LENGTH_PREFIX_BYTES = 8;
    /** The safetensors format aligns the data section to 8 bytes by padding the header with spaces. */
    private static final int HEADER_ALIGNMENT = 8;
    private static final int WRITE_CHUNK_DOUBLES = 1 << 16;
    private static final ObjectMapper JSON = new ObjectMapper();

    private FisherFile() {
    }

    /** Writes the estimate under a temporary name next to {@code file}, then moves it over {@code file}. */
    static void write(Path file, FisherEstimate estimate) throws IOException {
        byte[] header = headerBytes(estimate);
        Path directory = file.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = directory.resolve(file.getFileName() + "." + UUID.randomUUID() + AtomicFiles.PARTIAL_SUFFIX);
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                write(channel, header, estimate);
                channel.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Writes the estimate's bytes, as {@link #write(Path, FisherEstimate)} stores them, into a stream. */
    static void write(OutputStream out, FisherEstimate estimate) throws IOException {
        write(Channels.newChannel(out), headerBytes(estimate), estimate);
    }

    private static void write(WritableByteChannel channel, byte[] header, FisherEstimate estimate)
            throws IOException {
        ByteBuffer prefix = ByteBuffer.allocate(LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(0, header.length);
        writeFully(channel, prefix);
        writeFully(channel, ByteBuffer.wrap(header));
        ByteBuffer chunk = ByteBuffer.allocate(WRITE_CHUNK_DOUBLES * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (String module : estimate.modules()) {
            writeDoubles(channel, chunk, estimate.sumView(module));
        }
    }

    /**
     * Reads an estimate, checking the modules against {@code expectedShapes} unless it is null.
     *
     * @throws CheckpointException naming the file, and the tensor where one is involved, when the file is malformed,
     *                             truncated, not a Fisher estimate, or does not match the expected modules
     */
    static FisherEstimate read(Path file, Map<String, Shape> expectedShapes) throws IOException {
        SafetensorsFile.Header header = SafetensorsFile.readHeader(file);
        Map<String, String> metadata = header.metadata();
        String format = metadata.get(FORMAT_KEY);
        if (!FORMAT.equals(format)) {
            throw new CheckpointException(file, "metadata " + FORMAT_KEY + " is "
                    + (format == null ? "missing" : "\"" + format + "\"") + "; expected \"" + FORMAT
                    + "\" (is this a Fisher estimate file?)");
        }
        String version = metadata.get(FORMAT_VERSION_KEY);
        if (!FORMAT_VERSION.equals(version)) {
            throw new CheckpointException(file, "metadata " + FORMAT_VERSION_KEY + " is "
                    + (version == null ? "missing" : "\"" + version + "\"") + "; this code reads version "
                    + FORMAT_VERSION);
        }
        FisherKey key = readKey(file, metadata);
        long sampleCount = readSampleCount(file, metadata);
        List<String> modules = readModules(file, metadata);

        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (String module : modules) {
            SafetensorsFile.TensorInfo info = header.tensors().get(module);
            if (info == null) {
                throw new CheckpointException(file, module, "the tensor is missing although metadata " + MODULES_KEY
                        + " lists it", null);
            }
            if (!F64.equals(info.dtype())) {
                throw new CheckpointException(file, module, "dtype " + info.dtype() + " is not supported; expected "
                        + F64, null);
            }
            Shape shape = info.shape();
            if (shape.dimension() != 2 || shape.get(0) < 1 || shape.get(1) < 1) {
                throw new CheckpointException(file, module, "shape " + shape
                        + " is not a Linear weight shape [out, in] with positive sizes", null);
            }
            shapes.put(module, shape);
        }
        for (String tensor : header.tensors().keySet()) {
            if (!shapes.containsKey(tensor)) {
                throw new CheckpointException(file, tensor, "the tensor is not listed in metadata " + MODULES_KEY,
                        null);
            }
        }
        if (expectedShapes != null) {
            checkExpectedShapes(file, shapes, expectedShapes);
        }

        Map<String, double[]> sums = new LinkedHashMap<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (String module : modules) {
                SafetensorsFile.TensorInfo info = header.tensors().get(module);
                sums.put(module, readDoubles(file, channel, header.dataStart(), info));
            }
        }
        try {
            return FisherEstimate.of(key, shapes, sampleCount, sums);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, null, e.getMessage(), e);
        }
    }

    private static byte[] headerBytes(FisherEstimate estimate) throws JsonProcessingException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode metadata = root.putObject("__metadata__");
        metadata.put(FORMAT_KEY, FORMAT);
        metadata.put(FORMAT_VERSION_KEY, FORMAT_VERSION);
        metadata.put(BASE_MODEL_KEY, estimate.key().baseModelId());
        metadata.put(CONCEPT_KEY, estimate.key().conceptId());
        metadata.put(HALF_KEY, estimate.key().half().id());
        metadata.put(SAMPLE_COUNT_KEY, Long.toString(estimate.sampleCount()));
        metadata.put(MODULES_KEY, JSON.writeValueAsString(estimate.modules()));

        long offset = 0;
        for (Map.Entry<String, Shape> entry : estimate.shapes().entrySet()) {
            Shape shape = entry.getValue();
            long end = offset + shape.size() * Double.BYTES;
            ObjectNode tensor = root.putObject(entry.getKey());
            tensor.put("dtype", F64);
            ArrayNode dimensions = tensor.putArray("shape");
            dimensions.add(shape.get(0));
            dimensions.add(shape.get(1));
            ArrayNode offsets = tensor.putArray("data_offsets");
            offsets.add(offset);
            offsets.add(end);
            offset = end;
        }
        String json = JSON.writeValueAsString(root);
        int length = json.getBytes(StandardCharsets.UTF_8).length;
        int padding = (HEADER_ALIGNMENT - length % HEADER_ALIGNMENT) % HEADER_ALIGNMENT;
        return (json + " ".repeat(padding)).getBytes(StandardCharsets.UTF_8);
    }

    private static FisherKey readKey(Path file, Map<String, String> metadata) throws CheckpointException {
        String half = requireMetadata(file, metadata, HALF_KEY);
        try {
            return new FisherKey(requireMetadata(file, metadata, BASE_MODEL_KEY),
                    requireMetadata(file, metadata, CONCEPT_KEY), PairHalf.fromId(half));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, null, "invalid metadata: " + e.getMessage(), e);
        }
    }

    private static long readSampleCount(Path file, Map<String, String> metadata) throws CheckpointException {
        String text = requireMetadata(file, metadata, SAMPLE_COUNT_KEY);
        long count;
        try {
            count = Long.parseLong(text);
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 0) {
            throw new CheckpointException(file, "metadata " + SAMPLE_COUNT_KEY + " is \"" + text
                    + "\"; expected a non-negative integer");
        }
        return count;
    }

    private static List<String> readModules(Path file, Map<String, String> metadata) throws CheckpointException {
        String text = requireMetadata(file, metadata, MODULES_KEY);
        String expected = "; expected a non-empty JSON array of distinct module paths";
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, null, "metadata " + MODULES_KEY + " is not valid JSON" + expected,
                    e);
        }
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw new CheckpointException(file, "metadata " + MODULES_KEY + " is " + text + expected);
        }
        Set<String> modules = new LinkedHashSet<>();
        for (JsonNode element : node) {
            if (!element.isTextual() || !modules.add(element.asText())) {
                throw new CheckpointException(file, "metadata " + MODULES_KEY + " contains " + element + expected);
            }
        }
        return new ArrayList<>(modules);
    }

    private static String requireMetadata(Path file, Map<String, String> metadata, String key)
            throws CheckpointException {
        String value = metadata.get(key);
        if (value == null) {
            throw new CheckpointException(file, "metadata " + key + " is missing");
        }
        return value;
    }

    private static void checkExpectedShapes(Path file, Map<String, Shape> shapes, Map<String, Shape> expectedShapes)
            throws CheckpointException {
        for (Map.Entry<String, Shape> expected : expectedShapes.entrySet()) {
            Shape shape = shapes.get(expected.getKey());
            if (shape == null) {
                throw new CheckpointException(file, expected.getKey(), "the tensor is missing; the file covers "
                        + shapes.size() + " modules but " + expectedShapes.size() + " are expected", null);
            }
            if (!shape.equals(expected.getValue())) {
                throw new CheckpointException(file, expected.getKey(), "shape " + shape
                        + " does not match the expected shape " + expected.getValue(), null);
            }
        }
        for (String module : shapes.keySet()) {
            if (!expectedShapes.containsKey(module)) {
                throw new CheckpointException(file, module, "the module is not among the " + expectedShapes.size()
                        + " expected modules", null);
            }
        }
    }

    private static double[] readDoubles(Path file, FileChannel channel, long dataStart,
            SafetensorsFile.TensorInfo info) throws CheckpointException {
        if (info.byteLength() > Integer.MAX_VALUE) {
            throw new CheckpointException(file, info.name(), "the tensor has " + info.byteLength()
                    + " bytes; tensors over 2 GiB are not supported", null);
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) info.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
        long position = dataStart + info.dataBegin();
        try {
            while (buffer.hasRemaining()) {
                int read = channel.read(buffer, position);
                if (read < 0) {
                    throw new EOFException("the file ended at byte " + position);
                }
                position += read;
            }
        } catch (IOException e) {
            throw new CheckpointException(file, info.name(), "failed to read the tensor data: " + e.getMessage(), e);
        }
        DoubleBuffer values = buffer.flip().asDoubleBuffer();
        double[] sums = new double[values.remaining()];
        values.get(sums);
        return sums;
    }

    private static void writeDoubles(WritableByteChannel channel, ByteBuffer chunk, double[] values) throws IOException {
        int index = 0;
        while (index < values.length) {
            chunk.clear();
            int count = Math.min(WRITE_CHUNK_DOUBLES, values.length - index);
            chunk.asDoubleBuffer().put(values, index, count);
            chunk.limit(count * Double.BYTES);
            writeFully(channel, chunk);
            index += count;
        }
    }

    private static void writeFully(WritableByteChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
