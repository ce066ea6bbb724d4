package dev.pairstream.contracts.serde;

import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Signals that record bytes are not a valid contract record: malformed JSON, a missing or mistyped field, or a
 * value that breaks a rule of the record type.
 *
 * <p>The message starts with the field path, for example {@code "ErasurePair.safePrompt is missing"} or
 * {@code "EvaluationReport.gates[1].reason is missing; ..."}, and {@link #field()} returns that path alone.
 * It extends Kafka's {@link SerializationException} so that Kafka clients and Kafka Streams handle it as a
 * deserialization failure, for example by routing the record to the dead-letter topic.
 */
public class RecordValidationException extends SerializationException {

    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * Creates the exception.
     *
     * @param field   path of the offending field, starting with the record type, for example
     *                {@code "ErasurePair.unsafePicture.sha256"}; the bare type name when the whole record is bad
     * @param message full message, which starts with {@code field}
     * @param cause   the underlying parse or validation error, or {@code null}
     */
    public RecordValidationException(String field, String message, Throwable cause) {
        super(message, cause);
        this.field = Objects.requireNonNull(field, "field");
    }

    /** Returns the path of the offending field, starting with the record type. */
    public String field() {
        return field;
    }
}
