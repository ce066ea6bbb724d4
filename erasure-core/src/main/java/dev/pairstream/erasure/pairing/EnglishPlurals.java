package dev.pairstream.erasure.pairing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plural forms of the singular countable noun phrases of the catalog.
 *
 * <p>The plural goes on the head noun: the word before the first {@code of}, {@code with} or {@code and} ("pairs
 * of swords", "cups with straw", "skulls and crossbones"), otherwise the last word ("kitchen knives"). The head
 * takes an irregular form from a small explicit table ("knife" to "knives") or the regular rules: {@code -es}
 * after s, x, z, ch and sh, {@code -ies} after a consonant and y, {@code -s} otherwise. A head that already ends
 * in a consonant and s, such as "swords", is taken to be plural already, so the phrase has no other plural form.
 * The rules cover the catalog's phrases and common English nouns, not every word of the language.
 */
final class EnglishPlurals {

    /** Head nouns whose plural the regular rules get wrong; the first form is the one {@link #pluralOf} writes. */
    private static final Map<String, List<String>> IRREGULAR_NOUNS = Map.ofEntries(
            Map.entry("knife", List.of("knives")),
            Map.entry("wife", List.of("wives")),
            Map.entry("life", List.of("lives")),
            Map.entry("leaf", List.of("leaves")),
            Map.entry("loaf", List.of("loaves")),
            Map.entry("half", List.of("halves")),
            Map.entry("shelf", List.of("shelves")),
            Map.entry("wolf", List.of("wolves")),
            Map.entry("thief", List.of("thieves")),
            Map.entry("man", List.of("men")),
            Map.entry("woman", List.of("women")),
            Map.entry("child", List.of("children")),
            Map.entry("foot", List.of("feet")),
            Map.entry("tooth", List.of("teeth")),
            Map.entry("goose", List.of("geese")),
            Map.entry("mouse", List.of("mice")),
            Map.entry("person", List.of("people")),
            Map.entry("lens", List.of("lenses")),
            Map.entry("cactus", List.of("cacti", "cactuses")),
            Map.entry("cranium", List.of("crania", "craniums")),
            Map.entry("sarcophagus", List.of("sarcophagi", "sarcophaguses")),
            Map.entry("stiletto", List.of("stilettos", "stilettoes")),
            Map.entry("potato", List.of("potatoes")),
            Map.entry("tomato", List.of("tomatoes")),
            Map.entry("hero", List.of("heroes")),
            Map.entry("torpedo", List.of("torpedoes")),
            Map.entry("fish", List.of("fish")),
            Map.entry("sheep", List.of("sheep")),
            Map.entry("deer", List.of("deer")));

    /** Whole phrases that the head-noun rule gets wrong and that read the same in the plural. */
    private static final Set<String> INVARIANT_PHRASES = Set.of("thumbs up");

    private static final List<String> HEAD_CONNECTORS = List.of("of", "with", "and");

    private EnglishPlurals() {
    }

    /**
     * Returns the plural forms of a lower-case phrase, the one {@link #pluralOf} writes first. The list is empty
     * when the phrase reads the same in the plural.
     */
    static List<String> pluralForms(String phrase) {
        if (INVARIANT_PHRASES.contains(phrase)) {
            return List.of();
        }
        String[] words = phrase.split(" ");
        int head = headIndex(words);
        List<String> forms = new ArrayList<>();
        for (String headPlural : pluralsOfWord(words[head])) {
            String[] plural = Arrays.copyOf(words, words.length);
            plural[head] = headPlural;
            String form = String.join(" ", plural);
            if (!form.equals(phrase) && !forms.contains(form)) {
                forms.add(form);
            }
        }
        return List.copyOf(forms);
    }

    /** Returns the plural of a lower-case phrase, or the phrase itself when it reads the same in the plural. */
    static String pluralOf(String phrase) {
        List<String> forms = pluralForms(phrase);
        return forms.isEmpty() ? phrase : forms.get(0);
    }

    private static int headIndex(String[] words) {
        for (int i = 1; i < words.length; i++) {
            if (HEAD_CONNECTORS.contains(words[i])) {
                return i - 1;
            }
        }
        return words.length - 1;
    }

    private static List<String> pluralsOfWord(String word) {
        // Only the last part of a hyphenated word changes: "six-shooter" becomes "six-shooters".
        int hyphen = word.lastIndexOf('-');
        String prefix = word.substring(0, hyphen + 1);
        String last = word.substring(hyphen + 1);
        List<String> irregular = IRREGULAR_NOUNS.get(last);
        if (irregular != null) {
            return irregular.stream().map(plural -> prefix + plural).toList();
        }
        return List.of(prefix + regularPlural(last));
    }

    private static String regularPlural(String word) {
        int length = word.length();
        if (length == 0) {
            return word;
        }
        char last = word.charAt(length - 1);
        char beforeLast = length > 1 ? word.charAt(length - 2) : ' ';
        if (last == 's') {
            // "bus", "glass", "iris" and "gas" are singular; "swords" and "crossbones" are plural already.
            return isVowel(beforeLast) || beforeLast == 's' ? word + "es" : word;
        }
        if (last == 'x' || last == 'z' || word.endsWith("ch") || word.endsWith("sh")) {
            return word + "es";
        }
        if (last == 'y' && length > 1 && !isVowel(beforeLast)) {
            return word.substring(0, length - 1) + "ies";
        }
        return word + "s";
    }

    private static boolean isVowel(char c) {
        return "aeiou".indexOf(c) >= 0;
    }
}
