package dev.pairstream.fisher;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pairstream.contracts.event.ErasurePair;
import java.util.Objects;

/**
 * One pair routed to one of its concepts, on the stream's internal repartition topic. A pair of several concepts is
 * routed once per concept, so each concept's aggregate sits in one task. The pair's coordinates on the pairs topic
 * travel with it, for the snapshot's covered offset ranges and for dead letters.
 *
 * @param conceptKey      {@code baseModelId|conceptId}, the key of the concept's aggregate
 * @param conceptId       the concept
 * @param pair            the pair as published
 * @param sourcePartition partition of the pair on the pairs topic
 * @param sourceOffset    offset of the pair on the pairs topic
 */
record ConceptPair(@JsonProperty(required = true) String conceptKey,
        @JsonProperty(required = true) String conceptId,
        @JsonProperty(required = true) ErasurePair pair,
        @JsonProperty(required = true) int sourcePartition,
        @JsonProperty(required = true) long sourceOffset) {

    ConceptPair {
        Objects.requireNonNull(conceptKey, "conceptKey");
        Objects.requireNonNull(conceptId, "conceptId");
        Objects.requireNonNull(pair, "pair");
    }
}
