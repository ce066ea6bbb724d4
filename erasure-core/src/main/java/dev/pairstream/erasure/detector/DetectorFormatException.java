package dev.pairstream.erasure.detector;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Raised when a detector or checkpoint file is missing, truncated, corrupt or does not match the expected
 * architecture. The message names the file and, where one is at fault, the tensor.
 */
public class DetectorFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String tensor;

    /**
     * Creates the exception.
     *
     * @param file    the file at fault
     * @param tensor  the tensor at fault, or null when the problem concerns the whole file
     * @param problem what is wrong, such as {@code "file not found"}
     */
    public DetectorFormatException(Path file, String tensor, String problem) {
        this(file, tensor, problem, null);
    }

    /** Creates the exception with its cause. */
    public DetectorFormatException(Path file, String tensor, String problem, Throwable cause) {
        super(file + (tensor == null ? "" : ", tensor \"" + tensor + "\"") + ": " + problem, cause);
        this.file = file;
        this.tensor = tensor;
    }

    /** Returns the file at fault. */
    public Path file() {
        return file;
    }

    /** Returns the tensor at fault, or null when the problem concerns the whole file. */
    public String tensor() {
        return tensor;
    }
}
