package dev.pairstream.erasure.pairing;

import dev.pairstream.erasure.text.MiniLmTextEncoder;
import dev.pairstream.erasure.text.TextEncoder;
import java.util.ArrayList;
import java.util.List;

/** Sentence embeddings from a {@link TextEncoder}, and their cosine similarity. */
final class SentenceEmbeddings {

    // Matches sentence-transformers' Normalize layer, which divides by max(norm, 1e-12).
    private static final double MIN_NORM = 1e-12;

    private SentenceEmbeddings() {
    }

    /**
     * Computes the sentence embedding of a text: the hidden states mean-pooled over the attention mask and scaled to
     * unit L2 norm, the standard sentence embedding of all-MiniLM-L6-v2. A {@link MiniLmTextEncoder} embeds up to
     * its {@value MiniLmTextEncoder#SENTENCE_MAX_TOKENS}-token sentence length and caches the result.
     */
    static float[] embed(TextEncoder encoder, String text) {
        if (encoder instanceof MiniLmTextEncoder miniLm) {
            return miniLm.sentenceEmbedding(text);
        }
        // NOTE: another encoder truncates at its own maxTokens(), which may be shorter than the sentence.
        return normalized(encoder.encode(text).meanPooled());
    }

    /**
     * Computes the sentence embeddings of several texts, in order. A {@link MiniLmTextEncoder} runs the texts it has
     * not cached on its sentence workers, grouping texts of one token count for the float32 export (see
     * {@link MiniLmTextEncoder#sentenceEmbeddings(List)}); another encoder embeds them one by one.
     */
    static List<float[]> embedAll(TextEncoder encoder, List<String> texts) {
        if (encoder instanceof MiniLmTextEncoder miniLm) {
            return miniLm.sentenceEmbeddings(texts);
        }
        List<float[]> embeddings = new ArrayList<>(texts.size());
        for (String text : texts) {
            embeddings.add(embed(encoder, text));
        }
        return embeddings;
    }

    /** Computes the cosine similarity of two embeddings, clamped to [-1, 1] against float rounding. */
    static double cosine(float[] a, float[] b) {
        return Math.max(-1, Math.min(1, MiniLmTextEncoder.cosineSimilarity(a, b)));
    }

    private static float[] normalized(float[] vector) {
        double sumOfSquares = 0;
        for (float value : vector) {
            sumOfSquares += (double) value * value;
        }
        double norm = Math.max(Math.sqrt(sumOfSquares), MIN_NORM);
        float[] unit = new float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            unit[i] = (float) (vector[i] / norm);
        }
        return unit;
    }
}
