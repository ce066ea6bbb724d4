package dev.pairstream.fisher;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pairstream.contracts.serde.ContractJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** JSON of the stream's internal values (repartitioned pairs, aggregate state), with the contracts' mapper. */
final class InternalJson {

    private static final ObjectMapper MAPPER = ContractJson.newMapper();

    private InternalJson() {
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    static <T> T read(byte[] bytes, Class<T> type) {
        try {
            return MAPPER.readValue(bytes, type);
        } catch (IOException e) {
            // Only this service writes these values, so unreadable ones mean a bug or an incompatible upgrade.
            throw new UncheckedIOException("Failed to read a " + type.getSimpleName() + " of the fisher-service's"
                    + " own state", e);
        }
    }

    static <T> Serde<T> serde(Class<T> type) {
        return Serdes.serdeFrom((topic, value) -> value == null ? null : write(value),
                (topic, bytes) -> bytes == null ? null : read(bytes, type));
    }
}
