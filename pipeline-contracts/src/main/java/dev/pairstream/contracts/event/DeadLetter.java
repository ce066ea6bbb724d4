package dev.pairstream.contracts.event;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pairstream.contracts.RecordChecks;
import java.time.Instant;
import java.util.List;

/**
 * Input record that a service could not process, with a copy of its bytes and the error.
 *
 * <p>The causation id is the failed record's id when the service could read it, otherwise its coordinates from
 * {@link #coordinates(String, int, long)}. The concept ids may be empty because the failed record may not be
 * readable.
 *
 * @param sourceTopic     topic the failed record was read from
 * @param sourcePartition partition of the failed record, at least 0
 * @param sourceOffset    offset of the failed record, at least 0
 * @param key             copy of the record key, or {@code null} when the record had none
 * @param payload         copy of the record value, or {@code null} when the record had none (a tombstone)
 * @param reason          what went wrong, for an operator
 * @param errorClass      fully qualified class name of the exception
 * @param serviceName     name of the service that rejected the record
 */
@JsonClassDescription("Input record that a service could not process, with a copy of its bytes and the error.")
public record DeadLetter(
        @JsonProperty(required = true) int schemaVersion,
        @JsonProperty(required = true) String recordId,
        @JsonProperty(required = true) String causationId,
        @JsonProperty(required = true) String baseModelId,
        @JsonProperty(required = true) List<String> conceptIds,
        @JsonProperty(required = true) Instant createdAt,
        @JsonProperty(required = true) String sourceTopic,
        @JsonProperty(required = true) int sourcePartition,
        @JsonProperty(required = true) long sourceOffset,
        @JsonPropertyDescription("Copy of the record key; absent when the record had none.")
        CapturedBytes key,
        @JsonPropertyDescription("Copy of the record value; absent when the record had none.")
        CapturedBytes payload,
        @JsonProperty(required = true) String reason,
        @JsonProperty(required = true) String errorClass,
        @JsonProperty(required = true) String serviceName) implements PipelineEvent {

    /** Newest schema version of this record type, written by this code. */
    public static final int SCHEMA_VERSION = 1;

    /** Default size limit of the key and payload copies, in bytes. */
    public static final int DEFAULT_CAPTURE_LIMIT_BYTES = 64 * 1024;

    /**
     * Maximum length of the reason that {@link #fromFailedRecord} keeps, in characters, because exception messages
     * can be huge.
     */
    public static final int MAX_REASON_CHARS = 4096;

    private static final RecordChecks CHECK = RecordChecks.forType("DeadLetter");

    /** Validates every field; see the parameter descriptions for the rules. */
    @JsonCreator
    public DeadLetter {
        conceptIds = EnvelopeRules.DEAD_LETTER.check(
                CHECK, SCHEMA_VERSION, schemaVersion, recordId, causationId, baseModelId, conceptIds, createdAt);
        CHECK.nonBlank("sourceTopic", sourceTopic);
        CHECK.atLeast("sourcePartition", sourcePartition, 0);
        CHECK.atLeast("sourceOffset", sourceOffset, 0L);
        CHECK.nonBlank("reason", reason);
        CHECK.nonBlank("errorClass", errorClass);
        CHECK.nonBlank("serviceName", serviceName);
    }

    /** Creates a dead letter with the current schema version. */
    public DeadLetter(Envelope envelope, String sourceTopic, int sourcePartition, long sourceOffset,
            CapturedBytes key, CapturedBytes payload, String reason, String errorClass, String serviceName) {
        this(SCHEMA_VERSION, envelope.recordId(), envelope.causationId(), envelope.baseModelId(),
                envelope.conceptIds(), envelope.createdAt(), sourceTopic, sourcePartition, sourceOffset, key, payload,
                reason, errorClass, serviceName);
    }

    /**
     * Creates the dead letter of a record that failed with {@code error}. The causation id is the record's
     * coordinates, the concept ids are empty, and key and value are captured up to
     * {@link #DEFAULT_CAPTURE_LIMIT_BYTES} each.
     *
     * @param key   raw record key, or {@code null}
     * @param value raw record value, or {@code null}
     */
    public static DeadLetter fromFailedRecord(String serviceName, String baseModelId, String sourceTopic,
            int sourcePartition, long sourceOffset, byte[] key, byte[] value, Throwable error, Instant createdAt) {
        Envelope envelope = new Envelope(Envelope.newRecordId(), coordinates(sourceTopic, sourcePartition,
                sourceOffset), baseModelId, List.of(), createdAt);
        String message = error.getMessage() == null || error.getMessage().isBlank()
                ? error.getClass().getSimpleName()
                : error.getMessage();
        String reason = truncate(message, MAX_REASON_CHARS);
        return new DeadLetter(envelope, sourceTopic, sourcePartition, sourceOffset,
                key == null ? null : CapturedBytes.capture(key, DEFAULT_CAPTURE_LIMIT_BYTES),
                value == null ? null : CapturedBytes.capture(value, DEFAULT_CAPTURE_LIMIT_BYTES),
                reason, error.getClass().getName(), serviceName);
    }

    private static String truncate(String text, int maxChars) {
        if (text.length() <= maxChars) {
            return text;
        }
        // Never end on the first half of a surrogate pair, which would leave an invalid UTF-16 string.
        int end = Character.isHighSurrogate(text.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
        return text.substring(0, end);
    }

    /** Formats the coordinates of a record as {@code topic-partition@offset}, to serve as a causation id. */
    public static String coordinates(String topic, int partition, long offset) {
        return topic + "-" + partition + "@" + offset;
    }
}
