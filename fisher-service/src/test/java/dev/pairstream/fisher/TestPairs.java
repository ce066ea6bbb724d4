package dev.pairstream.fisher;

import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.artifact.ArtifactStore;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.emoji.PictureCodec;
import dev.pairstream.erasure.fisher.FisherEstimate;
import dev.pairstream.erasure.fisher.PairFisher;
import dev.pairstream.erasure.fisher.PairHalf;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Pairs with real PNG pictures in an artifact store, and the Fisher that erasure-core computes for them directly. */
final class TestPairs {

    static final String BASE_MODEL = "emoji-world-base";
    static final Instant CREATED = Instant.parse("2026-12-05T06:00:00Z");

    private TestPairs() {
    }

    /**
     * Stores two 32x32 pictures for pair {@code index}: a coloured background with a square whose place and colour
     * depend on the index, the safe one with the square in another colour, and returns the pair.
     */
    static ErasurePair pair(ArtifactStore store, int index, List<String> conceptIds, String unsafePrompt,
            String safePrompt) throws IOException {
        ArtifactRef unsafe = store.put(PictureCodec.toPng(picture(index, 0.8f), 32, 32), "image/png");
        ArtifactRef safe = store.put(PictureCodec.toPng(picture(index, -0.6f), 32, 32), "image/png");
        String pairId = "pair-" + index;
        return new ErasurePair(new Envelope("record-" + pairId, "flagged-" + index, BASE_MODEL, conceptIds, CREATED),
                pairId, unsafePrompt, safePrompt, "1.0.0", 1000L + index, unsafe, safe, 10, 0.8,
                "catalog-anchor-minimal-edit");
    }

    /** Stores the pictures of pair {@code index} about a pistol and returns the pair. */
    static ErasurePair pistolPair(ArtifactStore store, int index) throws IOException {
        return pair(store, index, List.of("pistol"), "a pistol on a blue background " + index,
                "a flashlight on a blue background " + index);
    }

    static byte[] json(ErasurePair pair) {
        return Topics.PAIRS.valueSerde().serializer().serialize(Topics.PAIRS.name(), pair);
    }

    static float[] picture(int index, float squareValue) {
        float[] chw = new float[3 * 32 * 32];
        int plane = 32 * 32;
        float background = -1f + (index % 5) * 0.3f;
        int x0 = (index * 7) % 20;
        int y0 = (index * 11) % 20;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    boolean inSquare = x >= x0 && x < x0 + 12 && y >= y0 && y < y0 + 12;
                    chw[c * plane + y * 32 + x] = inSquare ? squareValue * (c == index % 3 ? 1f : 0.5f)
                            : background * (c == 2 ? 1f : 0.4f);
                }
            }
        }
        // Round through 8 bits, as the PNG does, so the direct estimate uses the stored values.
        for (int i = 0; i < chw.length; i++) {
            chw[i] = PictureCodec.toValue(PictureCodec.toChannel(chw[i]));
        }
        return chw;
    }

    /** Computes the Fisher of the pairs directly with erasure-core, one batched pass per {@code batch} pairs. */
    static Map<PairHalf, FisherEstimate> directEstimate(PairFisher fisher, String conceptId, List<ErasurePair> pairs,
            int batch) {
        List<PairFisher.Sample> samples = new ArrayList<>();
        for (ErasurePair pair : pairs) {
            int index = Integer.parseInt(pair.pairId().substring("pair-".length()));
            samples.add(new PairFisher.Sample(PairFisher.sampleId(pair.pairId()), picture(index, 0.8f),
                    pair.unsafePrompt(), picture(index, -0.6f), pair.safePrompt()));
        }
        return fisher.estimate(BASE_MODEL, conceptId, samples, batch);
    }

    /** Returns the largest difference between two estimates' sums relative to the largest sum of each module. */
    static double relativeDifference(FisherEstimate expected, FisherEstimate actual) {
        double worst = 0;
        for (String module : expected.modules()) {
            double[] a = expected.sum(module);
            double[] b = actual.sum(module);
            double scale = 0;
            double difference = 0;
            for (int i = 0; i < a.length; i++) {
                scale = Math.max(scale, Math.abs(a[i]));
                difference = Math.max(difference, Math.abs(a[i] - b[i]));
            }
            worst = Math.max(worst, scale == 0 ? difference : difference / scale);
        }
        return worst;
    }
}
