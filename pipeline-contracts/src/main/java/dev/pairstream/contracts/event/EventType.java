package dev.pairstream.contracts.event;

import java.util.Optional;

/** Catalog of the event types, with the schema version each one writes and the name of its JSON Schema. */
public enum EventType {
    FLAGGED_PROMPT(FlaggedPrompt.class, FlaggedPrompt.SCHEMA_VERSION, "flagged-prompt"),
    ERASURE_PAIR(ErasurePair.class, ErasurePair.SCHEMA_VERSION, "erasure-pair"),
    FISHER_SNAPSHOT(FisherSnapshot.class, FisherSnapshot.SCHEMA_VERSION, "fisher-snapshot"),
    TRAINING_JOB_STATE(TrainingJobState.class, TrainingJobState.SCHEMA_VERSION, "training-job-state"),
    ADAPTER_CANDIDATE(AdapterCandidate.class, AdapterCandidate.SCHEMA_VERSION, "adapter-candidate"),
    EVALUATION_REPORT(EvaluationReport.class, EvaluationReport.SCHEMA_VERSION, "evaluation-report"),
    ADAPTER_PROMOTION(AdapterPromotion.class, AdapterPromotion.SCHEMA_VERSION, "adapter-promotion"),
    DEAD_LETTER(DeadLetter.class, DeadLetter.SCHEMA_VERSION, "dead-letter");

    private final Class<? extends PipelineEvent> javaType;
    private final int schemaVersion;
    private final String schemaName;

    EventType(Class<? extends PipelineEvent> javaType, int schemaVersion, String schemaName) {
        this.javaType = javaType;
        this.schemaVersion = schemaVersion;
        this.schemaName = schemaName;
    }

    /** Returns the record class of the event type. */
    public Class<? extends PipelineEvent> javaType() {
        return javaType;
    }

    /** Returns the newest schema version of the event type, the one this code writes and the newest it reads. */
    public int schemaVersion() {
        return schemaVersion;
    }

    /** Returns the base name of the JSON Schema file, for example {@code "erasure-pair"}. */
    public String schemaName() {
        return schemaName;
    }

    /** Returns the file name of the JSON Schema, for example {@code "erasure-pair.schema.json"}. */
    public String schemaFileName() {
        return schemaName + ".schema.json";
    }

    /** Finds the event type of a record class. */
    public static Optional<EventType> of(Class<?> javaType) {
        for (EventType type : values()) {
            if (type.javaType.equals(javaType)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
