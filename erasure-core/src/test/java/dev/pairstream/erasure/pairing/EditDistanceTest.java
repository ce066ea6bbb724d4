package dev.pairstream.erasure.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EditDistanceTest {

    @ParameterizedTest
    @CsvSource({
        "kitten, sitting, 3",
        "flaw, lawn, 2",
        "knife, spoon, 5",
        "'', abc, 3",
        "abc, '', 3",
        "same, same, 0",
        "abX, Xab, 2"
    })
    void knownDistances(String source, String target, int expected) {
        assertEquals(expected, EditDistance.levenshtein(source, target));
    }

    @Test
    void emojiCountsAsOneCharacter() {
        // Given: two emoji outside the Basic Multilingual Plane, two UTF-16 chars each
        String knife = "a \uD83D\uDD2A";
        String spoon = "a \uD83E\uDD44";

        // When / Then
        assertEquals(1, EditDistance.levenshtein(knife, spoon));
    }

    @Test
    void randomPairsAgreeWithQuadraticReference() {
        // Given: a small alphabet, so the strings share many characters and alignments are not obvious
        SplittableRandom random = new SplittableRandom(42);
        for (int trial = 0; trial < 2000; trial++) {
            String source = randomText(random, random.nextInt(0, 40));
            String target = random.nextBoolean() ? randomText(random, random.nextInt(0, 40))
                    : mutate(random, source, random.nextInt(0, 6));

            // When
            int distance = EditDistance.levenshtein(source, target);

            // Then
            assertEquals(Levenshtein.naive(source, target), distance, "\"" + source + "\" -> \"" + target + "\"");
        }
    }

    @Test
    void longTextsWithFewEditsAreFast() {
        // Given: 200,000 chars with three edits far apart
        SplittableRandom random = new SplittableRandom(7);
        String source = randomText(random, 200_000);
        StringBuilder target = new StringBuilder(source);
        target.setCharAt(10, source.charAt(10) == 'a' ? 'b' : 'a');
        target.deleteCharAt(100_000);
        target.insert(150_000, 'z');

        // When
        int distance = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> EditDistance.levenshtein(source, target.toString()));

        // Then
        assertEquals(3, distance);
    }

    private static String randomText(SplittableRandom random, int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append("abcd ".charAt(random.nextInt(5)));
        }
        return text.toString();
    }

    private static String mutate(SplittableRandom random, String text, int edits) {
        StringBuilder mutated = new StringBuilder(text);
        for (int i = 0; i < edits; i++) {
            int at = random.nextInt(mutated.length() + 1);
            switch (random.nextInt(3)) {
                case 0 -> mutated.insert(at, 'x');
                case 1 -> {
                    if (at < mutated.length()) {
                        mutated.deleteCharAt(at);
                    }
                }
                default -> {
                    if (at < mutated.length()) {
                        mutated.setCharAt(at, 'y');
                    }
                }
            }
        }
        return mutated.toString();
    }
}
