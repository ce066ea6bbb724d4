package dev.pairstream.erasure.pipeline;

import dev.pairstream.erasure.emoji.PictureCodec;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Tiles CHW pictures into one PNG for a person to look at. */
public final class PictureGrid {

    private static final int GAP_RGB = 0xffffff;

    private PictureGrid() {
    }

    /**
     * Tiles pictures row by row, each enlarged {@code scale} times by pixel repetition, with {@code gap} white pixels
     * between and around the tiles.
     *
     * @param pictures CHW pictures in [-1, 1], each {@code 3 * height * width} values
     * @throws IllegalArgumentException when there are no pictures, one has the wrong length, or a count is out of range
     */
    public static BufferedImage tile(List<float[]> pictures, int width, int height, int columns, int scale, int gap) {
        if (pictures.isEmpty()) {
            throw new IllegalArgumentException("No pictures to tile");
        }
        if (width < 1 || height < 1 || columns < 1 || scale < 1 || gap < 0) {
            throw new IllegalArgumentException("Invalid grid layout: width=" + width + ", height=" + height
                    + ", columns=" + columns + ", scale=" + scale + ", gap=" + gap
                    + "; expected a positive size, columns and scale, and a gap of 0 or more");
        }
        int rows = (pictures.size() + columns - 1) / columns;
        int usedColumns = Math.min(columns, pictures.size());
        int sheetWidth = gap + usedColumns * (width * scale + gap);
        int sheetHeight = gap + rows * (height * scale + gap);
        BufferedImage sheet = new BufferedImage(sheetWidth, sheetHeight, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < sheetHeight; y++) {
            for (int x = 0; x < sheetWidth; x++) {
                sheet.setRGB(x, y, GAP_RGB);
            }
        }
        for (int i = 0; i < pictures.size(); i++) {
            BufferedImage tile = PictureCodec.toImage(pictures.get(i), width, height);
            int left = gap + (i % columns) * (width * scale + gap);
            int top = gap + (i / columns) * (height * scale + gap);
            for (int y = 0; y < height * scale; y++) {
                for (int x = 0; x < width * scale; x++) {
                    sheet.setRGB(left + x, top + y, tile.getRGB(x / scale, y / scale));
                }
            }
        }
        return sheet;
    }

    /** Tiles pictures as {@link #tile} does and writes the grid as a PNG file. */
    public static void write(List<float[]> pictures, int width, int height, int columns, int scale, Path file)
            throws IOException {
        PictureCodec.writePng(tile(pictures, width, height, columns, scale, scale), file);
    }
}
