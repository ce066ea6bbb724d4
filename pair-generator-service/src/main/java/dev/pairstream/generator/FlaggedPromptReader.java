package dev.pairstream.generator;

import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.contracts.serde.JsonSerde;
import dev.pairstream.contracts.serde.RecordValidationException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and checks one flagged-prompt record before any matching: UTF-8, the contract's JSON rules, the prompt length
 * and the moderation categories.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class FlaggedPromptReader {

    private static final JsonSerde<FlaggedPrompt> SERDE = JsonSerde.of(FlaggedPrompt.class);

    private final int maxPromptChars;
    private final Set<String> categories;
    private final String catalogVersion;

    /**
     * Creates a reader.
     *
     * @param maxPromptChars  maximum prompt length in UTF-16 chars, at least 1
     * @param categories      moderation categories the catalog defines; every category of a record must be one of them
     * @param catalogVersion  version of the catalog, for messages
     */
    public FlaggedPromptReader(int maxPromptChars, List<String> categories, String catalogVersion) {
        if (maxPromptChars < 1) {
            throw new IllegalArgumentException("pair.generator.max-prompt-chars is " + maxPromptChars
                    + "; expected at least 1");
        }
        this.maxPromptChars = maxPromptChars;
        this.categories = new TreeSet<>(categories);
        this.catalogVersion = Objects.requireNonNull(catalogVersion, "catalogVersion");
    }

    /**
     * Reads a record value as a flagged prompt.
     *
     * @throws PromptRejectedException when the value is missing, not UTF-8, not a valid record, or breaks a limit
     */
    public FlaggedPrompt read(String topic, byte[] value) throws PromptRejectedException {
        if (value == null) {
            throw new PromptRejectedException(RejectionReason.MISSING_VALUE,
                    "record has no value (a tombstone); expected a FlaggedPrompt JSON object");
        }
        checkUtf8(value);
        FlaggedPrompt prompt;
        try {
            prompt = SERDE.deserialize(topic, value);
        } catch (RecordValidationException e) {
            throw new PromptRejectedException(RejectionReason.INVALID_RECORD, e.getMessage(), List.of(), e);
        }
        if (prompt.prompt().length() > maxPromptChars) {
            throw new PromptRejectedException(RejectionReason.PROMPT_TOO_LONG, "prompt of " + prompt.promptId()
                    + " has " + prompt.prompt().length() + " chars; expected at most " + maxPromptChars
                    + " (pair.generator.max-prompt-chars)");
        }
        List<String> unknown = new ArrayList<>();
        for (String category : prompt.categories()) {
            if (!categories.contains(category)) {
                unknown.add(category);
            }
        }
        if (!unknown.isEmpty()) {
            throw new PromptRejectedException(RejectionReason.UNKNOWN_CATEGORY, "categories " + unknown + " of "
                    + prompt.promptId() + " are unknown to catalog " + catalogVersion + "; expected some of "
                    + categories);
        }
        return prompt;
    }

    private static void checkUtf8(byte[] value) throws PromptRejectedException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.wrap(value);
        try {
            decoder.decode(bytes);
        } catch (MalformedInputException e) {
            throw new PromptRejectedException(RejectionReason.INVALID_UTF8, "value is not valid UTF-8: "
                    + e.getInputLength() + " malformed byte(s) at byte offset " + bytes.position()
                    + "; expected UTF-8 JSON", List.of(), e);
        } catch (CharacterCodingException e) {
            throw new PromptRejectedException(RejectionReason.INVALID_UTF8, "value is not valid UTF-8 at byte offset "
                    + bytes.position() + "; expected UTF-8 JSON", List.of(), e);
        }
    }
}
