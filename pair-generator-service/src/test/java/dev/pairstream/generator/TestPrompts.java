package dev.pairstream.generator;

import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.contracts.serde.JsonSerde;
import dev.pairstream.contracts.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/** Flagged prompts and raw record values for the pair generator's tests. */
final class TestPrompts {

    static final String BASE_MODEL = "emoji-world-base";
    static final Instant FLAGGED_AT = Instant.parse("2026-12-01T10:15:30Z");

    private TestPrompts() {
    }

    /** Creates a flagged prompt of the violence category with record id {@code "record-" + promptId}. */
    static FlaggedPrompt flagged(String promptId, String prompt) {
        return flagged(promptId, prompt, List.of("violence"));
    }

    static FlaggedPrompt flagged(String promptId, String prompt, List<String> categories) {
        return new FlaggedPrompt(Envelope.root("record-" + promptId, BASE_MODEL, FLAGGED_AT), promptId, prompt,
                categories, "tenant-a", "moderation-test", FLAGGED_AT);
    }

    static byte[] json(FlaggedPrompt prompt) {
        return JsonSerde.of(FlaggedPrompt.class).serialize(Topics.FLAGGED_PROMPTS.name(), prompt);
    }

    /** Writes the JSON of a flagged prompt by hand, so that tests can break rules the record constructor enforces. */
    static byte[] rawJson(String promptId, String prompt, String categoriesJson) {
        String json = "{\"schemaVersion\":1,\"recordId\":\"record-" + promptId + "\",\"baseModelId\":\"" + BASE_MODEL
                + "\",\"conceptIds\":[],\"createdAt\":\"2026-12-01T10:15:30Z\",\"promptId\":\"" + promptId
                + "\",\"prompt\":\"" + prompt + "\",\"categories\":" + categoriesJson
                + ",\"flaggedAt\":\"2026-12-01T10:15:30Z\"}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    static InputRecord record(long offset, byte[] value) {
        return new InputRecord(Topics.FLAGGED_PROMPTS.name(), 0, offset, null, value);
    }
}
