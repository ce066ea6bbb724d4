package dev.pairstream.erasure.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.Role;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every caption the catalog can write for an unsafe concept gets a safe counterpart. */
class EmojiWorldPairingTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();

    @Test
    void everyUnsafeCaptionIsRewritten() {
        // Given
        SafeCounterpartWriter writer = new SafeCounterpartWriter(new ConceptMatcher(CATALOG));
        List<Pattern> unsafeTerms = unsafeTermPatterns();
        int expectedCaptions = 0;
        for (Concept concept : CATALOG.concepts(Role.UNSAFE)) {
            Set<String> phrases = new LinkedHashSet<>(concept.trainingPhrases());
            phrases.addAll(concept.heldOutPhrases());
            expectedCaptions += phrases.size() * (CATALOG.trainTemplates().size() + CATALOG.heldOutTemplates().size());
        }

        // When
        List<String> failures = new ArrayList<>();
        int captions = 0;
        for (Concept concept : CATALOG.concepts(Role.UNSAFE)) {
            String anchorPhrase = CATALOG.anchorOf(concept.id()).shortNames().get(0);
            for (CatalogCaptions.Caption caption : CatalogCaptions.of(CATALOG, concept.id())) {
                captions++;
                SafeRewrite rewrite = writer.write(caption.text());
                // The caption the catalog would write with the anchor's phrase in place of the unsafe one.
                String expected = CatalogCaptions.fill(caption.template(), anchorPhrase, caption.colour(),
                        caption.size(), caption.position());
                if (!rewrite.isRewritten()) {
                    failures.add(caption.text() + " -> " + rewrite.status() + ": " + rewrite.reason());
                } else if (!rewrite.safePrompt().equals(expected)) {
                    failures.add(caption.text() + " -> \"" + rewrite.safePrompt() + "\", expected \"" + expected
                            + "\"");
                } else if (!List.of(concept.id()).equals(rewrite.conceptIds())) {
                    failures.add(caption.text() + " -> concepts " + rewrite.conceptIds());
                }
                String safe = rewrite.isRewritten() ? rewrite.safePrompt().toLowerCase(Locale.ROOT) : "";
                for (Pattern term : unsafeTerms) {
                    if (term.matcher(safe).find()) {
                        failures.add(caption.text() + " -> \"" + rewrite.safePrompt() + "\" still contains "
                                + term.pattern());
                    }
                }
            }
        }

        // Then
        assertEquals(expectedCaptions, captions);
        assertEquals(List.of(), failures, failures.size() + " of " + captions + " captions failed");
    }

    /** Builds one whole-word pattern per singular catalog term of every unsafe concept, independent of TermIndex. */
    private static List<Pattern> unsafeTermPatterns() {
        List<Pattern> patterns = new ArrayList<>();
        for (Concept concept : CATALOG.concepts(Role.UNSAFE)) {
            Set<String> terms = new LinkedHashSet<>(concept.trainingPhrases());
            terms.addAll(concept.heldOutPhrases());
            terms.add(concept.unicodeName().toLowerCase(Locale.ROOT));
            for (String term : terms) {
                patterns.add(Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(term) + "(?![\\p{L}\\p{N}])"));
            }
        }
        return patterns;
    }
}
