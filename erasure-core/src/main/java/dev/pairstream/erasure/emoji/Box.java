package dev.pairstream.erasure.emoji;

/**
 * An axis-aligned pixel rectangle; {@code x1} and {@code y1} are exclusive, so the width is {@code x1 - x0}.
 *
 * @param x0 first column
 * @param y0 first row
 * @param x1 column after the last
 * @param y1 row after the last
 */
public record Box(int x0, int y0, int x1, int y1) {

    public Box {
        if (x0 >= x1 || y0 >= y1) {
            throw new IllegalArgumentException("Empty box: x0=" + x0 + ", y0=" + y0 + ", x1=" + x1 + ", y1=" + y1
                    + "; expected x0 < x1 and y0 < y1");
        }
    }

    /** Returns the width in pixels. */
    public int width() {
        return x1 - x0;
    }

    /** Returns the height in pixels. */
    public int height() {
        return y1 - y0;
    }

    /** Returns whether the pixel at column x, row y lies inside. */
    public boolean contains(int x, int y) {
        return x >= x0 && x < x1 && y >= y0 && y < y1;
    }
}
