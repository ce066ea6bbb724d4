package dev.pairstream.erasure.pairing;

import java.util.Objects;

/**
 * An unsafe concept that a prompt resembles without naming it: the cosine similarity of the prompt's sentence
 * embedding and the concept's description reached the matcher's threshold.
 *
 * @param conceptId  id of the UNSAFE concept
 * @param similarity cosine similarity of the two sentence embeddings, within [-1, 1]
 */
public record SemanticMatch(String conceptId, double similarity) {

    /** Validates the fields. */
    public SemanticMatch {
        Objects.requireNonNull(conceptId, "conceptId");
        if (!(similarity >= -1 && similarity <= 1)) {
            throw new IllegalArgumentException("similarity " + similarity + " for concept \"" + conceptId
                    + "\" is invalid; expected a cosine similarity within [-1, 1]");
        }
    }
}
