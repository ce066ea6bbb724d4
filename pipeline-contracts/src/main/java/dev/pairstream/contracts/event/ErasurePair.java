package dev.pairstream.contracts.event;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pairstream.contracts.RecordChecks;
import dev.pairstream.contracts.artifact.ArtifactRef;
import java.time.Instant;
import java.util.List;

/**
 * Unsafe prompt paired with its safe rewrite for the concepts in {@code conceptIds}, the training unit of PAIRed
 * erasing. The pair generator publishes it; the Fisher and trainer services read it.
 *
 * <p>In text-only mode the pair has no pictures: {@code unsafePicture} and {@code safePicture} are either both
 * present or both {@code null}.
 *
 * @param pairId              id of the pair, stable across retries of the same generation
 * @param unsafePrompt        prompt that shows the concept
 * @param safePrompt          rewrite of the unsafe prompt without the concept; differs from {@code unsafePrompt}
 * @param catalogVersion      version of the concept catalog the rewrite used
 * @param seed                random seed of the picture generation
 * @param unsafePicture       picture generated from the unsafe prompt, or {@code null} in text-only mode
 * @param safePicture         picture generated from the safe prompt with the same seed, or {@code null}
 * @param editDistance        edit distance between the two prompts, at least 0
 * @param embeddingSimilarity cosine similarity of the two prompt embeddings, within [-1, 1]
 * @param rewriter            name of the rewriter that produced the safe prompt
 */
@JsonClassDescription("Unsafe prompt paired with its safe rewrite, the training unit of PAIRed erasing.")
public record ErasurePair(
        @JsonProperty(required = true) int schemaVersion,
        @JsonProperty(required = true) String recordId,
        @JsonProperty(required = true) String causationId,
        @JsonProperty(required = true) String baseModelId,
        @JsonProperty(required = true) List<String> conceptIds,
        @JsonProperty(required = true) Instant createdAt,
        @JsonProperty(required = true) String pairId,
        @JsonProperty(required = true) String unsafePrompt,
        @JsonProperty(required = true) String safePrompt,
        @JsonProperty(required = true) String catalogVersion,
        @JsonProperty(required = true) long seed,
        @JsonPropertyDescription("Picture of the unsafe prompt; absent in text-only mode.")
        ArtifactRef unsafePicture,
        @JsonPropertyDescription("Picture of the safe prompt with the same seed; absent in text-only mode.")
        ArtifactRef safePicture,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Edit distance between the unsafe and the safe prompt, at least 0.")
        int editDistance,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Cosine similarity of the two prompt embeddings, within [-1, 1].")
        double embeddingSimilarity,
        @JsonProperty(required = true) String rewriter) implements PipelineEvent {

    /** Newest schema version of this record type, written by this code. */
    public static final int SCHEMA_VERSION = 1;

    private static final RecordChecks CHECK = RecordChecks.forType("ErasurePair");

    /** Validates every field; see the parameter descriptions for the rules. */
    @JsonCreator
    public ErasurePair {
        conceptIds = EnvelopeRules.DERIVED.check(
                CHECK, SCHEMA_VERSION, schemaVersion, recordId, causationId, baseModelId, conceptIds, createdAt);
        CHECK.nonBlank("pairId", pairId);
        CHECK.nonBlank("unsafePrompt", unsafePrompt);
        CHECK.nonBlank("safePrompt", safePrompt);
        if (safePrompt.equals(unsafePrompt)) {
            throw CHECK.invalid("safePrompt", "must differ from unsafePrompt");
        }
        CHECK.nonBlank("catalogVersion", catalogVersion);
        if ((unsafePicture == null) != (safePicture == null)) {
            String missing = unsafePicture == null ? "unsafePicture" : "safePicture";
            throw CHECK.invalid(missing, "is missing; a pair has both pictures or, in text-only mode, neither");
        }
        CHECK.atLeast("editDistance", editDistance, 0);
        CHECK.between("embeddingSimilarity", embeddingSimilarity, -1.0, 1.0);
        CHECK.nonBlank("rewriter", rewriter);
    }

    /** Creates a pair with the current schema version. */
    public ErasurePair(Envelope envelope, String pairId, String unsafePrompt, String safePrompt,
            String catalogVersion, long seed, ArtifactRef unsafePicture, ArtifactRef safePicture, int editDistance,
            double embeddingSimilarity, String rewriter) {
        this(SCHEMA_VERSION, envelope.recordId(), envelope.causationId(), envelope.baseModelId(),
                envelope.conceptIds(), envelope.createdAt(), pairId, unsafePrompt, safePrompt, catalogVersion, seed,
                unsafePicture, safePicture, editDistance, embeddingSimilarity, rewriter);
    }

    /** Returns whether the pair carries pictures, that is, was not generated in text-only mode. */
    public boolean hasPictures() {
        return unsafePicture != null;
    }
}
