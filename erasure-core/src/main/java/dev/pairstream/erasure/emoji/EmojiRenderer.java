package dev.pairstream.erasure.emoji;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Draws the world's pictures: a plain background with one emoji, scaled by area averaging and alpha-composited at
 * a grid position.
 *
 * <p>All arithmetic is plain Java on int and double values, so the same scene gives the same pixels on every
 * machine; no AWT drawing is involved. Scaling averages premultiplied RGBA over the exact source area each output
 * pixel covers, in sRGB values as stored (not linear light), which is the usual practice for emoji and keeps
 * transparent edges free of dark fringes. Instances are thread-safe.
 */
public final class EmojiRenderer {

    private final ConceptCatalog catalog;
    private final Map<String, EmojiImage> images;
    private final Map<String, double[]> scaledImages = new ConcurrentHashMap<>();

    /**
     * Creates a renderer.
     *
     * @param images emoji images by concept id; square, of any size. Concepts without an image cannot be rendered.
     * @throws IllegalArgumentException when an image belongs to no catalog concept or is not square
     */
    public EmojiRenderer(ConceptCatalog catalog, Map<String, EmojiImage> images) {
        for (Map.Entry<String, EmojiImage> entry : images.entrySet()) {
            if (!catalog.hasConcept(entry.getKey())) {
                throw new IllegalArgumentException("Image given for \"" + entry.getKey() + "\", which is not a"
                        + " concept of catalog " + catalog.version());
            }
            EmojiImage image = entry.getValue();
            if (image.width() != image.height()) {
                throw new IllegalArgumentException("The image of \"" + entry.getKey() + "\" is " + image.width()
                        + "x" + image.height() + "; expected a square image");
            }
        }
        this.catalog = catalog;
        this.images = Map.copyOf(images);
    }

    /**
     * Renders a scene.
     *
     * @throws java.util.NoSuchElementException when an id of the scene is not in the catalog
     * @throws IllegalArgumentException         when the renderer has no image for the concept
     */
    public RenderedPicture render(Scene scene) {
        catalog.concept(scene.conceptId());
        Colour colour = catalog.colour(scene.colourId());
        ObjectSize size = catalog.size(scene.sizeId());
        GridPosition position = catalog.position(scene.positionId());
        EmojiImage image = images.get(scene.conceptId());
        if (image == null) {
            throw new IllegalArgumentException("No image for concept \"" + scene.conceptId() + "\"; the renderer"
                    + " has images for " + images.keySet());
        }
        Canvas canvas = catalog.canvas();
        Box box = layout(size, position);
        double[] emoji = scaledImages.computeIfAbsent(scene.conceptId() + "@" + size.pixels(),
                key -> Resampler.scalePremultiplied(image, size.pixels()));
        float[] values = composite(canvas, colour, box, emoji);
        return new RenderedPicture(scene, box, canvas.width(), canvas.height(), values);
    }

    /**
     * Returns where an emoji of the given size goes: centred on the grid cell's centre, then shifted as little as
     * needed to stay inside the canvas margins.
     */
    public Box layout(ObjectSize size, GridPosition position) {
        Canvas canvas = catalog.canvas();
        int x0 = place(canvas.width(), canvas.gridColumns(), position.column(), size.pixels(), canvas.margin());
        int y0 = place(canvas.height(), canvas.gridRows(), position.row(), size.pixels(), canvas.margin());
        return new Box(x0, y0, x0 + size.pixels(), y0 + size.pixels());
    }

    private static int place(int extent, int cells, int cell, int pixels, int margin) {
        double centre = (cell + 0.5) * extent / cells;
        long start = Math.round(centre - pixels / 2.0);
        return (int) Math.max(margin, Math.min(extent - margin - pixels, start));
    }

    /** Fills the background and composites the premultiplied emoji over it: out = emoji + background x (1 - alpha). */
    private static float[] composite(Canvas canvas, Colour colour, Box box, double[] emoji) {
        int width = canvas.width();
        int height = canvas.height();
        int plane = width * height;
        int[] background = {colour.red(), colour.green(), colour.blue()};
        float[] values = new float[3 * plane];
        for (int channel = 0; channel < 3; channel++) {
            Arrays.fill(values, channel * plane, (channel + 1) * plane,
                    PictureCodec.toValue(background[channel]));
        }
        int side = box.width();
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int source = 4 * (y * side + x);
                double alpha = emoji[source + 3];
                int target = (box.y0() + y) * width + box.x0() + x;
                for (int channel = 0; channel < 3; channel++) {
                    double composed = emoji[source + channel] + background[channel] / 255.0 * (1.0 - alpha);
                    int level = (int) Math.max(0, Math.min(255, Math.round(composed * 255.0)));
                    values[channel * plane + target] = PictureCodec.toValue(level);
                }
            }
        }
        return values;
    }
}
