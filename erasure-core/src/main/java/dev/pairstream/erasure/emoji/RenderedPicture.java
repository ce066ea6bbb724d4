package dev.pairstream.erasure.emoji;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A rendered picture with the scene it shows: RGB values in CHW order in [-1, 1], each an exact 8-bit level, and
 * the box the emoji image was drawn into.
 */
public final class RenderedPicture {

    private final Scene scene;
    private final Box box;
    private final int width;
    private final int height;
    private final float[] values;

    RenderedPicture(Scene scene, Box box, int width, int height, float[] values) {
        this.scene = Objects.requireNonNull(scene, "scene");
        this.box = Objects.requireNonNull(box, "box");
        PictureCodec.checkPicture(values, width, height);
        this.width = width;
        this.height = height;
        this.values = values;
    }

    /** Returns the scene. */
    public Scene scene() {
        return scene;
    }

    /**
     * Returns the square the emoji image was scaled into. Transparent edges of the emoji leave part of it showing
     * the background, so the visible object may be smaller.
     */
    public Box box() {
        return box;
    }

    /** Returns the width in pixels. */
    public int width() {
        return width;
    }

    /** Returns the height in pixels. */
    public int height() {
        return height;
    }

    /** Returns a copy of the values, {@code float[3*height*width]} in CHW order. */
    public float[] values() {
        return values.clone();
    }

    /** Copies the values into {@code target} at {@code offset}, for filling a batch without extra copies. */
    public void copyValues(float[] target, int offset) {
        System.arraycopy(values, 0, target, offset, values.length);
    }

    /** Returns the pixel at column x, row y as {@code 0xRRGGBB}. */
    public int rgb(int x, int y) {
        int plane = width * height;
        int index = y * width + x;
        return (PictureCodec.toChannel(values[index]) << 16) | (PictureCodec.toChannel(values[plane + index]) << 8)
                | PictureCodec.toChannel(values[2 * plane + index]);
    }

    /** Returns the picture as an RGB image. */
    public BufferedImage toImage() {
        return PictureCodec.toImage(values, width, height);
    }

    /** Returns the picture as PNG bytes. */
    public byte[] toPng() {
        return PictureCodec.encodePng(toImage());
    }

    /** Writes the picture as a PNG file. */
    public void writePng(Path file) throws IOException {
        PictureCodec.writePng(toImage(), file);
    }
}
