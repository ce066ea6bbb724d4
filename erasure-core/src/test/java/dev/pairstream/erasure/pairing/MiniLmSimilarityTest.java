package dev.pairstream.erasure.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The similarity fallback and the rewrite similarity with the real all-MiniLM-L6-v2 model, in one test. */
class MiniLmSimilarityTest {

    @Test
    void similarityFallbackWithRealModel() {
        try (MiniLmTextEncoder encoder = MiniLmTextEncoder.builder().intraOpThreads(1).build()) {
            // Given
            ConceptCatalog catalog = ConceptCatalog.loadDefault();
            ConceptMatcher matcher = new ConceptMatcher(catalog, encoder);
            SafeCounterpartWriter writer = new SafeCounterpartWriter(matcher, encoder);

            // When: a rifle is no catalog term, but close to the pistol
            ConceptMatch rifle = matcher.match("a picture of a rifle");
            ConceptMatch fruit = matcher.match("a bowl of fruit on a kitchen table");
            SafeRewrite noSpan = writer.write(rifle);
            SafeRewrite knife = writer.write("a kitchen knife on a blue background");

            // Then
            assertEquals(MatchOutcome.SEMANTIC, rifle.outcome());
            assertEquals("pistol", rifle.semanticMatches().get(0).conceptId());
            double expectedRifle = 0;
            for (String description : ConceptMatcher.descriptions(catalog.concept("pistol"))) {
                expectedRifle = Math.max(expectedRifle,
                        dot(encoder.sentenceEmbedding("a picture of a rifle"), encoder.sentenceEmbedding(description)));
            }
            assertEquals(expectedRifle, rifle.semanticMatches().get(0).similarity(), 1e-6);
            assertTrue(expectedRifle >= ConceptMatcher.DEFAULT_SIMILARITY_THRESHOLD, "rifle scored " + expectedRifle);

            assertEquals(MatchOutcome.UNMATCHED, fruit.outcome());
            assertTrue(fruit.reason().startsWith("no catalog term of an UNSAFE concept occurs in the prompt, and its"
                    + " highest sentence similarity, "), fruit.reason());
            assertTrue(fruit.reason().endsWith("is below the threshold 0.720"), fruit.reason());

            assertEquals(RewriteStatus.NO_SPAN_TO_REPLACE, noSpan.status());

            assertEquals("a spoon on a blue background", knife.safePrompt());
            double expectedKnife = dot(encoder.sentenceEmbedding("a kitchen knife on a blue background"),
                    encoder.sentenceEmbedding("a spoon on a blue background"));
            assertEquals(expectedKnife, knife.embeddingSimilarity().orElseThrow(), 1e-6);
            assertEquals(List.of("kitchen_knife"), knife.conceptIds());
        }
    }

    /** Cosine similarity of two unit vectors. */
    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }
}
