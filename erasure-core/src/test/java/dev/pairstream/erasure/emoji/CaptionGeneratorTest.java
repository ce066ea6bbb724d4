package dev.pairstream.erasure.emoji;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CaptionGeneratorTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();

    private static List<String> captions(long seed, CaptionSplit templates, CaptionSplit phrases, int count) {
        SceneSampler sampler = new SceneSampler(CATALOG, seed);
        CaptionGenerator generator = new CaptionGenerator(CATALOG, seed);
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Role role = Role.values()[i % 3];
            captions.add(generator.caption(sampler.sample(role), templates, phrases));
        }
        return captions;
    }

    /** Turns a template into a pattern that matches any filling of it. */
    private static Pattern templatePattern(String template) {
        String[] parts = template.split("\\{[a-z]+\\}", -1);
        StringBuilder regex = new StringBuilder("^");
        for (int i = 0; i < parts.length; i++) {
            regex.append(Pattern.quote(parts[i]));
            if (i < parts.length - 1) {
                regex.append(".+?");
            }
        }
        return Pattern.compile(regex.append("$").toString());
    }

    private static boolean matchesAny(String caption, List<String> templates) {
        return templates.stream().anyMatch(t -> templatePattern(t).matcher(caption).matches());
    }

    @Test
    void templateSplitsNeverOverlap() {
        // Given
        List<String> train = captions(7, CaptionSplit.TRAIN, CaptionSplit.TRAIN, 600);
        List<String> heldOut = captions(7, CaptionSplit.HELD_OUT, CaptionSplit.HELD_OUT, 600);

        // When / Then
        for (String caption : train) {
            assertTrue(matchesAny(caption, CATALOG.trainTemplates()), caption);
            assertThat(matchesAny(caption, CATALOG.heldOutTemplates())).as(caption).isFalse();
        }
        for (String caption : heldOut) {
            assertTrue(matchesAny(caption, CATALOG.heldOutTemplates()), caption);
            assertThat(matchesAny(caption, CATALOG.trainTemplates())).as(caption).isFalse();
        }
    }

    @Test
    void trainCaptionsAvoidHeldOutPhrases() {
        // Given
        List<String> train = captions(11, CaptionSplit.TRAIN, CaptionSplit.TRAIN, 3000);

        // When / Then
        for (Concept concept : CATALOG.concepts()) {
            for (String phrase : concept.heldOutPhrases()) {
                Pattern word = Pattern.compile("(^|[ ,])" + Pattern.quote(phrase) + "($|[ ,])");
                for (String caption : train) {
                    assertThat(word.matcher(caption).find()).as(phrase + " in " + caption).isFalse();
                }
            }
        }
    }

    @Test
    void heldOutPhrasesNameUnsafeConcepts() {
        // Given
        CaptionGenerator generator = new CaptionGenerator(CATALOG, 3);
        Scene scene = new Scene("pistol", "red", "small", "centre");
        Set<String> seen = new HashSet<>();

        // When
        for (int i = 0; i < 200; i++) {
            String caption = generator.caption(scene, CaptionSplit.TRAIN, CaptionSplit.HELD_OUT);
            seen.add(List.of("firearm", "sidearm", "six-shooter").stream().filter(caption::contains).findFirst()
                    .orElse("none: " + caption));
        }

        // Then
        assertEquals(Set.of("firearm", "sidearm", "six-shooter"), seen);
    }

    @ParameterizedTest
    @CsvSource({
            "axe, an", "orange, an", "apple, an", "elephant, an", "evergreen, an", "umbrella, an", "ax, an",
            "banana, a", "pistol, a", "large, a", "unicorn, a", "user, a", "one-finger, a", "euro, a",
            "hour, an", "honest, an", "hammer, a", "Orange, an"})
    void articleFollowsTheFirstSound(String word, String article) {
        // Given / When / Then
        assertEquals(article, CaptionGenerator.indefiniteArticle(word));
    }

    @Test
    void articlesAgreeWithTheWordAfterThem() {
        // Given / When / Then
        assertEquals("an axe on an orange background in the centre",
                CaptionGenerator.fill("{a} {object} on {a} {colour} background in the {position}", "axe", "orange",
                        "small", "centre"));
        assertEquals("a large axe on a red background",
                CaptionGenerator.fill("{a} {size} {object} on {a} {colour} background", "axe", "red", "large",
                        "centre"));
        assertEquals("a one-finger salute drawn over plain grey",
                CaptionGenerator.fill("{a} {object} drawn over plain {colour}", "one-finger salute", "grey", "big",
                        "top left"));
    }

    @Test
    void generatedCaptionsUseRightArticle() {
        // Given: in this catalog no vowel-initial word takes "a" except "one-finger", and no consonant-initial
        // word takes "an"
        List<String> all = new ArrayList<>(captions(5, CaptionSplit.TRAIN, CaptionSplit.TRAIN, 2000));
        all.addAll(captions(5, CaptionSplit.HELD_OUT, CaptionSplit.HELD_OUT, 2000));
        Pattern wrongA = Pattern.compile("\\ba (?!one-)[aeiou]");
        Pattern wrongAn = Pattern.compile("\\ban [^aeiou]");

        // When / Then
        for (String caption : all) {
            assertThat(wrongA.matcher(caption).find()).as(caption).isFalse();
            assertThat(wrongAn.matcher(caption).find()).as(caption).isFalse();
            assertThat(caption).doesNotContain("{", "}", "\0", "  ");
        }
        assertTrue(all.stream().anyMatch(c -> c.contains("an axe") || c.contains("an orange")), "an is used");
    }

    @Test
    void sameSeedGivesSameCaptions() {
        // Given / When
        List<String> first = captions(42, CaptionSplit.TRAIN, CaptionSplit.TRAIN, 50);
        List<String> second = captions(42, CaptionSplit.TRAIN, CaptionSplit.TRAIN, 50);
        List<String> other = captions(43, CaptionSplit.TRAIN, CaptionSplit.TRAIN, 50);

        // Then
        assertEquals(first, second);
        assertNotEquals(first, other);
    }

    @Test
    void captionsVary() {
        // Given
        CaptionGenerator generator = new CaptionGenerator(CATALOG, 9);
        Scene scene = new Scene("beer_mug", "purple", "large", "top_right");
        Set<String> distinct = new HashSet<>();

        // When
        for (int i = 0; i < 300; i++) {
            distinct.add(generator.caption(scene, CaptionSplit.TRAIN));
        }

        // Then: 8 templates, 5 phrases, 2 colour words, 2 size words, 3 position words
        assertThat(distinct.size()).isGreaterThan(100);
        assertThat(distinct).allSatisfy(caption -> assertThat(caption).containsAnyOf("beer", "tankard"));
    }

    @Test
    void splitGeneratorsAreReproducible() {
        // Given
        Scene scene = new Scene("bomb", "green", "small", "centre");

        // When
        CaptionGenerator first = new CaptionGenerator(CATALOG, 1).split();
        CaptionGenerator second = new CaptionGenerator(CATALOG, 1).split();

        // Then
        for (int i = 0; i < 20; i++) {
            assertEquals(first.caption(scene, CaptionSplit.TRAIN), second.caption(scene, CaptionSplit.TRAIN));
        }
    }
}
