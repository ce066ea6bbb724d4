package dev.pairstream.erasure.train;

import java.util.Objects;

/**
 * One unsafe-safe pair to erase with: the unsafe prompt, its safe counterpart and the base model's pictures of both,
 * drawn from the same initial noise so that they share their structure.
 *
 * @param pairId       the pair's id, for logs and provenance
 * @param conceptId    the unsafe concept the pair teaches the adapter to erase
 * @param unsafePrompt the flagged prompt
 * @param safePrompt   the same prompt with only the unsafe words replaced by the safe anchor
 * @param unsafePicture the base model's picture of {@code unsafePrompt}, CHW float values in [-1, 1]
 * @param safePicture  the base model's picture of {@code safePrompt} from the same noise, CHW float values in
 *                     [-1, 1]
 */
public record TrainingPair(String pairId, String conceptId, String unsafePrompt, String safePrompt,
        float[] unsafePicture, float[] safePicture) {

    /** Validates the fields and copies the picture. */
    public TrainingPair {
        requireText(pairId, "pairId");
        requireText(conceptId, "conceptId");
        requireText(unsafePrompt, "unsafePrompt");
        requireText(safePrompt, "safePrompt");
        Objects.requireNonNull(unsafePicture, "unsafePicture");
        Objects.requireNonNull(safePicture, "safePicture");
        if (unsafePicture.length != safePicture.length) {
            throw new IllegalArgumentException("Pair " + pairId + " has pictures of " + unsafePicture.length + " and "
                    + safePicture.length + " values; expected two pictures of one size");
        }
        unsafePicture = unsafePicture.clone();
        safePicture = safePicture.clone();
    }

    /** Returns a copy of the unsafe picture. */
    @Override
    public float[] unsafePicture() {
        return unsafePicture.clone();
    }

    /** Returns the unsafe picture without copying; the caller must not change it. */
    float[] unsafePictureView() {
        return unsafePicture;
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
