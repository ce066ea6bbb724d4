package dev.pairstream.trainer;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A request to start a job by hand.
 *
 * @param baseModelId      the base model; absent means the one this trainer serves
 * @param conceptIds       the concepts to erase
 * @param fisherSnapshotId the snapshot to start from; absent means the newest one of the concept set
 * @param overrides        hyper-parameters that replace the defaults; absent keeps them all
 */
@Schema(description = "Starts a training job for a concept set from one of its Fisher snapshots.")
public record JobRequest(String baseModelId, List<String> conceptIds, String fisherSnapshotId,
        JobOverrides overrides) {
}
