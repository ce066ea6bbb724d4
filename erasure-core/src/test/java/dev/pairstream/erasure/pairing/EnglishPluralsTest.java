package dev.pairstream.erasure.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EnglishPluralsTest {

    @ParameterizedTest
    @CsvSource({
        "knife, knives",
        "kitchen knife, kitchen knives",
        "chef's knife, chef's knives",
        "gun, guns",
        "axe, axes",
        "ax, axes",
        "glass of milk, glasses of milk",
        "pair of chopsticks, pairs of chopsticks",
        "cup with straw, cups with straw",
        "skull and crossbones, skulls and crossbones",
        "reversed hand with middle finger extended, reversed hands with middle finger extended",
        "candy, candies",
        "smiley, smileys",
        "torch, torches",
        "bus, buses",
        "six-shooter, six-shooters",
        "roll-up, roll-ups",
        "hocho, hochos",
        "cranium, crania",
        "thumbs up, thumbs up",
        "thumbs up sign, thumbs up signs",
        "crossed swords, crossed swords",
        "fish, fish"
    })
    void pluralOfPhrase(String singular, String plural) {
        assertEquals(plural, EnglishPlurals.pluralOf(singular));
    }

    @Test
    void alternativeFormsFollowTheWrittenOne() {
        assertEquals(List.of("stilettos", "stilettoes"), EnglishPlurals.pluralForms("stiletto"));
        assertEquals(List.of("sarcophagi", "sarcophaguses"), EnglishPlurals.pluralForms("sarcophagus"));
    }

    @Test
    void invariantPhraseHasNoPluralForm() {
        assertEquals(List.of(), EnglishPlurals.pluralForms("thumbs up"));
        assertEquals(List.of(), EnglishPlurals.pluralForms("crossed swords"));
        assertEquals(List.of(), EnglishPlurals.pluralForms("fish"));
    }
}
