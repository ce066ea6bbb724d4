package dev.pairstream.erasure.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Signals a checkpoint file that is unreadable, malformed or inconsistent with the model config. The message names the
 * file and, where one is involved, the tensor.
 */
public class CheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String tensor;

    /**
     * Creates an exception about a whole file.
     *
     * @param file    the checkpoint file
     * @param problem what is wrong, as a sentence fragment such as "header length 12 exceeds the file size 9"
     */
    public CheckpointException(Path file, String problem) {
        this(file, null, problem, null);
    }

    /**
     * Creates an exception about one tensor of a file.
     *
     * @param file    the checkpoint file
     * @param tensor  the tensor name, or null when the problem concerns the whole file
     * @param problem what is wrong
     * @param cause   the underlying error, or null
     */
    public CheckpointException(Path file, String tensor, String problem, Throwable cause) {
        super(message(file, tensor, problem), cause);
        this.file = file;
        this.tensor = tensor;
    }

    /** Returns the checkpoint file the problem was found in. */
    public Path file() {
        return file;
    }

    /** Returns the tensor the problem concerns, if it concerns one. */
    public Optional<String> tensor() {
        return Optional.ofNullable(tensor);
    }

    private static String message(Path file, String tensor, String problem) {
        String subject = tensor == null ? "" : " tensor " + tensor;
        return "Invalid checkpoint file " + file + subject + ": " + problem;
    }
}
