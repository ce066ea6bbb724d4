package dev.pairstream.erasure.detector;

import java.util.Arrays;
import java.util.Objects;

/**
 * The detector's output for one picture.
 *
 * @param conceptId     the most probable concept
 * @param probability   its softmax probability
 * @param probabilities the softmax probability of every class, in the detector's {@link ConceptDetector#classIds()}
 *                      order
 */
public record Detection(String conceptId, float probability, float[] probabilities) {

    public Detection {
        Objects.requireNonNull(conceptId, "conceptId");
        probabilities = probabilities.clone();
    }

    /** Returns a copy of the probability vector. */
    @Override
    public float[] probabilities() {
        return probabilities.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Detection that && conceptId.equals(that.conceptId)
                && Float.compare(probability, that.probability) == 0
                && Arrays.equals(probabilities, that.probabilities);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(conceptId, probability) + Arrays.hashCode(probabilities);
    }

    @Override
    public String toString() {
        return "Detection[" + conceptId + " p=" + probability + " of " + probabilities.length + " classes]";
    }
}
