package dev.pairstream.generator;

import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.ErasurePair;

/** Outcome of one input record: a pair, a dead letter, or nothing for a re-delivered prompt. */
public sealed interface PairOutcome {

    /** Returns the input record. */
    InputRecord source();

    /**
     * A pair to publish on the pairs topic.
     *
     * @param key      concept-set key of the pair
     * @param promptId id of the flagged prompt
     */
    record Published(InputRecord source, String key, ErasurePair pair, String promptId)
            implements PairOutcome {
    }

    /**
     * A dead letter to publish on the dead-letter topic.
     *
     * @param key    coordinates of the failed record
     * @param reason why the record was rejected
     */
    record DeadLettered(InputRecord source, String key, DeadLetter deadLetter, RejectionReason reason)
            implements PairOutcome {
    }

    /**
     * A flagged prompt whose pair was already published, so nothing is published again.
     *
     * @param pairId   id of the published pair
     * @param promptId id of the flagged prompt
     */
    record Duplicate(InputRecord source, String pairId, String promptId) implements PairOutcome {
    }
}
