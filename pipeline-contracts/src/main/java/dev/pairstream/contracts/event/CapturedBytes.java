package dev.pairstream.contracts.event;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pairstream.contracts.RecordChecks;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Copy of raw record bytes kept in a {@link DeadLetter}: UTF-8 text when the bytes decode as UTF-8, otherwise
 * Base64, cut to a size limit.
 *
 * <p>The constructor checks that {@code data} decodes to exactly {@code sizeBytes} bytes when the copy is whole,
 * and to fewer bytes when it is truncated.
 *
 * @param data      the captured bytes as UTF-8 text or Base64
 * @param encoding  how {@code data} encodes the bytes
 * @param sizeBytes size of the original bytes, at least 0
 * @param truncated whether {@code data} holds only a prefix of the original bytes
 */
@JsonClassDescription("Raw record bytes as UTF-8 text or Base64, possibly cut to a size limit.")
public record CapturedBytes(
        @JsonProperty(required = true) String data,
        @JsonProperty(required = true) Encoding encoding,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Size of the original bytes, which may exceed what data holds when truncated.")
        long sizeBytes,
        @JsonProperty(required = true) boolean truncated) {

    private static final RecordChecks CHECK = RecordChecks.forType("CapturedBytes");

    /** Encoding of the captured bytes in {@code data}. */
    public enum Encoding {
        /** The bytes are valid UTF-8 and {@code data} is their text. */
        UTF8,
        /** {@code data} is the standard Base64 encoding of the bytes. */
        BASE64
    }

    /** Validates every field; see the parameter descriptions for the rules. */
    @JsonCreator
    public CapturedBytes {
        CHECK.present("data", data);
        CHECK.present("encoding", encoding);
        CHECK.atLeast("sizeBytes", sizeBytes, 0L);
        long capturedBytes = decodedLength(data, encoding);
        if (truncated && capturedBytes >= sizeBytes) {
            throw CHECK.invalid("truncated", "is true but data contains all " + sizeBytes + " bytes");
        }
        if (!truncated && capturedBytes != sizeBytes) {
            throw CHECK.invalid("data", "holds " + capturedBytes + " bytes but sizeBytes is " + sizeBytes);
        }
    }

    /**
     * Captures up to {@code limitBytes} of {@code raw}. Valid UTF-8 is kept as text and cut at a character
     * boundary; anything else is kept as Base64.
     *
     * @throws IllegalArgumentException when {@code limitBytes} is negative
     */
    public static CapturedBytes capture(byte[] raw, int limitBytes) {
        if (limitBytes < 0) {
            throw new IllegalArgumentException("limitBytes must be at least 0 but was " + limitBytes);
        }
        if (isUtf8(raw)) {
            int end = Math.min(raw.length, limitBytes);
            // Step back over UTF-8 continuation bytes (10xxxxxx) so the cut never splits a character.
            while (end < raw.length && end > 0 && (raw[end] & 0xC0) == 0x80) {
                end--;
            }
            String text = new String(raw, 0, end, StandardCharsets.UTF_8);
            return new CapturedBytes(text, Encoding.UTF8, raw.length, end < raw.length);
        }
        int end = Math.min(raw.length, limitBytes);
        String base64 = Base64.getEncoder().encodeToString(Arrays.copyOf(raw, end));
        return new CapturedBytes(base64, Encoding.BASE64, raw.length, end < raw.length);
    }

    /** Decodes {@code data} back to the captured bytes, a prefix of the original when {@link #truncated()}. */
    public byte[] decode() {
        return encoding == Encoding.UTF8
                ? data.getBytes(StandardCharsets.UTF_8)
                : Base64.getDecoder().decode(data);
    }

    private static long decodedLength(String data, Encoding encoding) {
        if (encoding == Encoding.UTF8) {
            return data.getBytes(StandardCharsets.UTF_8).length;
        }
        try {
            return Base64.getDecoder().decode(data).length;
        } catch (IllegalArgumentException e) {
            throw CHECK.invalid("data", "is not valid Base64: " + e.getMessage());
        }
    }

    private static boolean isUtf8(byte[] raw) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
