package dev.pairstream.fisher;

import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.FisherSnapshot;

/** Output of a processor of the Fisher stream: a pair for a concept, a dead letter or a snapshot. */
sealed interface Routed {

    /** A checked pair on its way to its concept's aggregate. */
    record Accepted(ConceptPair pair) implements Routed {
    }

    /** A record that the stream cannot use. */
    record Rejected(DeadLetter deadLetter) implements Routed {
    }

    /** A concept's published Fisher estimate. */
    record Snapshot(FisherSnapshot snapshot) implements Routed {
    }
}
