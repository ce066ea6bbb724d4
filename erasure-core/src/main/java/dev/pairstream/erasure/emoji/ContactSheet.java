package dev.pairstream.erasure.emoji;

import java.awt.image.BufferedImage;
import java.util.List;

/** Tiles pictures into one image for looking at a data set by eye. */
public final class ContactSheet {

    /** Colour of the gaps between tiles: white. */
    private static final int GAP_RGB = 0xffffff;

    private ContactSheet() {
    }

    /**
     * Tiles pictures row by row, each enlarged {@code scale} times by pixel repetition, with {@code gap} white
     * pixels between and around tiles.
     *
     * @throws IllegalArgumentException when there are no pictures, their sizes differ, or a count is out of range
     */
    public static BufferedImage tile(List<RenderedPicture> pictures, int columns, int scale, int gap) {
        if (pictures.isEmpty()) {
            throw new IllegalArgumentException("No pictures to tile");
        }
        if (columns < 1 || scale < 1 || gap < 0) {
            throw new IllegalArgumentException("Invalid layout: columns=" + columns + ", scale=" + scale + ", gap="
                    + gap + "; expected columns and scale of at least 1 and a gap of 0 or more");
        }

        int tileWidth = pictures.get(0).width();
        int tileHeight = pictures.get(0).height();
        int rows = (pictures.size() + columns - 1) / columns;
        int usedColumns = Math.min(columns, pictures.size());
        int sheetWidth = gap + usedColumns * (tileWidth * scale + gap);
        int sheetHeight = gap + rows * (tileHeight * scale + gap);

        BufferedImage sheet = new BufferedImage(sheetWidth, sheetHeight, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < sheetHeight; y++) {
            for (int x = 0; x < sheetWidth; x++) {
                sheet.setRGB(x, y, GAP_RGB);
            }
        }

        for (int i = 0; i < pictures.size(); i++) {
            RenderedPicture picture = pictures.get(i);
            if (picture.width() != tileWidth || picture.height() != tileHeight) {
                throw new IllegalArgumentException("Picture " + i + " is " + picture.width() + "x"
                        + picture.height() + "; expected " + tileWidth + "x" + tileHeight + " like the first");
            }
            int left = gap + (i % columns) * (tileWidth * scale + gap);
            int top = gap + (i / columns) * (tileHeight * scale + gap);
            for (int y = 0; y < tileHeight * scale; y++) {
                for (int x = 0; x < tileWidth * scale; x++) {
                    sheet.setRGB(left + x, top + y, picture.rgb(x / scale, y / scale));
                }
            }
        }
        return sheet;
    }
}
