package dev.pairstream.contracts;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates the fields of one record type and builds immutable copies of its collections.
 *
 * <p>Every failure is an {@link InvalidFieldException} whose message starts with {@code Type.field}, so a
 * record constructor only says which field it checks and which rule applies. Methods return the value they
 * checked (or its immutable copy) so that compact constructors can reassign it in one statement.
 */
public final class RecordChecks {

    private final String recordType;

    private RecordChecks(String recordType) {
        this.recordType = recordType;
    }

    /** Creates the checks for the record type with the given simple name. */
    public static RecordChecks forType(String recordType) {
        if (recordType == null || recordType.isBlank()) {
            throw new IllegalArgumentException("recordType must not be blank");
        }
        return new RecordChecks(recordType);
    }

    /** Returns the simple name of the record type these checks report. */
    public String recordType() {
        return recordType;
    }

    /** Creates the exception for a field that breaks a rule the other methods do not cover. */
    public InvalidFieldException invalid(String field, String problem) {
        return new InvalidFieldException(recordType, field, problem);
    }

    /** Checks that a required value is present. */
    public <T> T present(String field, T value) {
        if (value == null) {
            throw invalid(field, "is missing");
        }
        return value;
    }

    /** Checks that a required string is present and contains a non-whitespace character. */
    public String nonBlank(String field, String value) {
        present(field, value);
        if (value.isBlank()) {
            throw invalid(field, "must not be blank");
        }
        return value;
    }

    /** Checks that an optional string, when present, contains a non-whitespace character. */
    public String optionalNonBlank(String field, String value) {
        if (value != null && value.isBlank()) {
            throw invalid(field, "must not be blank when present (omit it instead)");
        }
        return value;
    }

    /** Checks that an int is at least {@code minimum}. */
    public int atLeast(String field, int value, int minimum) {
        if (value < minimum) {
            throw invalid(field, "must be at least " + minimum + " but was " + value);
        }
        return value;
    }

    /** Checks that a long is at least {@code minimum}. */
    public long atLeast(String field, long value, long minimum) {
        if (value < minimum) {
            throw invalid(field, "must be at least " + minimum + " but was " + value);
        }
        return value;
    }

    /** Checks that a double is finite, which rules out NaN and the infinities that JSON cannot carry. */
    public double finite(String field, double value) {
        if (!Double.isFinite(value)) {
            throw invalid(field, "must be a finite number but was " + value);
        }
        return value;
    }

    /** Checks that an optional double, when present, is finite. */
    public Double optionalFinite(String field, Double value) {
        if (value != null) {
            finite(field, value);
        }
        return value;
    }

    /** Checks that a double is finite and within {@code [minimum, maximum]}. */
    public double between(String field, double value, double minimum, double maximum) {
        finite(field, value);
        if (value < minimum || value > maximum) {
            throw invalid(field, "must be between " + minimum + " and " + maximum + " but was " + value);
        }
        return value;
    }

    /**
     * Checks a required list and returns an immutable copy.
     *
     * @param allowEmpty whether an empty list is valid
     * @throws InvalidFieldException naming {@code field[i]} for a null element
     */
    public <T> List<T> list(String field, List<T> values, boolean allowEmpty) {
        present(field, values);
        if (!allowEmpty && values.isEmpty()) {
            throw invalid(field, "must not be empty");
        }
        for (int i = 0; i < values.size(); i++) {
            present(field + "[" + i + "]", values.get(i));
        }
        return List.copyOf(values);
    }

    /**
     * Checks a required list of distinct, non-blank strings and returns an immutable copy in the given order.
     *
     * @param allowEmpty whether an empty list is valid
     */
    public List<String> distinctNonBlankStrings(String field, List<String> values, boolean allowEmpty) {
        List<String> copy = list(field, values, allowEmpty);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < copy.size(); i++) {
            String value = copy.get(i);
            nonBlank(field + "[" + i + "]", value);
            if (!seen.add(value)) {
                throw invalid(field + "[" + i + "]", "repeats '" + value + "'; the values must be distinct");
            }
        }
        return copy;
    }

    /**
     * Checks a required map of non-blank keys to present string values and returns an immutable copy that keeps
     * the iteration order of the input.
     */
    public Map<String, String> stringMap(String field, Map<String, String> values) {
        present(field, values);
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : values.entrySet()) {
            String key = entry.getKey();
            if (key == null || key.isBlank()) {
                throw invalid(field, "contains a blank key");
            }
            copy.put(key, present(field + "." + key, entry.getValue()));
        }
        return Collections.unmodifiableMap(copy);
    }

    /**
     * Checks a required map of non-blank keys to finite numbers and returns an immutable copy that keeps the
     * iteration order of the input.
     */
    public Map<String, Double> finiteNumberMap(String field, Map<String, Double> values) {
        present(field, values);
        Map<String, Double> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Double> entry : values.entrySet()) {
            String key = entry.getKey();
            if (key == null || key.isBlank()) {
                throw invalid(field, "contains a blank key");
            }
            String entryField = field + "." + key;
            copy.put(key, finite(entryField, present(entryField, entry.getValue())));
        }
        return Collections.unmodifiableMap(copy);
    }
}
