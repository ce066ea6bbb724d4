package dev.pairstream.fisher;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pairstream.contracts.event.ErasurePair;
import java.util.List;
import java.util.Objects;

/**
 * One pair routed to one of its concept sets, on the stream's internal repartition topic. A pair of concepts of several
 * sets is routed once per set, so each set's aggregate sits in one task. With the default grouping a set is one
 * concept. The pair's coordinates on the pairs topic travel with it, for the snapshot's covered offset ranges and for
 * dead letters.
 *
 * @param conceptKey      {@code baseModelId|conceptIds}, the key of the set's aggregate
 * @param conceptId       the set's label: the concept id for a one-concept set, else the category
 * @param conceptIds      the concepts of the set, sorted; records written before sets existed lack it, and it is then
 *                        the concept {@code conceptId} alone
 * @param pair            the pair as published
 * @param sourcePartition partition of the pair on the pairs topic
 * @param sourceOffset    offset of the pair on the pairs topic
 */
record ConceptPair(@JsonProperty(required = true) String conceptKey,
        @JsonProperty(required = true) String conceptId,
        List<String> conceptIds,
        @JsonProperty(required = true) ErasurePair pair,
        @JsonProperty(required = true) int sourcePartition,
        @JsonProperty(required = true) long sourceOffset) {

    ConceptPair {
        Objects.requireNonNull(conceptKey, "conceptKey");
        Objects.requireNonNull(conceptId, "conceptId");
        Objects.requireNonNull(pair, "pair");
        conceptIds = conceptIds == null ? List.of(conceptId) : List.copyOf(conceptIds);
    }
}
