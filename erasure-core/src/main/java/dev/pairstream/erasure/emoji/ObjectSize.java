package dev.pairstream.erasure.emoji;

import java.util.List;
import java.util.Objects;

/**
 * A size the emoji is drawn at.
 *
 * @param id      stable identifier, such as {@code small}
 * @param pixels  side length of the square the emoji image is scaled to, in pixels
 * @param phrases the words captions use for it, most common first
 */
public record ObjectSize(String id, int pixels, List<String> phrases) {

    public ObjectSize {
        Objects.requireNonNull(id, "id");
        phrases = List.copyOf(phrases);
        if (pixels < 1) {
            throw new IllegalArgumentException("Size " + id + ": pixels must be at least 1, got " + pixels);
        }
    }
}
