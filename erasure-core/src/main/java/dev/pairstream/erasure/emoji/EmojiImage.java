package dev.pairstream.erasure.emoji;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** An RGBA emoji image as non-premultiplied sRGB pixels, row by row from the top left. */
public final class EmojiImage {

    private final int width;
    private final int height;
    private final int[] argb;

    private EmojiImage(int width, int height, int[] argb) {
        this.width = width;
        this.height = height;
        this.argb = argb;
    }

    /**
     * Creates an image from packed {@code 0xAARRGGBB} pixels, row by row; the array is copied.
     *
     * @throws IllegalArgumentException when the size is not positive or the array length is not width x height
     */
    public static EmojiImage of(int width, int height, int[] argb) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("Image size must be positive, got " + width + "x" + height);
        }
        if (argb.length != width * height) {
            throw new IllegalArgumentException("Image " + width + "x" + height + " needs " + (width * height)
                    + " pixels, got " + argb.length);
        }
        return new EmojiImage(width, height, argb.clone());
    }

    /** Copies the pixels of a decoded image, converted to sRGB by {@link BufferedImage#getRGB}. */
    public static EmojiImage fromBufferedImage(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
        return new EmojiImage(width, height, argb);
    }

    /**
     * Reads a PNG file.
     *
     * @throws IOException when the file cannot be read or is not an image format that ImageIO decodes
     */
    public static EmojiImage read(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        if (image == null) {
            throw new IOException("Failed to decode " + png + ": not an image format that ImageIO reads");
        }
        return fromBufferedImage(image);
    }

    /** Returns the width in pixels. */
    public int width() {
        return width;
    }

    /** Returns the height in pixels. */
    public int height() {
        return height;
    }

    /** Returns the pixel at column x, row y as {@code 0xAARRGGBB}. */
    public int argb(int x, int y) {
        return argb[y * width + x];
    }
}
