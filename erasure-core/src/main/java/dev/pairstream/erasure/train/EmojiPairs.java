package dev.pairstream.erasure.train;

import dev.pairstream.erasure.emoji.CaptionGenerator;
import dev.pairstream.erasure.emoji.CaptionSplit;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.Role;
import dev.pairstream.erasure.emoji.Scene;
import dev.pairstream.erasure.emoji.SceneSampler;
import dev.pairstream.erasure.fisher.FisherEstimate;
import dev.pairstream.erasure.fisher.PairFisher;
import dev.pairstream.erasure.fisher.PairHalf;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.pairing.ConceptMatcher;
import dev.pairstream.erasure.pairing.SafeCounterpartWriter;
import dev.pairstream.erasure.pairing.SafeRewrite;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import dev.pairstream.erasure.schedule.NoiseSchedule;
import dev.pairstream.erasure.text.TextEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds erasure training data in the emoji world, as the pair generator would from flagged prompts. The pairs are
 * catalog captions of the unsafe concepts and their safe counterparts by minimal edit, both drawn by the base model
 * from the same seed. Neutral prompts come with their pictures, and the Fisher estimates cover both pair halves.
 */
public final class EmojiPairs {

    private static final Logger LOG = LoggerFactory.getLogger(EmojiPairs.class);

    private EmojiPairs() {
    }

    /**
     * The training data of one erasure.
     *
     * @param pairs   the unsafe-safe pairs
     * @param neutral the neutral examples
     */
    public record Data(List<TrainingPair> pairs, List<NeutralExample> neutral) {

        /** Copies the lists. */
        public Data {
            pairs = List.copyOf(pairs);
            neutral = List.copyOf(neutral);
        }
    }

    /**
     * Draws and renders the pairs and neutral examples. The same arguments give the same prompts and pictures.
     *
     * @param catalog          the concept catalog of the base model
     * @param pipeline         the base model
     * @param conceptIds       the unsafe concepts to erase
     * @param pairsPerConcept  pairs per concept
     * @param neutralExamples  neutral prompts to preserve
     * @param seed             seed of scenes, captions and sampling noise
     * @param sampling         DDIM steps, guidance and batch size for the pictures
     * @throws IllegalArgumentException when a concept is not unsafe or a count is not positive
     */
    public static Data build(ConceptCatalog catalog, TextToImagePipeline pipeline, List<String> conceptIds,
            int pairsPerConcept, int neutralExamples, long seed, SamplingOptions sampling) {
        if (pairsPerConcept < 1 || neutralExamples < 0) {
            throw new IllegalArgumentException("Invalid counts: " + pairsPerConcept + " pairs per concept and "
                    + neutralExamples + " neutral examples; expected 1 or more pairs and 0 or more neutral examples");
        }
        SafeCounterpartWriter writer = new SafeCounterpartWriter(new ConceptMatcher(catalog));
        SplittableRandom random = new SplittableRandom(seed);
        List<String> ids = new ArrayList<>();
        List<String> concepts = new ArrayList<>();
        List<String> unsafePrompts = new ArrayList<>();
        List<String> safePrompts = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        for (String conceptId : conceptIds) {
            if (!catalog.hasConcept(conceptId) || !catalog.concept(conceptId).isUnsafe()) {
                throw new IllegalArgumentException("'" + conceptId + "' is not an unsafe concept of catalog "
                        + catalog.version());
            }
            SceneSampler sampler = new SceneSampler(catalog, random.nextLong());
            CaptionGenerator captions = new CaptionGenerator(catalog, random.nextLong());
            for (int i = 0; i < pairsPerConcept; i++) {
                Scene scene = sampler.sample(conceptId);
                String prompt = captions.caption(scene, CaptionSplit.TRAIN);
                SafeRewrite rewrite = writer.write(prompt);
                if (!rewrite.isRewritten()) {
                    throw new IllegalStateException("The catalog caption '" + prompt + "' got no safe counterpart ("
                            + rewrite.status() + ": " + rewrite.reason() + ")");
                }
                ids.add(conceptId + "-" + i);
                concepts.add(conceptId);
                unsafePrompts.add(prompt);
                safePrompts.add(rewrite.safePrompt());
                seeds.add(random.nextLong());
            }
        }
        long[] pairSeeds = seeds.stream().mapToLong(Long::longValue).toArray();
        List<float[]> unsafePictures = pipeline.generate(unsafePrompts, pairSeeds, sampling);
        List<float[]> safePictures = pipeline.generate(safePrompts, pairSeeds, sampling);
        List<TrainingPair> pairs = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            pairs.add(new TrainingPair(ids.get(i), concepts.get(i), unsafePrompts.get(i), safePrompts.get(i),
                    unsafePictures.get(i), safePictures.get(i)));
        }

        List<NeutralExample> neutral = neutralExamples > 0
                ? neutral(catalog, pipeline, neutralExamples, random.nextLong(), random.nextLong(), random, sampling)
                : List.of();
        LOG.info("Rendered {} pairs of {} and {} neutral examples", pairs.size(), conceptIds, neutral.size());
        return new Data(pairs, neutral);
    }

    /**
     * Draws neutral prompts of the catalog (training captions of neutral scenes) and renders each with the base model,
     * the examples whose predictions an erasure must keep. The same arguments give the same prompts and pictures.
     *
     * @param count the number of examples, at least 1
     * @param seed  seed of the scenes, captions and sampling noise
     */
    public static List<NeutralExample> neutral(ConceptCatalog catalog, TextToImagePipeline pipeline, int count,
            long seed, SamplingOptions sampling) {
        if (count < 1) {
            throw new IllegalArgumentException("Invalid neutral example count " + count + "; expected 1 or more");
        }
        SplittableRandom random = new SplittableRandom(seed);
        return neutral(catalog, pipeline, count, random.nextLong(), random.nextLong(), random, sampling);
    }

    private static List<NeutralExample> neutral(ConceptCatalog catalog, TextToImagePipeline pipeline, int count,
            long sceneSeed, long captionSeed, SplittableRandom random, SamplingOptions sampling) {
        SceneSampler sampler = new SceneSampler(catalog, sceneSeed);
        CaptionGenerator captions = new CaptionGenerator(catalog, captionSeed);
        List<String> prompts = new ArrayList<>();
        long[] seeds = new long[count];
        int index = 0;
        for (Scene scene : sampler.sample(Role.NEUTRAL, count)) {
            prompts.add(captions.caption(scene, CaptionSplit.TRAIN));
            seeds[index++] = random.nextLong();
        }
        List<float[]> pictures = pipeline.generate(prompts, seeds, sampling);
        List<NeutralExample> neutral = new ArrayList<>(count);
        for (int i = 0; i < prompts.size(); i++) {
            neutral.add(new NeutralExample(prompts.get(i), pictures.get(i)));
        }
        return neutral;
    }

    /**
     * Estimates the diagonal Fisher of the unsafe halves (unsafe picture and prompt) and of the safe halves of the
     * pairs on the given modules, with one batched backward pass per chunk of {@code batchSize} pictures.
     *
     * @param label the concept label of the estimates' keys, such as a category name
     * @return the estimates by half
     */
    public static Map<PairHalf, FisherEstimate> fisher(UNet2DConditionModel model, NoiseSchedule schedule,
            TextEncoder encoder, List<TrainingPair> pairs, List<String> modulePaths, String baseModelId, String label,
            long seed, int batchSize) {
        PairFisher estimator = new PairFisher(model, schedule, encoder, modulePaths, seed);
        List<PairFisher.Sample> samples = new ArrayList<>(pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            TrainingPair pair = pairs.get(i);
            samples.add(new PairFisher.Sample(i, pair.unsafePictureView(), pair.unsafePrompt(),
                    pair.safePictureView(), pair.safePrompt()));
        }
        Map<PairHalf, FisherEstimate> estimates = estimator.estimate(baseModelId, label, samples, batchSize);
        LOG.info("Estimated the Fisher of {} pairs on {} modules", pairs.size(), modulePaths.size());
        return estimates;
    }
}
