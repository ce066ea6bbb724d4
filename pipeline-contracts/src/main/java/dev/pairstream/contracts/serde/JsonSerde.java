package dev.pairstream.contracts.serde;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pairstream.contracts.event.EventType;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde that writes records of one type as contract JSON (see {@link ContractJson}) and reads them back
 * with full validation.
 *
 * <p>Reading rejects malformed JSON, missing required fields, mistyped values and values that break a rule of
 * the record type with a {@link RecordValidationException} that names the field. For event types it checks
 * {@code schemaVersion} before anything else and throws {@link UnsupportedSchemaVersionException} for a newer
 * version, so that a changed layout is reported as such and not as an odd field error. {@code null} bytes
 * (a tombstone) read as {@code null}, and a {@code null} record writes as {@code null}.
 *
 * <p>Instances are immutable and thread-safe; one object serves as serde, serializer and deserializer.
 *
 * @param <T> record type
 */
public final class JsonSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {

    private final Class<T> type;
    private final String typeName;
    private final EventType eventType;

    /** Creates the serde for records of {@code type}. */
    public JsonSerde(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
        this.typeName = type.getSimpleName();
        this.eventType = EventType.of(type).orElse(null);
    }

    /** Creates the serde for records of {@code type}. */
    public static <T> JsonSerde<T> of(Class<T> type) {
        return new JsonSerde<>(type);
    }

    /** Returns the record type this serde reads and writes. */
    public Class<T> type() {
        return type;
    }

    /**
     * Writes {@code data} as UTF-8 JSON.
     *
     * @throws SerializationException when Jackson cannot write the record
     */
    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            return ContractJson.mapper().writeValueAsBytes(data);
        } catch (JsonProcessingException e) {
            throw new SerializationException(
                    "Failed to write " + typeName + " as JSON for topic " + topic + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads and validates one record.
     *
     * @throws RecordValidationException when the bytes are not a valid record; its message names the field
     */
    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        ObjectMapper mapper = ContractJson.mapper();
        JsonNode tree;
        try {
            tree = mapper.readTree(data);
        } catch (JacksonException e) {
            throw ValidationErrors.translateParse(typeName, e);
        } catch (IOException e) {
            throw new RecordValidationException(typeName, typeName + " could not be read: " + e.getMessage(), e);
        }
        checkShape(tree);
        try {
            return mapper.treeToValue(tree, type);
        } catch (JacksonException e) {
            throw ValidationErrors.translateBinding(typeName, e);
        } catch (IllegalArgumentException e) {
            throw ValidationErrors.translateUnexpected(typeName, e);
        }
    }

    private void checkShape(JsonNode tree) {
        if (tree == null || tree.isMissingNode()) {
            throw new RecordValidationException(typeName, typeName + " is empty; expected a JSON object", null);
        }
        if (!tree.isObject()) {
            throw new RecordValidationException(typeName,
                    typeName + " must be a JSON object but was " + ValidationErrors.describe(tree), null);
        }
        if (eventType != null) {
            checkSchemaVersion(tree.get("schemaVersion"));
        }
    }

    private void checkSchemaVersion(JsonNode version) {
        String field = typeName + ".schemaVersion";
        if (version == null || version.isNull()) {
            throw new RecordValidationException(field, field + " is missing", null);
        }
        if (!version.isIntegralNumber() || !version.canConvertToInt()) {
            throw new RecordValidationException(field,
                    field + " must be an integer but was " + ValidationErrors.describe(version), null);
        }
        if (version.intValue() > eventType.schemaVersion()) {
            throw new UnsupportedSchemaVersionException(typeName, version.intValue(), eventType.schemaVersion());
        }
    }

    /** Returns this serde, which is its own serializer. */
    @Override
    public Serializer<T> serializer() {
        return this;
    }

    /** Returns this serde, which is its own deserializer. */
    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    /** Accepts and ignores Kafka configuration: the serde is fully set up by its record type. */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // Nothing to configure.
    }

    /** Does nothing, because the serde has no resources to release. */
    @Override
    public void close() {
        // Nothing to release.
    }

    @Override
    public String toString() {
        return "JsonSerde[" + type.getName() + "]";
    }
}
