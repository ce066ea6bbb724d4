package dev.pairstream.generator;

import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One raw record of the flagged-prompts topic, with the bytes as the broker delivered them.
 *
 * @param topic     topic the record was read from
 * @param partition partition of the record
 * @param offset    offset of the record
 * @param key       raw key, or {@code null}
 * @param value     raw value, or {@code null} for a tombstone
 */
public record InputRecord(String topic, int partition, long offset, byte[] key, byte[] value) {

    /** Validates the coordinates. */
    public InputRecord {
        Objects.requireNonNull(topic, "topic");
        if (partition < 0 || offset < 0) {
            throw new IllegalArgumentException("record coordinates " + topic + "-" + partition + "@" + offset
                    + " are invalid; expected a partition and offset of at least 0");
        }
    }

    /** Copies the coordinates and bytes of a consumed record. */
    public static InputRecord of(ConsumerRecord<byte[], byte[]> record) {
        return new InputRecord(record.topic(), record.partition(), record.offset(), record.key(), record.value());
    }

    /** Returns the coordinates as {@code topic-partition@offset}. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }
}
