package dev.pairstream.erasure.pairing;

import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.text.TextEncoder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sentence embeddings of the unsafe concepts' descriptions, and the similarity of a text to each concept: the
 * highest cosine similarity between the text and any one of the concept's descriptions. Immutable once built.
 */
final class DescriptionIndex {

    private final TextEncoder encoder;
    private final Map<String, List<float[]>> embeddings;

    /** Embeds every description of the given concepts, in their order. */
    DescriptionIndex(List<Concept> concepts, TextEncoder encoder) {
        this.encoder = encoder;
        Map<String, List<float[]>> byConcept = new LinkedHashMap<>();
        List<String> all = new ArrayList<>();
        for (Concept concept : concepts) {
            all.addAll(ConceptMatcher.descriptions(concept));
        }
        List<float[]> vectors = SentenceEmbeddings.embedAll(encoder, all);
        int next = 0;
        for (Concept concept : concepts) {
            int count = ConceptMatcher.descriptions(concept).size();
            byConcept.put(concept.id(), List.copyOf(vectors.subList(next, next + count)));
            next += count;
        }
        this.embeddings = byConcept;
    }

    /** Scores a text against every concept, the highest similarity first; equal scores keep concept order. */
    List<SemanticMatch> rank(String text) {
        return rank(SentenceEmbeddings.embed(encoder, text));
    }

    /** Scores an embedding against every concept, the highest similarity first; equal scores keep concept order. */
    List<SemanticMatch> rank(float[] embedding) {
        List<SemanticMatch> scores = new ArrayList<>(embeddings.size());
        embeddings.forEach((conceptId, vectors) -> {
            double best = -1;
            for (float[] vector : vectors) {
                best = Math.max(best, SentenceEmbeddings.cosine(embedding, vector));
            }
            scores.add(new SemanticMatch(conceptId, best));
        });
        scores.sort(Comparator.comparingDouble(SemanticMatch::similarity).reversed());
        return scores;
    }

    /** Returns the similarity of an embedding to one concept. */
    double score(float[] embedding, String conceptId) {
        double best = -1;
        for (float[] vector : embeddings.get(conceptId)) {
            best = Math.max(best, SentenceEmbeddings.cosine(embedding, vector));
        }
        return best;
    }
}
