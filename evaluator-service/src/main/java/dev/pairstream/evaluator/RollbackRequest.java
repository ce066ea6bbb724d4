package dev.pairstream.evaluator;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A request to serve an earlier adapter of a concept set again.
 *
 * @param baseModelId    the base model; absent means the one this evaluator serves
 * @param conceptIds     the concept set
 * @param adapterId      the adapter to serve
 * @param adapterVersion its version, which an evaluation must once have promoted
 * @param reason         why, for the audit trail
 */
@Schema(description = "Re-promotes an adapter version that an evaluation once promoted.")
public record RollbackRequest(String baseModelId, List<String> conceptIds, String adapterId, Long adapterVersion,
        String reason) {
}
