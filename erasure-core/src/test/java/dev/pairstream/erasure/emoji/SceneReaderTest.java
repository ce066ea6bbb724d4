package dev.pairstream.erasure.emoji;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SceneReaderTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();

    private static EmojiRenderer solidRenderer(int argb) {
        int[] pixels = new int[64 * 64];
        Arrays.fill(pixels, argb);
        return new EmojiRenderer(CATALOG, Map.of("bomb", EmojiImage.of(64, 64, pixels)));
    }

    @Test
    void readsBackEveryColourAndBox() {
        // Given: a black emoji, far from every background colour
        EmojiRenderer renderer = solidRenderer(0xff000000);
        SceneReader reader = new SceneReader(CATALOG);

        for (Colour colour : CATALOG.colours()) {
            for (GridPosition position : CATALOG.positions()) {
                // When
                RenderedPicture picture = renderer.render(new Scene("bomb", colour.id(), "medium", position.id()));

                // Then
                assertEquals(colour, reader.backgroundColour(picture), colour.id() + " " + position.id());
                assertEquals(Optional.of(picture.box()), reader.objectBox(picture), colour.id() + " " + position.id());
            }
        }
    }

    @Test
    void backgroundReadingSurvivesNoise() {
        // Given: the blue background (40, 90, 210) shifted by up to 20 per channel, and a few border pixels white
        float[] values = new float[3 * 32 * 32];
        int[] blue = {40, 90, 210};
        for (int channel = 0; channel < 3; channel++) {
            for (int i = 0; i < 1024; i++) {
                int level = blue[channel] + ((i * 7 + channel * 3) % 41) - 20;
                values[channel * 1024 + i] = level / 127.5f - 1f;
            }
        }
        for (int x = 0; x < 10; x++) {
            for (int channel = 0; channel < 3; channel++) {
                values[channel * 1024 + x] = 1f;
            }
        }

        // When
        SceneReader.BackgroundReading reading = new SceneReader(CATALOG).readBackground(values);

        // Then
        assertEquals("blue", reading.colour().id());
        assertThat(reading.distance()).isLessThan(30.0);
    }

    @Test
    void plainBackgroundHasNoObject() {
        // Given
        float[] values = new float[3 * 32 * 32];
        Arrays.fill(values, 0f);

        // When
        Optional<Box> box = new SceneReader(CATALOG).objectBox(values);

        // Then
        assertTrue(box.isEmpty());
    }

    @Test
    void wrongSizedPictureIsRejected() {
        // Given
        SceneReader reader = new SceneReader(CATALOG);

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> reader.backgroundColour(new float[100]));

        // Then
        assertThat(error.getMessage()).contains("3072").contains("100");
    }
}
