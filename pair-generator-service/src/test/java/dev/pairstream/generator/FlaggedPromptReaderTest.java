package dev.pairstream.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.contracts.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlaggedPromptReaderTest {

    private static final String TOPIC = Topics.FLAGGED_PROMPTS.name();

    private final FlaggedPromptReader reader = new FlaggedPromptReader(40, List.of("violence", "alcohol"), "1.0.0");

    @Test
    void readsValidPrompt() throws Exception {
        // Given a valid flagged prompt
        FlaggedPrompt expected = TestPrompts.flagged("p-1", "a pistol on a table");

        // When it is read from its JSON
        FlaggedPrompt read = reader.read(TOPIC, TestPrompts.json(expected));

        // Then it equals the original
        assertEquals(expected, read);
    }

    @Test
    void rejectsTombstone() {
        PromptRejectedException error = assertThrows(PromptRejectedException.class, () -> reader.read(TOPIC, null));

        assertEquals(RejectionReason.MISSING_VALUE, error.reason());
        assertEquals("record has no value (a tombstone); expected a FlaggedPrompt JSON object", error.getMessage());
    }

    @Test
    void rejectsInvalidUtf8WithOffset() {
        // Given JSON whose prompt contains a lone continuation byte at byte offset 3
        byte[] value = {'{', '"', 'a', (byte) 0x80, '"', '}'};

        PromptRejectedException error = assertThrows(PromptRejectedException.class, () -> reader.read(TOPIC, value));

        assertEquals(RejectionReason.INVALID_UTF8, error.reason());
        assertEquals("value is not valid UTF-8: 1 malformed byte(s) at byte offset 3; expected UTF-8 JSON",
                error.getMessage());
    }

    @Test
    void rejectsMalformedJson() {
        byte[] value = "{\"schemaVersion\":1,".getBytes(StandardCharsets.UTF_8);

        PromptRejectedException error = assertThrows(PromptRejectedException.class, () -> reader.read(TOPIC, value));

        assertEquals(RejectionReason.INVALID_RECORD, error.reason());
        assertThat(error.getMessage()).contains("FlaggedPrompt");
    }

    @Test
    void rejectsMissingPromptField() {
        byte[] value = new String(TestPrompts.rawJson("p-2", "x", "[\"violence\"]"), StandardCharsets.UTF_8)
                .replace("\"prompt\":\"x\",", "").getBytes(StandardCharsets.UTF_8);

        PromptRejectedException error = assertThrows(PromptRejectedException.class, () -> reader.read(TOPIC, value));

        assertEquals(RejectionReason.INVALID_RECORD, error.reason());
        assertThat(error.getMessage()).contains("prompt");
    }

    @Test
    void rejectsEmptyPrompt() {
        byte[] value = TestPrompts.rawJson("p-3", "", "[\"violence\"]");

        PromptRejectedException error = assertThrows(PromptRejectedException.class, () -> reader.read(TOPIC, value));

        assertEquals(RejectionReason.INVALID_RECORD, error.reason());
        assertThat(error.getMessage()).contains("prompt");
    }

    @Test
    void rejectsPromptOverLimit() {
        // Given a prompt of 41 chars, one more than the limit
        String prompt = "a pistol " + "x".repeat(32);
        byte[] value = TestPrompts.json(TestPrompts.flagged("p-4", prompt));

        PromptRejectedException error = assertThrows(PromptRejectedException.class, () -> reader.read(TOPIC, value));

        assertEquals(RejectionReason.PROMPT_TOO_LONG, error.reason());
        assertEquals("prompt of p-4 has 41 chars; expected at most 40 (pair.generator.max-prompt-chars)",
                error.getMessage());
    }

    @Test
    void acceptsPromptAtLimit() throws Exception {
        String prompt = "a pistol " + "x".repeat(31);

        FlaggedPrompt read = reader.read(TOPIC, TestPrompts.json(TestPrompts.flagged("p-5", prompt)));

        assertEquals(40, read.prompt().length());
    }

    @Test
    void rejectsUnknownCategories() {
        byte[] value = TestPrompts.json(TestPrompts.flagged("p-6", "a pistol", List.of("violence", "spam", "fraud")));

        PromptRejectedException error = assertThrows(PromptRejectedException.class, () -> reader.read(TOPIC, value));

        assertEquals(RejectionReason.UNKNOWN_CATEGORY, error.reason());
        assertEquals("categories [spam, fraud] of p-6 are unknown to catalog 1.0.0; expected some of [alcohol,"
                + " violence]", error.getMessage());
    }
}
