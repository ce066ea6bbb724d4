package dev.pairstream.contracts.event;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pairstream.contracts.RecordChecks;
import java.time.Instant;
import java.util.List;

/**
 * Prompt that moderation flagged as unsafe: the input of the pipeline, read by the pair generator.
 *
 * <p>It is the only event whose {@code causationId} may be {@code null} and whose {@code conceptIds} may be
 * empty, because moderation reports categories and the pair generator maps them to concepts.
 *
 * @param promptId   id of the prompt in the moderation system
 * @param prompt     prompt text as the user wrote it
 * @param categories moderation categories that flagged the prompt, at least one
 * @param tenant     tenant that sent the prompt, or {@code null}
 * @param source     system that flagged the prompt, or {@code null}
 * @param flaggedAt  when moderation flagged the prompt
 */
@JsonClassDescription("Prompt that moderation flagged as unsafe; input of the pair generator.")
public record FlaggedPrompt(
        @JsonProperty(required = true) int schemaVersion,
        @JsonProperty(required = true) String recordId,
        String causationId,
        @JsonProperty(required = true) String baseModelId,
        @JsonProperty(required = true) List<String> conceptIds,
        @JsonProperty(required = true) Instant createdAt,
        @JsonProperty(required = true) String promptId,
        @JsonProperty(required = true) String prompt,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Moderation categories that flagged the prompt, at least one.")
        List<String> categories,
        String tenant,
        String source,
        @JsonProperty(required = true) Instant flaggedAt) implements PipelineEvent {

    /** Newest schema version of this record type, written by this code. */
    public static final int SCHEMA_VERSION = 1;

    private static final RecordChecks CHECK = RecordChecks.forType("FlaggedPrompt");

    /** Validates every field; see the parameter descriptions for the rules. */
    @JsonCreator
    public FlaggedPrompt {
        conceptIds = EnvelopeRules.ROOT.check(
                CHECK, SCHEMA_VERSION, schemaVersion, recordId, causationId, baseModelId, conceptIds, createdAt);
        CHECK.nonBlank("promptId", promptId);
        CHECK.nonBlank("prompt", prompt);
        categories = CHECK.distinctNonBlankStrings("categories", categories, false);
        CHECK.optionalNonBlank("tenant", tenant);
        CHECK.optionalNonBlank("source", source);
        CHECK.present("flaggedAt", flaggedAt);
    }

    /** Creates a flagged prompt with the current schema version. */
    public FlaggedPrompt(Envelope envelope, String promptId, String prompt, List<String> categories, String tenant,
            String source, Instant flaggedAt) {
        this(SCHEMA_VERSION, envelope.recordId(), envelope.causationId(), envelope.baseModelId(),
                envelope.conceptIds(), envelope.createdAt(), promptId, prompt, categories, tenant, source, flaggedAt);
    }
}
