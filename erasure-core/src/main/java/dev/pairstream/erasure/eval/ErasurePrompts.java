package dev.pairstream.erasure.eval;

import dev.pairstream.erasure.emoji.CaptionGenerator;
import dev.pairstream.erasure.emoji.CaptionSplit;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.Role;
import dev.pairstream.erasure.emoji.Scene;
import dev.pairstream.erasure.emoji.SceneSampler;
import dev.pairstream.erasure.pairing.ConceptMatcher;
import dev.pairstream.erasure.pairing.SafeCounterpartWriter;
import dev.pairstream.erasure.pairing.SafeRewrite;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The fixed prompt set of an erasure evaluation.
 *
 * @param conceptIds the erased unsafe concepts
 * @param train      unsafe prompts from training templates and phrases, each with its safe counterpart
 * @param heldOut    unsafe prompts from held-out templates and phrases, each with its safe counterpart
 * @param neutral    prompts of neutral concepts
 */
public record ErasurePrompts(List<String> conceptIds, List<Item> train, List<Item> heldOut, List<Item> neutral) {

    /** Copies the lists. */
    public ErasurePrompts {
        conceptIds = List.copyOf(conceptIds);
        train = List.copyOf(train);
        heldOut = List.copyOf(heldOut);
        neutral = List.copyOf(neutral);
    }

    /**
     * Builds the prompt set for erasing the given unsafe concepts: per concept, scenes drawn uniformly with captions
     * from training templates and phrases and others from held-out ones, each with the safe counterpart that
     * {@link SafeCounterpartWriter} writes, and neutral scenes with training captions. The same arguments always give
     * the same prompts, scenes and seeds.
     *
     * @throws IllegalArgumentException when the list is empty or a concept is unknown or not unsafe
     */
    public static ErasurePrompts build(ConceptCatalog catalog, List<String> conceptIds,
            ErasureEvaluationOptions options) {
        if (conceptIds.isEmpty()) {
            throw new IllegalArgumentException("No concepts to evaluate; expected at least one unsafe concept id");
        }
        SafeCounterpartWriter writer = new SafeCounterpartWriter(new ConceptMatcher(catalog));
        SplittableRandom random = new SplittableRandom(options.seed());
        List<Item> train = new ArrayList<>();
        List<Item> heldOut = new ArrayList<>();
        for (String conceptId : conceptIds) {
            if (!catalog.hasConcept(conceptId) || !catalog.concept(conceptId).isUnsafe()) {
                throw new IllegalArgumentException("'" + conceptId + "' is not an unsafe concept of catalog "
                        + catalog.version());
            }
            SceneSampler sampler = new SceneSampler(catalog, random.nextLong());
            CaptionGenerator captions = new CaptionGenerator(catalog, random.nextLong());
            for (int i = 0; i < options.trainPromptsPerConcept(); i++) {
                train.add(unsafeItem(catalog, writer, sampler.sample(conceptId), captions, CaptionSplit.TRAIN,
                        random.nextLong()));
            }
            for (int i = 0; i < options.heldOutPromptsPerConcept(); i++) {
                heldOut.add(unsafeItem(catalog, writer, sampler.sample(conceptId), captions, CaptionSplit.HELD_OUT,
                        random.nextLong()));
            }
        }
        SceneSampler neutralSampler = new SceneSampler(catalog, random.nextLong());
        CaptionGenerator neutralCaptions = new CaptionGenerator(catalog, random.nextLong());
        List<Item> neutral = new ArrayList<>();
        for (Scene scene : neutralSampler.sample(Role.NEUTRAL, options.neutralPrompts())) {
            String prompt = neutralCaptions.caption(scene, CaptionSplit.TRAIN);
            neutral.add(new Item(scene, prompt, prompt, scene.conceptId(), random.nextLong()));
        }
        return new ErasurePrompts(conceptIds, train, heldOut, neutral);
    }

    private static Item unsafeItem(ConceptCatalog catalog, SafeCounterpartWriter writer, Scene scene,
            CaptionGenerator captions, CaptionSplit split, long seed) {
        String prompt = captions.caption(scene, split);
        SafeRewrite rewrite = writer.write(prompt);
        if (!rewrite.isRewritten()) {
            throw new IllegalStateException("The catalog caption '" + prompt + "' got no safe counterpart ("
                    + rewrite.status() + ": " + rewrite.reason() + "); the catalog's phrases and the matcher disagree");
        }
        return new Item(scene, prompt, rewrite.safePrompt(), catalog.anchorOf(scene.conceptId()).id(), seed);
    }

    /**
     * One prompt of the set.
     *
     * @param scene      the scene the prompt describes
     * @param prompt     the prompt
     * @param safePrompt the safe counterpart of an unsafe prompt (only the unsafe words replaced by the anchor's), or
     *                   the prompt itself for a neutral one
     * @param anchorId   the concept the safe prompt names
     * @param seed       the sampling seed, shared by the prompt and its safe counterpart
     */
    public record Item(Scene scene, String prompt, String safePrompt, String anchorId, long seed) {
    }
}
