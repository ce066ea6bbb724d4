package dev.pairstream.erasure.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes named float32 tensors in the safetensors format through DJL's codec.
 *
 * <p>DJL's decoder trusts the header, so a corrupt length makes it allocate up to 2 GiB, and bad offsets fail
 * with unchecked exceptions. Reading therefore checks the header first: its length, every tensor's dtype, shape and byte range, and that the
 * data section is as long as the header claims.
 */
final class SafetensorsFiles {

    /** Largest file accepted; the detector and its optimiser state take a few MiB. */
    static final long MAX_FILE_BYTES = 256L << 20;

    private static final ObjectMapper HEADER_READER = new ObjectMapper();

    private static final Map<String, Integer> DTYPE_BYTES = Map.of("F64", 8, "F32", 4, "F16", 2, "BF16", 2,
            "I64", 8, "I32", 4, "I8", 1, "U8", 1, "BOOL", 1);

    private SafetensorsFiles() {
    }

    /**
     * Reads every tensor of a file into the manager.
     *
     * @return the tensors by name, in the file's order
     * @throws DetectorFormatException when the file is missing, too large, truncated or has an invalid header
     */
    static Map<String, NDArray> read(Path file, NDManager manager) throws DetectorFormatException {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new DetectorFormatException(file, null, "file is " + size + " bytes; expected at most "
                        + MAX_FILE_BYTES);
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DetectorFormatException(file, null, "file not found", e);
        } catch (DetectorFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new DetectorFormatException(file, null, "failed to read: " + e.getMessage(), e);
        }
        return decode(bytes, file, manager);
    }

    /**
     * Decodes safetensors bytes; {@code source} names them in error messages.
     *
     * @throws DetectorFormatException when the bytes are truncated or have an invalid header
     */
    static Map<String, NDArray> decode(byte[] bytes, Path source, NDManager manager)
            throws DetectorFormatException {
        checkHeader(bytes, source);
        NDList list;
        try {
            list = NDList.decode(manager, bytes);
        } catch (RuntimeException e) {
            throw new DetectorFormatException(source, null, "invalid safetensors data: " + e.getMessage(), e);
        }
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (NDArray array : list) {
            tensors.put(array.getName(), array);
        }
        return tensors;
    }

    /**
     * Checks that a tensor is present, float32 and of the expected shape.
     *
     * @throws DetectorFormatException naming the file and the tensor otherwise
     */
    static NDArray require(Path file, Map<String, NDArray> tensors, String name, Shape expected)
            throws DetectorFormatException {
        NDArray array = tensors.get(name);
        if (array == null) {
            throw new DetectorFormatException(file, name, "tensor missing; the file has " + tensors.keySet());
        }
        if (array.getDataType() != DataType.FLOAT32) {
            throw new DetectorFormatException(file, name, "dtype " + array.getDataType() + "; expected float32");
        }
        if (!array.getShape().equals(expected)) {
            throw new DetectorFormatException(file, name, "shape " + array.getShape() + "; expected " + expected);
        }
        return array;
    }

    /** Encodes named tensors; each array must have a name. */
    static byte[] encode(NDList tensors) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            tensors.encode(out, NDList.Encoding.SAFETENSORS);
        } catch (IOException e) {
            throw new IllegalStateException("Failed to encode tensors into memory", e);
        }
        return out.toByteArray();
    }

    /** Writes named tensors to a file atomically. */
    static void write(Path file, NDList tensors) throws IOException {
        byte[] bytes = encode(tensors);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    private static void checkHeader(byte[] bytes, Path source) throws DetectorFormatException {
        if (bytes.length < 8) {
            throw new DetectorFormatException(source, null, "file is " + bytes.length + " bytes, truncated before"
                    + " the 8-byte header length");
        }

        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 2 || headerLength > bytes.length - 8L) {
            throw new DetectorFormatException(source, null, "header length " + headerLength + " does not fit the"
                    + " file's " + bytes.length + " bytes; the file is truncated or not in safetensors format");
        }
        if (bytes[8] != '{') {
            throw new DetectorFormatException(source, null, "header does not start with '{'; the file is not in"
                    + " safetensors format");
        }

        int dataStart = 8 + (int) headerLength;
        long dataLength = bytes.length - (long) dataStart;
        JsonNode header;
        try {
            header = HEADER_READER.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new DetectorFormatException(source, null, "header is not valid JSON: " + e.getOriginalMessage(),
                    e);
        }

        if (header == null || !header.isObject()) {
            throw new DetectorFormatException(source, null, "header is not a JSON object");
        }

        long dataEnd = 0;
        for (Map.Entry<String, JsonNode> field : header.properties()) {
            if (field.getKey().equals("__metadata__")) {
                continue;
            }
            dataEnd = Math.max(dataEnd, checkTensorEntry(source, field.getKey(), field.getValue()));
        }
        if (dataEnd > dataLength) {
            throw new DetectorFormatException(source, null, "header declares " + dataEnd + " data bytes but the"
                    + " file has only " + dataLength + "; the file is truncated");
        }
    }

    /** Checks one header entry and returns the end of its byte range. */
    private static long checkTensorEntry(Path source, String name, JsonNode entry) throws DetectorFormatException {
        if (!entry.isObject()) {
            throw new DetectorFormatException(source, name, "header entry is not a JSON object");
        }
        JsonNode dtype = entry.get("dtype");
        Integer elementBytes = dtype == null ? null : DTYPE_BYTES.get(dtype.asText());
        if (elementBytes == null) {
            throw new DetectorFormatException(source, name, "dtype " + dtype + " is missing or unsupported;"
                    + " expected one of " + DTYPE_BYTES.keySet());
        }
        JsonNode shape = entry.get("shape");
        if (shape == null || !shape.isArray()) {
            throw new DetectorFormatException(source, name, "shape is missing or not an array");
        }
        long elements = 1;
        try {
            for (JsonNode dimension : shape) {
                if (!dimension.canConvertToLong() || dimension.asLong() < 0) {
                    throw new DetectorFormatException(source, name, "shape " + shape
                            + " has an invalid dimension; expected whole numbers of 0 or more");
                }
                elements = Math.multiplyExact(elements, dimension.asLong());
            }
            JsonNode offsets = entry.get("data_offsets");
            if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !offsets.get(0).canConvertToLong()
                    || !offsets.get(1).canConvertToLong()) {
                throw new DetectorFormatException(source, name, "data_offsets " + offsets
                        + " is invalid; expected [begin, end]");
            }
            long begin = offsets.get(0).asLong();
            long end = offsets.get(1).asLong();
            long expectedBytes = Math.multiplyExact(elements, elementBytes);
            if (begin < 0 || end < begin || end - begin != expectedBytes || end > Integer.MAX_VALUE) {
                throw new DetectorFormatException(source, name, "data_offsets [" + begin + ", " + end + "] do not"
                        + " hold " + expectedBytes + " bytes for shape " + shape + " of " + dtype.asText());
            }
            return end;
        } catch (ArithmeticException e) {
            throw new DetectorFormatException(source, name, "shape " + shape + " is too large", e);
        }
    }
}
