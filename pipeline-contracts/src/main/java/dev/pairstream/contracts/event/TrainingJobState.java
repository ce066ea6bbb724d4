package dev.pairstream.contracts.event;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pairstream.contracts.RecordChecks;
import java.time.Instant;
import java.util.List;

/**
 * Progress report of one training job, published by the trainer each time the job changes state or makes
 * progress. The newest record of a job id is its current state.
 *
 * @param jobId              id of the training job
 * @param state              state of the job
 * @param step               number of finished training steps, within [0, totalSteps]
 * @param totalSteps         number of steps the job runs, at least 1
 * @param loss               training loss of the latest step, or {@code null} before the first step
 * @param etaSeconds         estimated seconds until the job finishes, or {@code null} when unknown
 * @param reason             why the job failed or was cancelled; required for {@link State#FAILED}
 * @param candidateAdapterId id of the adapter the job produced; required for {@link State#SUCCEEDED}
 */
@JsonClassDescription("Progress report of one training job; the newest record of a job id is its state.")
public record TrainingJobState(
        @JsonProperty(required = true) int schemaVersion,
        @JsonProperty(required = true) String recordId,
        @JsonProperty(required = true) String causationId,
        @JsonProperty(required = true) String baseModelId,
        @JsonProperty(required = true) List<String> conceptIds,
        @JsonProperty(required = true) Instant createdAt,
        @JsonProperty(required = true) String jobId,
        @JsonProperty(required = true) State state,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Number of finished training steps, within [0, totalSteps].")
        int step,
        @JsonProperty(required = true) int totalSteps,
        @JsonPropertyDescription("Training loss of the latest step; absent before the first step.")
        Double loss,
        @JsonPropertyDescription("Estimated seconds until the job finishes; absent when unknown.")
        Long etaSeconds,
        @JsonPropertyDescription("Why the job failed or was cancelled; required when state is FAILED.")
        String reason,
        @JsonPropertyDescription("Id of the adapter the job produced; required when state is SUCCEEDED.")
        String candidateAdapterId) implements PipelineEvent {

    /** Newest schema version of this record type, written by this code. */
    public static final int SCHEMA_VERSION = 1;

    private static final RecordChecks CHECK = RecordChecks.forType("TrainingJobState");

    /** Lifecycle state of a training job. */
    public enum State {
        /** Accepted, waiting for a worker. */
        QUEUED,
        /** Training. */
        RUNNING,
        /** Finished and produced a candidate adapter. */
        SUCCEEDED,
        /** Stopped by an error. */
        FAILED,
        /** Stopped on request. */
        CANCELLED;

        /** Returns whether the job can no longer change state. */
        public boolean isTerminal() {
            return this == SUCCEEDED || this == FAILED || this == CANCELLED;
        }
    }

    /** Validates every field; see the parameter descriptions for the rules. */
    @JsonCreator
    public TrainingJobState {
        conceptIds = EnvelopeRules.DERIVED.check(
                CHECK, SCHEMA_VERSION, schemaVersion, recordId, causationId, baseModelId, conceptIds, createdAt);
        CHECK.nonBlank("jobId", jobId);
        CHECK.present("state", state);
        CHECK.atLeast("totalSteps", totalSteps, 1);
        CHECK.atLeast("step", step, 0);
        if (step > totalSteps) {
            throw CHECK.invalid("step", "is " + step + " but must not exceed totalSteps " + totalSteps);
        }
        CHECK.optionalFinite("loss", loss);
        if (etaSeconds != null) {
            CHECK.atLeast("etaSeconds", etaSeconds, 0L);
        }
        CHECK.optionalNonBlank("reason", reason);
        if (state == State.FAILED && reason == null) {
            throw CHECK.invalid("reason", "is missing; a FAILED job must say why");
        }
        CHECK.optionalNonBlank("candidateAdapterId", candidateAdapterId);
        if (state == State.SUCCEEDED && candidateAdapterId == null) {
            throw CHECK.invalid("candidateAdapterId", "is missing; a SUCCEEDED job must name its adapter");
        }
    }

    /** Creates a job state with the current schema version. */
    public TrainingJobState(Envelope envelope, String jobId, State state, int step, int totalSteps, Double loss,
            Long etaSeconds, String reason, String candidateAdapterId) {
        this(SCHEMA_VERSION, envelope.recordId(), envelope.causationId(), envelope.baseModelId(),
                envelope.conceptIds(), envelope.createdAt(), jobId, state, step, totalSteps, loss, etaSeconds,
                reason, candidateAdapterId);
    }
}
