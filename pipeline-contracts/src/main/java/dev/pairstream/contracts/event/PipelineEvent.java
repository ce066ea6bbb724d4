package dev.pairstream.contracts.event;

import java.time.Instant;
import java.util.List;

/**
 * Record published on one of the pipeline topics.
 *
 * <p>Every event carries the same envelope fields at the top level of its JSON, next to its own fields:
 * {@code schemaVersion}, {@code recordId}, {@code causationId}, {@code baseModelId}, {@code conceptIds} and
 * {@code createdAt}. The record constructors validate them, so an event that exists is valid.
 */
public sealed interface PipelineEvent
        permits FlaggedPrompt, ErasurePair, FisherSnapshot, TrainingJobState, AdapterCandidate, EvaluationReport,
        AdapterPromotion, DeadLetter {

    /** Returns the version of the record type's JSON layout that this record was written with. */
    int schemaVersion();

    /** Returns the id of this record, unique across the pipeline. */
    String recordId();

    /** Returns the id of the record this one derives from; {@code null} only for a {@link FlaggedPrompt}. */
    String causationId();

    /** Returns the id of the text-to-image base model this record concerns. */
    String baseModelId();

    /** Returns the ids of the concepts to erase; empty only for a {@link FlaggedPrompt} or a {@link DeadLetter}. */
    List<String> conceptIds();

    /** Returns when the record was created. */
    Instant createdAt();

    /** Returns the envelope fields of this record, for example to derive the envelope of a follow-up record. */
    default Envelope envelope() {
        return new Envelope(recordId(), causationId(), baseModelId(), conceptIds(), createdAt());
    }
}
