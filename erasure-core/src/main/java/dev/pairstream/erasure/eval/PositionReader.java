package dev.pairstream.erasure.eval;

import dev.pairstream.erasure.emoji.Box;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.EmojiRenderer;
import dev.pairstream.erasure.emoji.GridPosition;
import dev.pairstream.erasure.emoji.ObjectSize;
import java.util.Map;
import java.util.Objects;

/**
 * Decides which grid position an object box shows, without a detector: the position whose rendered box, at the
 * prompted size, has its centre nearest to the measured box's centre.
 *
 * <p>Comparing with rendered boxes instead of the plain thirds of the canvas matters for large objects. The renderer
 * keeps every emoji inside the margin, so a 20-pixel emoji in a left cell spans columns 1 to 21 and centres at
 * 11, which lies in the middle third of a 32-pixel canvas.
 */
public final class PositionReader {

    private final ConceptCatalog catalog;
    private final EmojiRenderer layout;

    /** Creates a reader for the catalog's canvas, grid and sizes. */
    public PositionReader(ConceptCatalog catalog) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        // Only the renderer's layout arithmetic is used, which needs no emoji image.
        this.layout = new EmojiRenderer(catalog, Map.of());
    }

    /** Returns the grid position whose box at {@code size} is centred nearest to the centre of {@code box}. */
    public GridPosition nearestPosition(Box box, ObjectSize size) {
        double centreX = (box.x0() + box.x1()) / 2.0;
        double centreY = (box.y0() + box.y1()) / 2.0;
        GridPosition nearest = null;
        double nearestDistance = Double.POSITIVE_INFINITY;
        for (GridPosition position : catalog.positions()) {
            Box expected = layout.layout(size, position);
            double dx = (expected.x0() + expected.x1()) / 2.0 - centreX;
            double dy = (expected.y0() + expected.y1()) / 2.0 - centreY;
            double distance = dx * dx + dy * dy;
            if (distance < nearestDistance) {
                nearest = position;
                nearestDistance = distance;
            }
        }
        return nearest;
    }

    /**
     * Returns whether the centre of {@code box} falls in the grid cell of {@code position}, with the canvas cut into
     * equal thirds (or as many parts as the grid has). Large objects in edge cells fail this test even when drawn
     * exactly where the renderer puts them; see the class comment.
     */
    public boolean centreInCell(Box box, GridPosition position) {
        int width = catalog.canvas().width();
        int height = catalog.canvas().height();
        double centreX = (box.x0() + box.x1()) / 2.0;
        double centreY = (box.y0() + box.y1()) / 2.0;
        int column = (int) Math.min(catalog.canvas().gridColumns() - 1,
                Math.floor(centreX * catalog.canvas().gridColumns() / width));
        int row = (int) Math.min(catalog.canvas().gridRows() - 1,
                Math.floor(centreY * catalog.canvas().gridRows() / height));
        return column == position.column() && row == position.row();
    }
}
