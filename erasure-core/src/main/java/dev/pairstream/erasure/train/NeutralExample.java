package dev.pairstream.erasure.train;

import java.util.Objects;

/**
 * A prompt that erasure must leave as it was, with the base model's picture of it. The preservation term keeps the
 * adapted model's noise prediction on such pictures equal to the base model's.
 *
 * @param prompt  the neutral prompt
 * @param picture the base model's picture of {@code prompt}, CHW float values in [-1, 1]
 */
public record NeutralExample(String prompt, float[] picture) {

    /** Validates the fields and copies the picture. */
    public NeutralExample {
        TrainingPair.requireText(prompt, "prompt");
        Objects.requireNonNull(picture, "picture");
        picture = picture.clone();
    }

    /** Returns a copy of the picture. */
    @Override
    public float[] picture() {
        return picture.clone();
    }

    /** Returns the picture without copying; the caller must not change it. */
    float[] pictureView() {
        return picture;
    }
}
