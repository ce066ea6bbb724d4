package dev.pairstream.erasure.emoji;

import java.util.Objects;

/**
 * The content of a picture, as catalog ids.
 *
 * @param conceptId  the emoji concept
 * @param colourId   the background colour
 * @param sizeId     the object size
 * @param positionId the grid position
 */
public record Scene(String conceptId, String colourId, String sizeId, String positionId) {

    public Scene {
        Objects.requireNonNull(conceptId, "conceptId");
        Objects.requireNonNull(colourId, "colourId");
        Objects.requireNonNull(sizeId, "sizeId");
        Objects.requireNonNull(positionId, "positionId");
    }
}
