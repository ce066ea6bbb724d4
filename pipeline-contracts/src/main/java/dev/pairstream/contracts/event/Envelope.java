package dev.pairstream.contracts.event;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Envelope fields shared by every {@link PipelineEvent}, apart from the schema version, which each event type
 * fixes itself.
 *
 * <p>The envelope is a construction aid: events store its fields flat in their own JSON and validate them in
 * their constructors, so this record checks nothing on its own.
 *
 * @param recordId    id of the record, unique across the pipeline
 * @param causationId id of the record the new one derives from, or {@code null} for a pipeline input
 * @param baseModelId id of the text-to-image base model
 * @param conceptIds  ids of the concepts to erase
 * @param createdAt   creation time of the record
 */
public record Envelope(
        String recordId, String causationId, String baseModelId, List<String> conceptIds, Instant createdAt) {

    /** Creates the envelope of a pipeline input, which has no cause and no concepts yet. */
    public static Envelope root(String recordId, String baseModelId, Instant createdAt) {
        return new Envelope(recordId, null, baseModelId, List.of(), createdAt);
    }

    /**
     * Creates the envelope of a record derived from {@code cause}: the cause's record id becomes the causation
     * id, and the base model and concepts carry over.
     */
    public static Envelope derivedFrom(PipelineEvent cause, String recordId, Instant createdAt) {
        return new Envelope(recordId, cause.recordId(), cause.baseModelId(), cause.conceptIds(), createdAt);
    }

    /** Creates a random record id (a UUID), for producers that have no natural id to reuse. */
    public static String newRecordId() {
        return UUID.randomUUID().toString();
    }

    /** Returns a copy of this envelope with other concept ids. */
    public Envelope withConceptIds(List<String> newConceptIds) {
        return new Envelope(recordId, causationId, baseModelId, newConceptIds, createdAt);
    }
}
