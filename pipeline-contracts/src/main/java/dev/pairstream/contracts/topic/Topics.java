package dev.pairstream.contracts.topic;

import dev.pairstream.contracts.event.AdapterCandidate;
import dev.pairstream.contracts.event.AdapterPromotion;
import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.EvaluationReport;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.contracts.event.TrainingJobState;
import dev.pairstream.contracts.serde.JsonSerde;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The pipeline topics. Code refers to topics only through these constants, never by a literal name.
 *
 * <p>All keys are strings. The concept-set key is {@link dev.pairstream.contracts.event.EventKeys#conceptSetKey};
 * keying by it keeps all records of one base model and concept set in one partition, in order.
 */
public final class Topics {

    /** Prompts flagged by moderation, the pipeline input. Keyed by prompt id. */
    public static final TopicDefinition<String, FlaggedPrompt> FLAGGED_PROMPTS = new TopicDefinition<>(
            "moderation.flagged-prompts", Serdes.String(), JsonSerde.of(FlaggedPrompt.class), 6, false,
            Duration.ofDays(7));

    /**
     * Erasure pairs from the pair generator. Keyed by concept-set key. Kept for 30 days because the Fisher and
     * trainer services replay them.
     */
    public static final TopicDefinition<String, ErasurePair> PAIRS = new TopicDefinition<>(
            "erasure.pairs", Serdes.String(), JsonSerde.of(ErasurePair.class), 6, false, Duration.ofDays(30));

    /** Fisher snapshots from the Fisher service. Keyed by concept-set key. */
    public static final TopicDefinition<String, FisherSnapshot> FISHER = new TopicDefinition<>(
            "erasure.fisher", Serdes.String(), JsonSerde.of(FisherSnapshot.class), 3, false, Duration.ofDays(30));

    /** Training job progress from the trainer. Keyed by job id, so one job's states stay in order. */
    public static final TopicDefinition<String, TrainingJobState> TRAINING_JOBS = new TopicDefinition<>(
            "erasure.training-jobs", Serdes.String(), JsonSerde.of(TrainingJobState.class), 3, false,
            Duration.ofDays(14));

    /** Adapter candidates from the trainer. Keyed by concept-set key. */
    public static final TopicDefinition<String, AdapterCandidate> ADAPTER_CANDIDATES = new TopicDefinition<>(
            "erasure.adapters.candidates", Serdes.String(), JsonSerde.of(AdapterCandidate.class), 1, false,
            Duration.ofDays(90));

    /** Evaluation reports from the evaluator. Keyed by concept-set key. Kept a year for audits. */
    public static final TopicDefinition<String, EvaluationReport> EVALUATIONS = new TopicDefinition<>(
            "erasure.evaluations", Serdes.String(), JsonSerde.of(EvaluationReport.class), 1, false,
            Duration.ofDays(365));

    /**
     * Promoted adapters, compacted and kept forever: the latest record per concept-set key is the adapter to
     * serve. Keyed by {@link AdapterPromotion#key()}.
     */
    public static final TopicDefinition<String, AdapterPromotion> ADAPTERS_PROMOTED = new TopicDefinition<>(
            "erasure.adapters.promoted", Serdes.String(), JsonSerde.of(AdapterPromotion.class), 1, true,
            TopicDefinition.RETAIN_FOREVER);

    /** Records that a service could not process. Keyed by {@link DeadLetter#coordinates} of the failed record. */
    public static final TopicDefinition<String, DeadLetter> DEAD_LETTERS = new TopicDefinition<>(
            "erasure.dead-letters", Serdes.String(), JsonSerde.of(DeadLetter.class), 3, false, Duration.ofDays(14));

    private static final List<TopicDefinition<?, ?>> ALL = List.of(
            FLAGGED_PROMPTS, PAIRS, FISHER, TRAINING_JOBS, ADAPTER_CANDIDATES, EVALUATIONS, ADAPTERS_PROMOTED,
            DEAD_LETTERS);

    private Topics() {
    }

    /** Returns every pipeline topic, in pipeline order with the dead-letter topic last. */
    public static List<TopicDefinition<?, ?>> all() {
        return ALL;
    }
}
