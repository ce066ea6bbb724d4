package dev.pairstream.erasure.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Reads and writes tensors in the safetensors format: an 8-byte little-endian header length, a JSON header that maps
 * each tensor name to its dtype, shape and byte range ({@code data_offsets}, relative to the end of the header), then
 * the raw little-endian data (format spec: https://github.com/huggingface/safetensors, README "Format").
 *
 * <p>Writing goes through DJL's own codec, {@code NDList.encode(OutputStream, Encoding.SAFETENSORS)}. Reading does
 * not use DJL's {@code NDList.decode}, because in DJL 0.36 that decoder trusts the header. It allocates whatever
 * header length the file states, and it reports a short file as a bare {@link EOFException} and a byte range that
 * does not fit the shape as a generic size error, neither naming the file or the tensor. It also stores offsets as
 * {@code int} and buffers the whole data section in one array, so it cannot read files over 2 GiB such as the
 * Stable Diffusion 1.5 UNet. This reader validates the header completely first, then reads one tensor at a time.
 */
public final class SafetensorsFile {

    /** The largest header this reader accepts, the same cap as the reference Rust implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The safetensors dtype name of 32-bit floats. */
    public static final String F32 = "F32";

    private static final String METADATA_KEY = "__metadata__";
    private static final int LENGTH_PREFIX_BYTES = 8;
    private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
            Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1), Map.entry("F8_E5M2", 1),
            Map.entry("F8_E4M3", 1), Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2),
            Map.entry("BF16", 2), Map.entry("I32", 4), Map.entry("U32", 4), Map.entry(F32, 4), Map.entry("I64", 8),
            Map.entry("U64", 8), Map.entry("F64", 8));
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /**
     * One tensor entry of a safetensors header.
     *
     * @param name      the tensor name
     * @param dtype     the safetensors dtype, such as {@code F32}
     * @param shape     the tensor shape
     * @param dataBegin the first byte of the tensor, relative to the start of the data section
     * @param dataEnd   the byte after the last one of the tensor, relative to the start of the data section
     */
    public record TensorInfo(String name, String dtype, Shape shape, long dataBegin, long dataEnd) {
        /** Returns the number of data bytes the tensor occupies. */
        public long byteLength() {
            return dataEnd - dataBegin;
        }
    }

    /**
     * A validated safetensors header.
     *
     * @param file        the file it was read from
     * @param dataStart   the absolute file offset of the data section
     * @param tensors     the tensor entries keyed by name, in header order
     * @param metadata    the optional {@code __metadata__} string map, empty when absent
     */
    public record Header(Path file, long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    }

    private SafetensorsFile() {
    }

    /**
     * Reads and validates the header of a safetensors file without reading tensor data.
     *
     * <p>Checks that the header length fits the file and {@link #MAX_HEADER_BYTES}, that the header is a UTF-8 JSON
     * object without duplicate names, that each entry has a known dtype, a non-negative shape and byte range whose
     * length equals the element count times the dtype width, and that the byte ranges tile the data section exactly:
     * no gap, no overlap, nothing past the end of the file and no trailing bytes.
     *
     * @throws NoSuchFileException  when the file does not exist
     * @throws CheckpointException  when the file is malformed or truncated, naming the file and the tensor if any
     * @throws IOException          when the file cannot be read
     */
    public static Header readHeader(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "safetensors file not found");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, channel);
        }
    }

    /**
     * Reads every tensor of a float32 safetensors file whose names and shapes must equal {@code expectedShapes}
     * exactly, and creates them in {@code manager}.
     *
     * <p>On failure the arrays created so far stay in {@code manager}; callers pass a manager that they close on
     * error.
     *
     * @param file           the safetensors file
     * @param expectedShapes every tensor the file must hold, with its shape, in the order of the returned map
     * @param manager        the manager that owns the created arrays
     * @return the arrays keyed by name in the order of {@code expectedShapes}, each named after its key
     * @throws CheckpointException when the file is malformed or truncated, lacks an expected tensor, contains an
     *                             unexpected one, or a tensor has another dtype than {@value #F32} or another shape
     * @throws IOException         when the file does not exist or cannot be read
     */
    public static Map<String, NDArray> readFloat32(Path file, Map<String, Shape> expectedShapes, NDManager manager)
            throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            // The bytes go to the engine unconverted, which is only right on little-endian hardware.
            throw new UnsupportedOperationException("Reading safetensors needs a little-endian platform");
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "safetensors file not found");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(file, channel);
            checkExpectedTensors(header, expectedShapes);
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> expected : expectedShapes.entrySet()) {
                TensorInfo info = header.tensors().get(expected.getKey());
                NDArray array = manager.create(readData(file, channel, header.dataStart(), info), info.shape(),
                        DataType.FLOAT32);
                array.setName(info.name());
                arrays.put(info.name(), array);
            }
            return arrays;
        }
    }

    /**
     * Writes tensors to a safetensors file with DJL's encoder, replacing the file atomically so that a crash never
     * leaves a half-written file under the final name. Sets each array's name to its key, because DJL's encoder takes
     * the tensor names from {@link NDArray#getName()}.
     *
     * @throws IllegalArgumentException when the map is empty, or the data exceeds the 2 GiB that DJL 0.36's encoder
     *                                  can address with its {@code int} offsets
     * @throws IOException              when writing fails
     */
    public static void write(Path file, Map<String, NDArray> tensors) throws IOException {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("No tensors to write to " + file);
        }
        long totalBytes = 0;
        NDList list = new NDList(tensors.size());
        for (Map.Entry<String, NDArray> entry : tensors.entrySet()) {
            NDArray array = entry.getValue();
            if (array == null) {
                throw new IllegalArgumentException("Tensor " + entry.getKey() + " for " + file + " is null");
            }
            totalBytes += array.size() * array.getDataType().getNumOfBytes();
            array.setName(entry.getKey());
            list.add(array);
        }
        if (totalBytes > Integer.MAX_VALUE) {
            // NOTE: models of 2 GiB or more, such as the float32 Stable Diffusion 1.5 UNet, cannot be saved here yet.
            throw new IllegalArgumentException("Cannot write " + totalBytes + " bytes of tensors to " + file
                    + ": DJL's safetensors encoder addresses at most " + Integer.MAX_VALUE + " bytes");
        }
        Path directory = file.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        // Not Files.createTempFile: its owner-only permissions would carry over to the checkpoint through the move.
        Path temporary = directory.resolve(file.getFileName() + "." + UUID.randomUUID() + ".partial");
        try {
            try (OutputStream out = Files.newOutputStream(temporary, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                list.encode(out, NDList.Encoding.SAFETENSORS);
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static Header readHeader(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < LENGTH_PREFIX_BYTES) {
            throw new CheckpointException(file, "the file has " + fileSize
                    + " bytes, fewer than the 8-byte header length that every safetensors file starts with");
        }
        ByteBuffer prefix = ByteBuffer.allocate(LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, prefix, 0);
        long headerLength = prefix.getLong(0);
        long available = fileSize - LENGTH_PREFIX_BYTES;
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > available) {
            throw new CheckpointException(file, "the header length " + Long.toUnsignedString(headerLength)
                    + " is invalid; expected 2 to " + Math.min(MAX_HEADER_BYTES, available)
                    + " bytes for a file of " + fileSize + " bytes (a truncated or corrupt header)");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(channel, headerBytes, LENGTH_PREFIX_BYTES);
        JsonNode root = parseHeaderJson(file, headerBytes.flip());
        long dataStart = LENGTH_PREFIX_BYTES + headerLength;
        long dataLength = fileSize - dataStart;

        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (METADATA_KEY.equals(field.getKey())) {
                metadata.putAll(parseMetadata(file, field.getValue()));
            } else {
                tensors.put(field.getKey(), parseTensorInfo(file, field.getKey(), field.getValue()));
            }
        }
        checkDataLayout(file, tensors.values(), dataLength);
        return new Header(file, dataStart, Collections.unmodifiableMap(tensors), Map.copyOf(metadata));
    }

    private static JsonNode parseHeaderJson(Path file, ByteBuffer bytes) throws CheckpointException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException(file, null, "the header is not valid UTF-8 (a corrupt header)", e);
        }
        if (!text.startsWith("{")) {
            throw new CheckpointException(file, "the header must start with '{' but starts with "
                    + quoteStart(text) + " (a corrupt header)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, null,
                    "the header is not valid JSON (a corrupt header): " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file, "the header is not a JSON object (a corrupt header)");
        }
        return root;
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) throws CheckpointException {
        if (!node.isObject()) {
            throw new CheckpointException(file, METADATA_KEY + " must be a JSON object of strings, got " + node);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw new CheckpointException(file, METADATA_KEY + " value of " + field.getKey()
                        + " must be a string, got " + field.getValue());
            }
            metadata.put(field.getKey(), field.getValue().asText());
        }
        return metadata;
    }

    private static TensorInfo parseTensorInfo(Path file, String name, JsonNode node) throws CheckpointException {
        if (!node.isObject()) {
            throw new CheckpointException(file, name, "the header entry must be a JSON object, got " + node, null);
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual() || !DTYPE_BYTES.containsKey(dtypeNode.asText())) {
            throw new CheckpointException(file, name, "unknown dtype " + dtypeNode + "; expected one of "
                    + new TreeSet<>(DTYPE_BYTES.keySet()), null);
        }

        long[] dimensions = nonNegativeLongs(file, name, node.get("shape"), "shape", -1);
        long[] offsets = nonNegativeLongs(file, name, node.get("data_offsets"), "data_offsets", 2);
        if (offsets[1] < offsets[0]) {
            throw new CheckpointException(file, name, "data_offsets " + Arrays.toString(offsets)
                    + " end before they begin", null);
        }

        String dtype = dtypeNode.asText();
        long expectedBytes;
        try {
            long elements = 1;
            for (long dimension : dimensions) {
                elements = Math.multiplyExact(elements, dimension);
            }
            expectedBytes = Math.multiplyExact(elements, DTYPE_BYTES.get(dtype));
        } catch (ArithmeticException e) {
            throw new CheckpointException(file, name, "shape " + Arrays.toString(dimensions)
                    + " has more elements than a long can count", e);
        }

        long byteLength = offsets[1] - offsets[0];
        if (byteLength != expectedBytes) {
            throw new CheckpointException(file, name, "data_offsets " + Arrays.toString(offsets) + " span "
                    + byteLength + " bytes, but dtype " + dtype + " with shape " + Arrays.toString(dimensions)
                    + " needs " + expectedBytes, null);
        }
        return new TensorInfo(name, dtype, new Shape(dimensions), offsets[0], offsets[1]);
    }

    private static long[] nonNegativeLongs(Path file, String name, JsonNode node, String field, int requiredLength)
            throws CheckpointException {
        String expected = requiredLength < 0 ? "an array of non-negative integers"
                : "an array of " + requiredLength + " non-negative integers";
        if (node == null || !node.isArray() || (requiredLength >= 0 && node.size() != requiredLength)) {
            throw new CheckpointException(file, name, field + " must be " + expected + ", got " + node, null);
        }
        long[] values = new long[node.size()];
        for (int index = 0; index < values.length; index++) {
            JsonNode value = node.get(index);
            if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0) {
                throw new CheckpointException(file, name, field + " must be " + expected + ", got " + node, null);
            }
            values[index] = value.asLong();
        }
        return values;
    }

    /** Checks that the byte ranges tile the data section, so every byte belongs to exactly one tensor. */
    private static void checkDataLayout(Path file, Iterable<TensorInfo> tensors, long dataLength)
            throws CheckpointException {
        List<TensorInfo> byOffset = new ArrayList<>();
        tensors.forEach(byOffset::add);
        byOffset.sort(Comparator.comparingLong(TensorInfo::dataBegin).thenComparingLong(TensorInfo::dataEnd));
        for (TensorInfo info : byOffset) {
            if (info.dataEnd() > dataLength) {
                throw new CheckpointException(file, info.name(), "the file is truncated: the tensor needs data bytes "
                        + info.dataBegin() + " to " + info.dataEnd() + " but the data section after the header has only "
                        + dataLength + " bytes", null);
            }
        }
        long expectedBegin = 0;
        for (TensorInfo info : byOffset) {
            if (info.dataBegin() != expectedBegin) {
                String problem = info.dataBegin() > expectedBegin
                        ? "data bytes " + expectedBegin + " to " + info.dataBegin() + " before it belong to no tensor"
                        : "its data bytes from " + info.dataBegin() + " overlap the previous tensor, which ends at "
                                + expectedBegin;
                throw new CheckpointException(file, info.name(), problem, null);
            }
            expectedBegin = info.dataEnd();
        }
        if (expectedBegin != dataLength) {
            throw new CheckpointException(file, "the data section has " + dataLength + " bytes but the tensors cover "
                    + expectedBegin + "; the remaining bytes belong to no tensor");
        }
    }

    private static void checkExpectedTensors(Header header, Map<String, Shape> expectedShapes)
            throws CheckpointException {
        Path file = header.file();
        for (Map.Entry<String, Shape> expected : expectedShapes.entrySet()) {
            TensorInfo info = header.tensors().get(expected.getKey());
            if (info == null) {
                throw new CheckpointException(file, expected.getKey(), "the tensor is missing; the file contains "
                        + header.tensors().size() + " tensors but the config expects " + expectedShapes.size(), null);
            }
            if (!F32.equals(info.dtype())) {
                throw new CheckpointException(file, info.name(), "dtype " + info.dtype() + " is not supported; expected "
                        + F32, null);
            }
            if (!info.shape().equals(expected.getValue())) {
                throw new CheckpointException(file, info.name(), "shape " + info.shape()
                        + " does not match the config, which expects " + expected.getValue(), null);
            }
        }
        for (String name : header.tensors().keySet()) {
            if (!expectedShapes.containsKey(name)) {
                throw new CheckpointException(file, name,
                        "the config has no parameter of this name (a checkpoint of another architecture?)", null);
            }
        }
    }

    private static ByteBuffer readData(Path file, FileChannel channel, long dataStart, TensorInfo info)
            throws CheckpointException {
        if (info.byteLength() > Integer.MAX_VALUE) {
            throw new CheckpointException(file, info.name(), "the tensor has " + info.byteLength()
                    + " bytes; tensors over 2 GiB are not supported", null);
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) info.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
        try {
            readFully(channel, buffer, dataStart + info.dataBegin());
        } catch (IOException e) {
            throw new CheckpointException(file, info.name(), "failed to read the tensor data: " + e.getMessage(), e);
        }
        return buffer.flip();
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long next = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, next);
            if (read < 0) {
                throw new EOFException("the file ended at byte " + next + " while " + buffer.remaining()
                        + " more bytes were expected");
            }
            next += read;
        }
    }

    private static String quoteStart(String text) {
        String start = text.length() > 16 ? text.substring(0, 16) + "..." : text;
        return "\"" + start.replaceAll("\\p{Cntrl}", "?") + "\"";
    }
}
