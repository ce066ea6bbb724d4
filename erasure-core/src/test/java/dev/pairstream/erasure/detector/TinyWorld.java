package dev.pairstream.erasure.detector;

import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.EmojiImage;
import dev.pairstream.erasure.emoji.EmojiRenderer;
import dev.pairstream.erasure.emoji.Scene;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A few concepts of the default catalog drawn as synthetic 64x64 shapes, so that training tests need neither the
 * emoji download nor more than a handful of scenes.
 */
final class TinyWorld {

    static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();

    /** The concepts that have a synthetic image: a black square, a white disc, a dark bar and a light cross. */
    static final List<String> CONCEPTS = List.of("pistol", "spoon", "banana", "car");

    private TinyWorld() {
    }

    /** Returns a renderer that draws the four synthetic concepts. */
    static EmojiRenderer renderer() {
        return new EmojiRenderer(CATALOG, Map.of(
                "pistol", image((x, y) -> x >= 12 && x < 52 && y >= 12 && y < 52, 0xff101010),
                "spoon", image((x, y) -> (x - 32) * (x - 32) + (y - 32) * (y - 32) < 24 * 24, 0xfff0f0f0),
                "banana", image((x, y) -> y >= 24 && y < 40, 0xff302080),
                "car", image((x, y) -> (x >= 26 && x < 38) || (y >= 26 && y < 38), 0xffe0e0a0)));
    }

    /** Returns 16 scenes: each synthetic concept on two colours at two positions, medium size. */
    static List<Scene> scenes() {
        List<Scene> scenes = new ArrayList<>();
        for (String concept : CONCEPTS) {
            for (String colour : List.of("red", "green")) {
                for (String position : List.of("top_left", "centre")) {
                    scenes.add(new Scene(concept, colour, "medium", position));
                }
            }
        }
        return scenes;
    }

    /** Returns a small network: stages of 4 and 8 channels. */
    static DetectorArchitecture architecture() {
        return new DetectorArchitecture(32, 3, List.of(4, 8), 3, 1e-5, 0.1);
    }

    /** Which pixels of a 64x64 image the shape covers. */
    @FunctionalInterface
    interface Shape {
        boolean covers(int x, int y);
    }

    private static EmojiImage image(Shape shape, int argb) {
        int[] pixels = new int[64 * 64];
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                pixels[y * 64 + x] = shape.covers(x, y) ? argb : 0;
            }
        }
        return EmojiImage.of(64, 64, pixels);
    }
}
