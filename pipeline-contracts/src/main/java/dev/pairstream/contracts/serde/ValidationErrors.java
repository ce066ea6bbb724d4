package dev.pairstream.contracts.serde;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.pairstream.contracts.InvalidFieldException;
import java.time.temporal.Temporal;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Translation of Jackson errors into {@link RecordValidationException}s that name the offending field. */
final class ValidationErrors {

    // Jackson's wording for a required creator property that is absent (stable since Jackson 2.6).
    private static final Pattern MISSING_PROPERTY = Pattern.compile("Missing required creator property '([^']+)'");

    private ValidationErrors() {
    }

    /**
     * Translates an error raised while parsing the bytes of a record of {@code typeName} into a JSON tree: the
     * bytes are not one well-formed JSON value.
     */
    static RecordValidationException translateParse(String typeName, JacksonException error) {
        String path = error instanceof JsonMappingException mapping ? pathOf(mapping.getPath()) : "";
        String field = typeName + (path.isEmpty() ? pathOf(error.getProcessor()) : path);
        return new RecordValidationException(field,
                field + " is not valid JSON" + locationOf(error.getLocation()) + ": " + error.getOriginalMessage(),
                error);
    }

    /** Translates an error raised while binding a well-formed JSON tree to a record of {@code typeName}. */
    static RecordValidationException translateBinding(String typeName, JacksonException error) {
        if (error instanceof JsonMappingException mapping) {
            return translateMapping(typeName, mapping);
        }
        // Parser errors while binding a tree come from values in the tree that the target type cannot take,
        // such as a number out of range of long.
        String field = typeName + pathOf(error.getProcessor());
        return new RecordValidationException(field, field + " is invalid: " + error.getOriginalMessage(), error);
    }

    /** Translates an error that Jackson raised outside its own exception types. */
    static RecordValidationException translateUnexpected(String typeName, RuntimeException error) {
        return new RecordValidationException(typeName, typeName + " could not be read: " + error.getMessage(), error);
    }

    /** Describes the kind of a JSON value for a message, for example "an array". */
    static String describe(JsonNode node) {
        if (node.isNull()) {
            return "null";
        }
        if (node.isTextual()) {
            return "the string '" + node.asText() + "'";
        }
        if (node.isNumber() || node.isBoolean()) {
            return node.toString();
        }
        return node.isArray() ? "an array" : "an object";
    }

    private static RecordValidationException translateMapping(String typeName, JsonMappingException error) {
        String path = typeName + pathOf(error.getPath());
        InvalidFieldException invalid = findInvalidField(error);
        if (invalid != null) {
            // A record constructor rejected a value. At the root, the exception already names the type. For a
            // nested record, Jackson's path leads to the nested record and the exception names the field in it.
            String field = error.getPath().isEmpty() ? invalid.field() : path + "." + invalid.fieldName();
            return new RecordValidationException(field, field + " " + invalid.problem(), error);
        }
        if (error instanceof MismatchedInputException mismatch) {
            Matcher missing = MISSING_PROPERTY.matcher(String.valueOf(mismatch.getOriginalMessage()));
            if (missing.find()) {
                // Depending on where Jackson noticed the gap, its path may already end with the property.
                String suffix = "." + missing.group(1);
                String field = path.endsWith(suffix) ? path : path + suffix;
                return new RecordValidationException(field, field + " is missing", error);
            }
            return new RecordValidationException(path, path + " " + describeMismatch(mismatch), error);
        }
        return new RecordValidationException(path, path + " is invalid: " + error.getOriginalMessage(), error);
    }

    private static InvalidFieldException findInvalidField(Throwable error) {
        for (Throwable cause = error; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            if (cause instanceof InvalidFieldException invalid) {
                return invalid;
            }
        }
        return null;
    }

    private static String describeMismatch(MismatchedInputException error) {
        String expected = expectedKind(error.getTargetType());
        if (expected == null) {
            return "is invalid: " + error.getOriginalMessage();
        }
        String actual = error instanceof InvalidFormatException format
                ? describeValue(format.getValue())
                : actualKind(error.getProcessor());
        return "must be " + expected + " but was " + actual;
    }

    private static String expectedKind(Class<?> target) {
        if (target == null) {
            return null;
        }
        if (target == int.class || target == Integer.class || target == long.class || target == Long.class) {
            return "an integer";
        }
        if (target == double.class || target == Double.class || target == float.class || target == Float.class) {
            return "a number";
        }
        if (target == boolean.class || target == Boolean.class) {
            return "a boolean";
        }
        if (target == String.class) {
            return "a string";
        }
        if (target.isEnum()) {
            return "one of " + Arrays.toString(target.getEnumConstants());
        }
        if (Temporal.class.isAssignableFrom(target)) {
            return "an ISO-8601 instant such as 2025-01-31T12:00:00Z";
        }
        if (Collection.class.isAssignableFrom(target) || target.isArray()) {
            return "an array";
        }
        if (Map.class.isAssignableFrom(target) || target.isRecord()) {
            return "an object";
        }
        return null;
    }

    private static String describeValue(Object value) {
        return value instanceof String text ? "'" + text + "'" : String.valueOf(value);
    }

    private static String actualKind(Object processor) {
        if (!(processor instanceof JsonParser parser) || parser.currentToken() == null) {
            return "a value of another type";
        }
        JsonToken token = parser.currentToken();
        return switch (token) {
            case VALUE_NULL -> "null";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a decimal number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            default -> "the token " + token;
        };
    }

    private static String pathOf(List<JsonMappingException.Reference> references) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : references) {
            if (reference.getFieldName() != null) {
                path.append('.').append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    // Parse errors carry no reference path, but the parser context still records where it stopped.
    private static String pathOf(Object processor) {
        if (!(processor instanceof JsonParser parser)) {
            return "";
        }
        Deque<String> segments = new ArrayDeque<>();
        for (JsonStreamContext context = parser.getParsingContext(); context != null; context = context.getParent()) {
            if (context.inObject() && context.getCurrentName() != null) {
                segments.addFirst("." + context.getCurrentName());
            } else if (context.inArray() && context.getCurrentIndex() >= 0) {
                segments.addFirst("[" + context.getCurrentIndex() + "]");
            }
        }
        return String.join("", segments);
    }

    private static String locationOf(JsonLocation location) {
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }
}
