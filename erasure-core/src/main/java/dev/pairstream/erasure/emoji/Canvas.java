package dev.pairstream.erasure.emoji;

/**
 * The picture geometry.
 *
 * @param width       picture width in pixels
 * @param height      picture height in pixels
 * @param margin      pixels along each edge that the emoji never covers, so the border shows the background
 * @param gridRows    rows of the placement grid
 * @param gridColumns columns of the placement grid
 */
public record Canvas(int width, int height, int margin, int gridRows, int gridColumns) {

    public Canvas {
        if (width < 1 || height < 1 || gridRows < 1 || gridColumns < 1) {
            throw new IllegalArgumentException("Canvas: width, height, gridRows and gridColumns must be at least 1,"
                    + " got " + width + ", " + height + ", " + gridRows + ", " + gridColumns);
        }
        if (margin < 0 || 2 * margin >= Math.min(width, height)) {
            throw new IllegalArgumentException("Canvas: margin must be 0 or more and leave room inside a " + width
                    + "x" + height + " picture, got " + margin);
        }
    }

    /** Returns the number of values in a CHW RGB picture of this size. */
    public int valueCount() {
        return 3 * width * height;
    }

    /** Returns the largest emoji side length that fits inside the margins. */
    public int maxObjectPixels() {
        return Math.min(width, height) - 2 * margin;
    }
}
