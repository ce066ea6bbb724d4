package dev.pairstream.erasure.train;

import java.util.Objects;

/**
 * One unsafe-safe pair to erase with: the unsafe prompt, its safe counterpart and the base model's picture of the safe
 * prompt, drawn from the same initial noise as the unsafe picture so that both share their structure.
 *
 * @param pairId       the pair's id, for logs and provenance
 * @param conceptId    the unsafe concept the pair teaches the adapter to erase
 * @param unsafePrompt the flagged prompt
 * @param safePrompt   the same prompt with only the unsafe words replaced by the safe anchor
 * @param safePicture  the base model's picture of {@code safePrompt}, CHW float values in [-1, 1]
 */
public record TrainingPair(String pairId, String conceptId, String unsafePrompt, String safePrompt,
        float[] safePicture) {

    /** Validates the fields and copies the picture. */
    public TrainingPair {
        requireText(pairId, "pairId");
        requireText(conceptId, "conceptId");
        requireText(unsafePrompt, "unsafePrompt");
        requireText(safePrompt, "safePrompt");
        Objects.requireNonNull(safePicture, "safePicture");
        safePicture = safePicture.clone();
    }

    /** Returns a copy of the safe picture. */
    @Override
    public float[] safePicture() {
        return safePicture.clone();
    }

    /** Returns the safe picture without copying; the caller must not change it. */
    float[] safePictureView() {
        return safePicture;
    }

    static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("Missing " + field + "; expected non-blank text");
        }
    }
}
