package dev.pairstream.erasure.emoji;

import java.util.List;
import java.util.Objects;

/**
 * A background colour of the world.
 *
 * @param id      stable identifier, such as {@code red}
 * @param red     red channel, 0 to 255
 * @param green   green channel, 0 to 255
 * @param blue    blue channel, 0 to 255
 * @param phrases the words captions use for it, most common first
 */
public record Colour(String id, int red, int green, int blue, List<String> phrases) {

    public Colour {
        Objects.requireNonNull(id, "id");
        phrases = List.copyOf(phrases);
        if ((red | green | blue) < 0 || red > 255 || green > 255 || blue > 255) {
            throw new IllegalArgumentException("Colour " + id + ": channels must be 0 to 255, got " + red + ", "
                    + green + ", " + blue);
        }
    }

    /** Returns the colour packed as {@code 0xRRGGBB}. */
    public int rgb() {
        return (red << 16) | (green << 8) | blue;
    }

    /** Returns the Euclidean distance to another RGB colour, on the 0 to 255 scale of each channel. */
    public double distanceTo(int otherRed, int otherGreen, int otherBlue) {
        double dr = red - otherRed;
        double dg = green - otherGreen;
        double db = blue - otherBlue;
        return Math.sqrt(dr * dr + dg * dg + db * db);
    }
}
