package dev.pairstream.contracts.serde;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;

/**
 * Jackson configuration of the contract JSON, shared by every serde.
 *
 * <p>Reading ignores unknown properties, so a consumer keeps working when a producer adds a field, but it is
 * strict about types: no null for a primitive, no number for a string or an enum, no string for a number, no
 * fraction for an integer, no duplicate keys and nothing after the JSON value. Instants are ISO-8601 strings.
 * Writing leaves out {@code null} fields and sorts map entries by key so that equal records give equal bytes.
 */
public final class ContractJson {

    private static final ObjectMapper MAPPER = newMapper();

    private ContractJson() {
    }

    /**
     * Creates a mapper with the contract configuration, for code that needs its own {@link ObjectMapper}, for
     * example a framework integration. Serdes share one instance instead.
     */
    public static ObjectMapper newMapper() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                // Registered after JavaTimeModule so that it takes precedence for Instant.
                .addModule(new SimpleModule("contract-instants")
                        .addDeserializer(Instant.class, new StrictInstantDeserializer()))
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .defaultPropertyInclusion(
                        JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.USE_DEFAULTS))
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .withCoercionConfig(LogicalType.Textual, config -> config
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfigDefaults(config -> config
                        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
                .build();
    }

    /** Returns the shared mapper. Callers must not reconfigure it; use {@link #newMapper()} for that. */
    static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Returns a writer with the contract configuration. */
    public static ObjectWriter writer() {
        return MAPPER.writer();
    }

    /** Returns a reader with the contract configuration, without the validation messages of {@link JsonSerde}. */
    public static ObjectReader reader() {
        return MAPPER.reader();
    }
}
