package dev.pairstream.erasure.emoji;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Renders synthetic emoji images whose expected pixels can be worked out by hand. */
class EmojiRendererTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();

    /** Opaque colour of the solid test emoji: 0xRRGGBB = (10, 200, 30). */
    private static final int SOLID_RGB = 0x0ac81e;

    @TempDir
    Path folder;

    private static EmojiImage solid(int argb) {
        int[] pixels = new int[64 * 64];
        Arrays.fill(pixels, argb);
        return EmojiImage.of(64, 64, pixels);
    }

    /** Transparent 64x64 image with an opaque square from (16, 16) to (48, 48) exclusive. */
    private static EmojiImage centredSquare(int rgb) {
        int[] pixels = new int[64 * 64];
        for (int y = 16; y < 48; y++) {
            for (int x = 16; x < 48; x++) {
                pixels[y * 64 + x] = 0xff000000 | rgb;
            }
        }
        return EmojiImage.of(64, 64, pixels);
    }

    private static EmojiRenderer renderer(EmojiImage image) {
        return new EmojiRenderer(CATALOG, Map.of("pistol", image));
    }

    private static int rgb(Colour colour) {
        return (colour.red() << 16) | (colour.green() << 8) | colour.blue();
    }

    @ParameterizedTest(name = "{0} {1} -> ({2},{3})-({4},{5})")
    @CsvSource({
            // size, position, x0, y0, x1, y1 worked out from 32-pixel canvas, 3x3 grid, 1-pixel margin
            "medium, centre, 8, 8, 24, 24",
            "large, centre, 6, 6, 26, 26",
            "small, centre, 10, 10, 22, 22",
            "small, top_left, 1, 1, 13, 13",
            "small, top_right, 19, 1, 31, 13",
            "large, bottom_right, 11, 11, 31, 31",
            "medium, middle_left, 1, 8, 17, 24",
            "medium, bottom_centre, 8, 15, 24, 31"})
    void objectBoxMatchesSizeAndPosition(String size, String position, int x0, int y0, int x1, int y1) {
        // Given
        EmojiRenderer renderer = renderer(solid(0xff000000 | SOLID_RGB));
        Box expected = new Box(x0, y0, x1, y1);

        // When
        RenderedPicture picture = renderer.render(new Scene("pistol", "blue", size, position));

        // Then
        assertEquals(expected, picture.box());
        assertEquals(expected, new SceneReader(CATALOG).objectBox(picture).orElseThrow());
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int want = expected.contains(x, y) ? SOLID_RGB : rgb(CATALOG.colour("blue"));
                assertEquals(want, picture.rgb(x, y), "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void cornersShowTheExactBackground() {
        // Given
        EmojiRenderer renderer = renderer(solid(0xff000000 | SOLID_RGB));

        for (Colour colour : CATALOG.colours()) {
            // When
            RenderedPicture picture = renderer.render(new Scene("pistol", colour.id(), "large", "top_left"));
            float[] values = picture.values();

            // Then
            float[] expected = {colour.red() / 127.5f - 1f, colour.green() / 127.5f - 1f, colour.blue() / 127.5f - 1f};
            for (int[] corner : new int[][] {{0, 0}, {31, 0}, {0, 31}, {31, 31}}) {
                int index = corner[1] * 32 + corner[0];
                for (int channel = 0; channel < 3; channel++) {
                    assertEquals(expected[channel], values[channel * 1024 + index],
                            colour.id() + " corner " + Arrays.toString(corner) + " channel " + channel);
                }
            }
        }
    }

    @Test
    void transparentPartsShowTheBackground() {
        // Given: 64 -> 16 pixels divides by 4, so the opaque square 16..48 lands exactly on 4..12 of the box
        EmojiRenderer renderer = renderer(centredSquare(0xc86432));

        // When
        RenderedPicture picture = renderer.render(new Scene("pistol", "green", "medium", "centre"));

        // Then
        assertEquals(new Box(8, 8, 24, 24), picture.box());
        assertEquals(new Box(12, 12, 20, 20), new SceneReader(CATALOG).objectBox(picture).orElseThrow());
        assertEquals(0xc86432, picture.rgb(12, 12));
        assertEquals(0xc86432, picture.rgb(19, 19));
        assertEquals(rgb(CATALOG.colour("green")), picture.rgb(11, 12));
        assertEquals(rgb(CATALOG.colour("green")), picture.rgb(8, 8));
    }

    @Test
    void halfTransparentPixelsBlend() {
        // Given: white at alpha 128 over red (215, 48, 39): out = 255 * 128/255 + c * 127/255, rounded
        EmojiRenderer renderer = renderer(solid(0x80ffffff));

        // When
        RenderedPicture picture = renderer.render(new Scene("pistol", "red", "small", "centre"));

        // Then: 128 + 107.08 = 235, 128 + 23.91 = 152, 128 + 19.42 = 147
        assertEquals((235 << 16) | (152 << 8) | 147, picture.rgb(16, 16));
        assertEquals(rgb(CATALOG.colour("red")), picture.rgb(9, 16));
    }

    @Test
    void downsamplingAveragesTheCoveredArea() {
        // Given: a one-pixel black and white checkerboard; every 4x4 block holds 8 white pixels
        int[] pixels = new int[64 * 64];
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                pixels[y * 64 + x] = (x + y) % 2 == 0 ? 0xffffffff : 0xff000000;
            }
        }
        EmojiRenderer renderer = renderer(EmojiImage.of(64, 64, pixels));

        // When
        RenderedPicture picture = renderer.render(new Scene("pistol", "blue", "medium", "centre"));

        // Then: each output pixel is grey 127.5, which rounds to 128
        for (int y = 8; y < 24; y++) {
            for (int x = 8; x < 24; x++) {
                assertEquals(0x808080, picture.rgb(x, y), "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void fractionalScaleKeepsColourExact() {
        // Given: 64 -> 12 and 64 -> 20 are not whole ratios
        EmojiRenderer renderer = renderer(solid(0xff000000 | SOLID_RGB));

        for (String size : new String[] {"small", "large"}) {
            // When
            RenderedPicture picture = renderer.render(new Scene("pistol", "pink", size, "centre"));

            // Then
            Box box = picture.box();
            for (int y = box.y0(); y < box.y1(); y++) {
                for (int x = box.x0(); x < box.x1(); x++) {
                    assertEquals(SOLID_RGB, picture.rgb(x, y), size + " pixel " + x + "," + y);
                }
            }
        }
    }

    @Test
    void renderingIsDeterministic() throws Exception {
        // Given
        EmojiImage image = centredSquare(0x123456);
        Scene scene = new Scene("pistol", "yellow", "large", "bottom_left");

        // When
        RenderedPicture first = renderer(image).render(scene);
        RenderedPicture second = renderer(image).render(scene);
        Path png = folder.resolve("first.png");
        first.writePng(png);

        // Then
        assertArrayEquals(first.values(), second.values());
        assertArrayEquals(first.toPng(), second.toPng());
        assertArrayEquals(first.toPng(), Files.readAllBytes(png));
        assertEquals(scene, first.scene());
    }

    @Test
    void valuesAreCentredInMinusOneToOne() {
        // Given
        EmojiRenderer renderer = renderer(solid(0xffffffff));

        // When
        float[] values = renderer.render(new Scene("pistol", "grey", "large", "centre")).values();

        // Then
        assertEquals(3 * 32 * 32, values.length);
        assertEquals(1f, values[16 * 32 + 16]);
        assertEquals(128 / 127.5f - 1f, values[0]);
        for (float value : values) {
            assertThat(value).isBetween(-1f, 1f);
        }
    }

    @Test
    void invalidInputIsRejected() {
        // Given
        EmojiImage wide = EmojiImage.of(2, 1, new int[2]);
        EmojiRenderer renderer = renderer(solid(0xff000000));

        // When / Then
        assertThat(assertThrows(IllegalArgumentException.class,
                () -> new EmojiRenderer(CATALOG, Map.of("pistol", wide))).getMessage()).contains("2x1");
        assertThat(assertThrows(IllegalArgumentException.class,
                () -> new EmojiRenderer(CATALOG, Map.of("unicorn", wide))).getMessage()).contains("\"unicorn\"");
        assertThat(assertThrows(IllegalArgumentException.class,
                () -> renderer.render(new Scene("bomb", "red", "small", "centre"))).getMessage()).contains("\"bomb\"");
        assertThrows(java.util.NoSuchElementException.class,
                () -> renderer.render(new Scene("pistol", "teal", "small", "centre")));
    }
}
