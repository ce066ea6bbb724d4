package dev.pairstream.trainer;

import dev.pairstream.contracts.event.TrainingJobState;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A job as the REST API shows it: its identity, its inputs and its newest state.
 *
 * @param jobId              id of the job
 * @param conceptSetKey      base model and concept set, {@code <base model>|<concept>,...}
 * @param baseModelId        the base model
 * @param conceptIds         the concepts to erase
 * @param origin             {@code trigger} or {@code manual}; absent for a job known only from the topic
 * @param fisherSnapshotId   the Fisher snapshot of the initialisation; absent for a job known only from the topic
 * @param state              the newest state
 * @param step               finished steps
 * @param totalSteps         steps of the job
 * @param loss               loss of the newest reported step
 * @param etaSeconds         estimated seconds to the end
 * @param reason             why the job failed or was cancelled
 * @param candidateAdapterId the adapter a SUCCEEDED job produced
 * @param createdAt          when the job was created
 * @param updatedAt          when its newest state was published
 */
@Schema(description = "A training job and its newest state.")
public record JobView(String jobId, String conceptSetKey, String baseModelId, List<String> conceptIds, String origin,
        String fisherSnapshotId, TrainingJobState.State state, int step, int totalSteps, Double loss, Long etaSeconds,
        String reason, String candidateAdapterId, Instant createdAt, Instant updatedAt) {
}
