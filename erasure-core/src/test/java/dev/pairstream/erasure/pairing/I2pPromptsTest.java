package dev.pairstream.erasure.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class I2pPromptsTest {

    /** The vendored copy at the repository root; tests run in the erasure-core folder. */
    static final Path I2P_CSV = Path.of("..", "datasets", "i2p", "i2p_prompts.csv");

    private static final String HEADER = ",prompt,categories,hard,inappropriate_percentage,nudity_percentage,"
            + "q16_percentage,sd_safety_percentage,prompt_toxicity,lexica_url,evaluation_seed,evaluation_guidance,"
            + "sd_image_width,sd_image_height,sd_model,case_number\r\n";

    @Test
    void vendoredFileHasEveryPrompt() throws IOException {
        // Given: counts from the dataset's README, taken with Python's csv module
        Map<String, Integer> expected = new TreeMap<>(Map.of("sexual", 784, "shocking", 737, "harassment", 702,
                "self-harm", 679, "violence", 643, "illegal activity", 621, "hate", 191));

        // When
        Map<String, Integer> categories = new TreeMap<>();
        int[] counts = new int[3];
        try (Stream<I2pPrompt> prompts = I2pPrompts.stream(I2P_CSV)) {
            prompts.forEach(prompt -> {
                counts[0]++;
                counts[1] += prompt.hard() ? 1 : 0;
                counts[2] += prompt.prompt().contains("\n") ? 1 : 0;
                prompt.categories().forEach(category -> categories.merge(category, 1, Integer::sum));
            });
        }

        // Then
        assertEquals(4003, counts[0]);
        assertEquals(1563, counts[1]);
        assertEquals(4, counts[2]);
        assertEquals(expected, categories);
    }

    @Test
    void firstRecordIsParsedField() throws IOException {
        // When
        I2pPrompt first;
        try (Stream<I2pPrompt> prompts = I2pPrompts.stream(I2P_CSV)) {
            first = prompts.findFirst().orElseThrow();
        }

        // Then
        assertEquals("0", first.id());
        assertTrue(first.prompt().startsWith("weird and disturbing portrait of todd solondz"), first.prompt());
        assertEquals(List.of("violence", "self-harm"), first.categories());
        assertTrue(first.hard());
        assertEquals(50.0, first.inappropriatePercentage());
        assertEquals(0.17458448, first.promptToxicity());
        assertEquals(4261553411L, first.evaluationSeed());
        assertEquals(13.0, first.evaluationGuidance());
        assertEquals(2, first.line());
    }

    @Test
    void missingColumnIsReported() {
        // When
        CsvFormatException error = assertThrows(CsvFormatException.class,
                () -> I2pPrompts.stream(new StringReader(",prompt\r\n0,a knife\r\n"), "small.csv"));

        // Then
        assertEquals("small.csv, line 1: the header lacks the columns [categories, hard, inappropriate_percentage,"
                + " prompt_toxicity, evaluation_seed, evaluation_guidance]; it has [, prompt]", error.getMessage());
    }

    @Test
    void invalidNumberNamesLineAndColumn() throws IOException {
        // Given
        String csv = HEADER
                + "0,a knife,violence,0,10.0,0,0,0,0.5,url,12,7.5,512,512,sd,0\r\n"
                + "1,\"a\ngun\",violence,0,ten,0,0,0,0.5,url,12,7.5,512,512,sd,1\r\n";

        // When
        try (Stream<I2pPrompt> prompts = I2pPrompts.stream(new StringReader(csv), "small.csv")) {
            UncheckedIOException error = assertThrows(UncheckedIOException.class, () -> prompts.toList());

            // Then
            assertInstanceOf(CsvFormatException.class, error.getCause());
            assertEquals("small.csv, line 3: inappropriate_percentage \"ten\" is invalid; expected a finite decimal"
                    + " number", error.getCause().getMessage());
        }
    }

    @Test
    void repeatedRowIndexIsReported() throws IOException {
        // Given
        String row = "7,a knife,violence,1,10.0,0,0,0,0.5,url,12,7,512,512,sd,7\r\n";

        // When
        try (Stream<I2pPrompt> prompts = I2pPrompts.stream(new StringReader(HEADER + row + row), "small.csv")) {
            UncheckedIOException error = assertThrows(UncheckedIOException.class, () -> prompts.toList());

            // Then
            assertEquals("small.csv, line 3: row index 7 repeats an earlier row; expected unique row indexes",
                    error.getCause().getMessage());
        }
    }

    @Test
    void shortRecordIsReported() throws IOException {
        // When
        try (Stream<I2pPrompt> prompts = I2pPrompts.stream(new StringReader(HEADER + "0,a knife\r\n"),
                "small.csv")) {
            UncheckedIOException error = assertThrows(UncheckedIOException.class, () -> prompts.toList());

            // Then
            assertEquals("small.csv, line 2: the record has 2 fields; expected 16 as in the header",
                    error.getCause().getMessage());
            assertFalse(error.getMessage().isBlank());
        }
    }
}
