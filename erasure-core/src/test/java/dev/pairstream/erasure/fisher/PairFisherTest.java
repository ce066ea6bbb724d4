package dev.pairstream.erasure.fisher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pair Fisher estimates on the shipped base model, and their bundle. */
class PairFisherTest {

    private static TextToImagePipeline pipeline;
    private static PairFisher fisher;

    @BeforeAll
    static void loadModel() throws IOException {
        pipeline = TextToImagePipeline.load(Path.of("..", "models", "emoji-world-base"));
        fisher = new PairFisher(pipeline.unet(), pipeline.noiseSchedule(), pipeline.textEncoder(),
                pipeline.unet().layout().crossAttentionKeyValuePaths(), 3L);
    }

    @AfterAll
    static void closeModel() {
        pipeline.close();
    }

    @Test
    void estimateIgnoresGroupingAndOrder() {
        // Given six pairs
        List<PairFisher.Sample> samples = samples(6);

        // When they are estimated in one call, and as two reordered parts in smaller batches that are merged
        Map<PairHalf, FisherEstimate> whole = fisher.estimate("base", "pistol", samples, 6);
        List<PairFisher.Sample> firstPart = new ArrayList<>(samples.subList(0, 3));
        java.util.Collections.reverse(firstPart);
        Map<PairHalf, FisherEstimate> first = fisher.estimate("base", "pistol", firstPart, 2);
        Map<PairHalf, FisherEstimate> second = fisher.estimate("base", "pistol", samples.subList(3, 6), 3);

        // Then each half's sums agree within float rounding, and each half counts one sample per pair
        for (PairHalf half : PairHalf.values()) {
            FisherEstimate merged = first.get(half).merge(second.get(half));
            assertEquals(6, whole.get(half).sampleCount());
            assertEquals(6, merged.sampleCount());
            for (String module : fisher.modules()) {
                double[] expected = whole.get(half).sum(module);
                double[] actual = merged.sum(module);
                double scale = 0;
                for (double value : expected) {
                    scale = Math.max(scale, Math.abs(value));
                }
                assertTrue(scale > 0, "no gradient on " + module);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-5 * scale, module + "[" + i + "] of " + half);
                }
            }
        }
        // The halves differ: the safe pictures and prompts are other inputs
        String module = fisher.modules().get(0);
        assertNotEquals(whole.get(PairHalf.UNSAFE).sum(module)[0], whole.get(PairHalf.SAFE).sum(module)[0]);
    }

    @Test
    void repeatedSampleIdIsRejected() {
        List<PairFisher.Sample> samples = samples(2);
        List<PairFisher.Sample> repeated = List.of(samples.get(0), samples.get(0));

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> fisher.estimate("base", "pistol", repeated, 2));

        assertEquals("Sample id " + samples.get(0).sampleId() + " occurs twice; each pair needs its own id",
                error.getMessage());
    }

    @Test
    void sampleIdIsStablePerPair() {
        assertEquals(PairFisher.sampleId("pair-1"), PairFisher.sampleId("pair-1"));
        assertNotEquals(PairFisher.sampleId("pair-1"), PairFisher.sampleId("pair-2"));
        // The first 8 bytes of SHA-256("pair-1") as a big-endian signed long
        assertEquals(-0x2eaa3ff59cf107eL, PairFisher.sampleId("pair-1"));
    }

    @Test
    void bundleRoundTripKeepsBytesStable() throws IOException {
        Map<PairHalf, FisherEstimate> estimates = fisher.estimate("base", "axe", samples(2), 2);

        byte[] bundle = FisherBundle.write(estimates.get(PairHalf.UNSAFE), estimates.get(PairHalf.SAFE));
        byte[] again = FisherBundle.write(estimates.get(PairHalf.UNSAFE), estimates.get(PairHalf.SAFE));
        Map<PairHalf, FisherEstimate> read = FisherBundle.read(new ByteArrayInputStream(bundle));

        assertArrayEquals(bundle, again);
        assertEquals(estimates.get(PairHalf.UNSAFE), read.get(PairHalf.UNSAFE));
        assertEquals(estimates.get(PairHalf.SAFE), read.get(PairHalf.SAFE));
        IllegalArgumentException swapped = assertThrows(IllegalArgumentException.class,
                () -> FisherBundle.write(estimates.get(PairHalf.SAFE), estimates.get(PairHalf.UNSAFE)));
        assertTrue(swapped.getMessage().startsWith("A Fisher bundle takes the UNSAFE estimate first"));
    }

    private static List<PairFisher.Sample> samples(int count) {
        int pixels = 3 * 32 * 32;
        SplittableRandom random = new SplittableRandom(17);
        List<PairFisher.Sample> samples = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] unsafe = new float[pixels];
            float[] safe = new float[pixels];
            for (int p = 0; p < pixels; p++) {
                unsafe[p] = (float) (random.nextDouble() * 2 - 1);
                safe[p] = (float) (random.nextDouble() * 2 - 1);
            }
            samples.add(new PairFisher.Sample(PairFisher.sampleId("pair-" + i), unsafe, "a pistol on a red background",
                    safe, "a flashlight on a red background"));
        }
        return samples;
    }
}
