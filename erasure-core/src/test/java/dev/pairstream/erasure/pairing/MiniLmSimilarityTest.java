package dev.pairstream.erasure.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The similarity fallback and the rewrite similarity with the real all-MiniLM-L6-v2 model. */
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

    @Test
    void batchRewritesEqualSingleRewrites() {
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        // Two encoders without cache, so the batch cannot reuse embeddings of the one-by-one run
        try (MiniLmTextEncoder batchEncoder = MiniLmTextEncoder.builder().cacheCapacity(0).intraOpThreads(1).build();
                MiniLmTextEncoder aloneEncoder = MiniLmTextEncoder.builder().cacheCapacity(0).intraOpThreads(1)
                        .build()) {
            // Given: term matches, a similarity match, an unmatched prompt and a repeated prompt
            SafeCounterpartWriter batchWriter = new SafeCounterpartWriter(new ConceptMatcher(catalog, batchEncoder),
                    batchEncoder);
            SafeCounterpartWriter aloneWriter = new SafeCounterpartWriter(new ConceptMatcher(catalog, aloneEncoder),
                    aloneEncoder);
            List<String> prompts = List.of("a kitchen knife on a blue background", "a picture of a rifle",
                    "a bowl of fruit on a kitchen table", "two pistols and an axe in a long red box at night",
                    "a kitchen knife on a blue background");

            // When the batch is written in one call and each prompt alone
            List<SafeRewrite> batch = batchWriter.writeAll(prompts);

            // Then each result equals the prompt's own, the similarities up to float rounding
            assertEquals(List.of(RewriteStatus.REWRITTEN, RewriteStatus.NO_SPAN_TO_REPLACE, RewriteStatus.UNMATCHED,
                    RewriteStatus.REWRITTEN, RewriteStatus.REWRITTEN), batch.stream().map(SafeRewrite::status)
                    .toList());
            for (int i = 0; i < prompts.size(); i++) {
                SafeRewrite alone = aloneWriter.write(prompts.get(i));
                assertEquals(alone.status(), batch.get(i).status(), prompts.get(i));
                assertEquals(alone.safePrompt(), batch.get(i).safePrompt(), prompts.get(i));
                assertEquals(alone.conceptIds(), batch.get(i).conceptIds(), prompts.get(i));
                assertEquals(alone.embeddingSimilarity().orElse(-2), batch.get(i).embeddingSimilarity().orElse(-2),
                        1e-5, prompts.get(i));
            }
            assertEquals("two flashlights and a hammer in a long red box at night", batch.get(3).safePrompt());
            ConceptMatch rifleAlone = aloneWriter.matcher().match(prompts.get(1));
            assertEquals(rifleAlone.semanticMatches().get(0).similarity(),
                    batch.get(1).match().semanticMatches().get(0).similarity(), 1e-5);
        }
    }

    @Test
    void blankPromptInBatchIsRejected() {
        ConceptMatcher matcher = new ConceptMatcher(ConceptCatalog.loadDefault());

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> matcher.matchAll(List.of("a dagger", "   ")));

        assertEquals("prompts[1]: prompt is blank (only whitespace); expected the text of a flagged prompt",
                error.getMessage());
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
