package dev.pairstream.erasure.emoji;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Converts pictures between the model's form, a {@code float[3*H*W]} in channel-row-column (CHW) order with
 * values in [-1, 1], and 8-bit RGB images.
 */
public final class PictureCodec {

    private PictureCodec() {
    }

    /** Returns the model value of an 8-bit channel value: 0 maps to -1 and 255 to 1. */
    public static float toValue(int channel) {
        return channel / 127.5f - 1f;
    }

    /** Returns the 8-bit channel value nearest to a model value, clamping values outside [-1, 1]. */
    public static int toChannel(float value) {
        long rounded = Math.round((value + 1.0) * 127.5);
        return (int) Math.max(0, Math.min(255, rounded));
    }

    /**
     * Converts a CHW picture to an RGB image.
     *
     * @throws IllegalArgumentException when the array length is not 3 x width x height or contains NaN
     */
    public static BufferedImage toImage(float[] chw, int width, int height) {
        checkPicture(chw, width, height);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int plane = width * height;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int index = y * width + x;
                int red = toChannel(chw[index]);
                int green = toChannel(chw[plane + index]);
                int blue = toChannel(chw[2 * plane + index]);
                image.setRGB(x, y, (red << 16) | (green << 8) | blue);
            }
        }
        return image;
    }

    /** Converts an image to a CHW picture, dropping any alpha channel. */
    public static float[] fromImage(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        int plane = width * height;
        float[] chw = new float[3 * plane];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = image.getRGB(x, y);
                int index = y * width + x;
                chw[index] = toValue((rgb >> 16) & 0xff);
                chw[plane + index] = toValue((rgb >> 8) & 0xff);
                chw[2 * plane + index] = toValue(rgb & 0xff);
            }
        }
        return chw;
    }

    /** Encodes a CHW picture as PNG bytes. */
    public static byte[] toPng(float[] chw, int width, int height) {
        return encodePng(toImage(chw, width, height));
    }

    /** Encodes an image as PNG bytes. */
    public static byte[] encodePng(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("The Java runtime has no PNG writer");
            }
        } catch (IOException e) {
            // ByteArrayOutputStream never throws IOException, so only a broken image writer gets here.
            throw new IllegalStateException("Failed to encode a PNG in memory", e);
        }
        return out.toByteArray();
    }

    /** Writes an image as a PNG file, creating the parent folder when needed. */
    public static void writePng(BufferedImage image, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(file, encodePng(image));
    }

    static void checkPicture(float[] chw, int width, int height) {
        if (chw.length != 3 * width * height) {
            throw new IllegalArgumentException("A " + width + "x" + height + " RGB picture needs "
                    + (3 * width * height) + " values, got " + chw.length);
        }
        for (int i = 0; i < chw.length; i++) {
            if (Float.isNaN(chw[i])) {
                throw new IllegalArgumentException("Picture value " + i + " is NaN; expected a number in [-1, 1]");
            }
        }
    }
}
