package dev.pairstream.contracts;

import java.util.Objects;

/**
 * Signals that a contract value was built with an invalid field, for example a blank id or a negative size.
 *
 * <p>The record constructors throw it, so a record that exists is always valid. {@link #field()} names the
 * field as {@code Type.field} ({@code "ErasurePair.safePrompt"}), which lets the JSON deserializer report the
 * full path of a nested field.
 */
public class InvalidFieldException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String recordType;
    private final String fieldName;

    /**
     * Creates the exception for one field of one record type.
     *
     * @param recordType simple name of the record type, for example {@code "ErasurePair"}
     * @param fieldName  name of the field inside that type; may contain an index such as {@code "gates[2]"}
     * @param problem    what is wrong, phrased to follow the field name ("is missing", "must be at least 0 but was -1")
     */
    public InvalidFieldException(String recordType, String fieldName, String problem) {
        super(recordType + "." + fieldName + " " + problem);
        this.recordType = Objects.requireNonNull(recordType, "recordType");
        this.fieldName = Objects.requireNonNull(fieldName, "fieldName");
    }

    /** Returns the simple name of the record type whose field is invalid. */
    public String recordType() {
        return recordType;
    }

    /** Returns the field name inside the record type, without the type prefix. */
    public String fieldName() {
        return fieldName;
    }

    /** Returns the qualified field name, {@code Type.field}. */
    public String field() {
        return recordType + "." + fieldName;
    }

    /** Returns the problem without the field name, for example {@code "is missing"}. */
    public String problem() {
        return getMessage().substring(field().length() + 1);
    }
}
