package dev.pairstream.evaluator;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One decision about the adapter served for a concept set: an evaluation that promoted or rejected a candidate, or a
 * rollback.
 *
 * @param kind           {@code PROMOTED}, {@code REJECTED} or {@code ROLLBACK}
 * @param conceptSetKey  the base model and concept set
 * @param adapterId      the adapter
 * @param adapterVersion its version
 * @param evaluationId   the evaluation; for a rollback, the one that first promoted the adapter
 * @param reasons        why: the failed gates of a rejection, the operator's reason of a rollback
 * @param metrics        the measures of an evaluation; empty for a rollback
 * @param decidedAt      when the decision was published
 */
@Schema(description = "A promotion, rejection or rollback, with its reasons.")
public record DecisionView(String kind, String conceptSetKey, String adapterId, long adapterVersion,
        String evaluationId, List<String> reasons, Map<String, Double> metrics, Instant decidedAt) {
}
