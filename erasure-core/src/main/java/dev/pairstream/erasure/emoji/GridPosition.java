package dev.pairstream.erasure.emoji;

import java.util.List;
import java.util.Objects;

/**
 * A cell of the picture's placement grid; the emoji is centred on the cell centre.
 *
 * @param id      stable identifier, such as {@code top_left}
 * @param row     grid row, 0 at the top
 * @param column  grid column, 0 at the left
 * @param phrases the words captions use for it after "in the", most common first
 */
public record GridPosition(String id, int row, int column, List<String> phrases) {

    public GridPosition {
        Objects.requireNonNull(id, "id");
        phrases = List.copyOf(phrases);
        if (row < 0 || column < 0) {
            throw new IllegalArgumentException("Position " + id + ": row and column must not be negative, got "
                    + row + ", " + column);
        }
    }
}
