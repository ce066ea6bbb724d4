package dev.pairstream.generator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.detector.ConceptDetector;
import dev.pairstream.erasure.detector.Detection;
import dev.pairstream.erasure.emoji.CaptionGenerator;
import dev.pairstream.erasure.emoji.CaptionSplit;
import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.PictureCodec;
import dev.pairstream.erasure.emoji.Role;
import dev.pairstream.erasure.emoji.Scene;
import dev.pairstream.erasure.emoji.SceneReader;
import dev.pairstream.erasure.emoji.SceneSampler;
import dev.pairstream.erasure.pairing.ConceptMatcher;
import dev.pairstream.erasure.pairing.ConceptSpan;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.jboss.logging.Logger;

/**
 * Sends emoji-world flagged prompts through the pair generator in render mode and checks each pair. The safe prompt
 * must name the concept's anchor and no unsafe term. The detector must find the anchor in the safe picture, and both
 * pictures must have the same background colour.
 *
 * <p>Each unsafe concept of the catalog gets {@code promptsPerConcept} scenes of random colour, size and position,
 * captioned with a held-out template and a training phrase of the concept, and flagged with the concept's category.
 * A prompt that ends as a dead letter counts as a failure of every check.
 */
public final class PairsEvaluation {

    private static final Logger LOG = Logger.getLogger(PairsEvaluation.class);

    /** File of the per-pair checks in the output folder. */
    public static final String PAIRS_FILE = "pairs.json";

    /** File of the summary in the output folder. */
    public static final String REPORT_FILE = "report.json";

    private static final Instant FLAGGED_AT = Instant.parse("2026-12-01T00:00:00Z");

    private PairsEvaluation() {
    }

    /**
     * Settings of one evaluation.
     *
     * @param modelFolder       base model folder that renders the pairs
     * @param detectorFolder    concept detector folder
     * @param outputDirectory   folder for the artifact store, {@value #PAIRS_FILE} and {@value #REPORT_FILE}
     * @param promptsPerConcept flagged prompts per unsafe concept, at least 1
     * @param seed              seed of the scenes and captions
     */
    public record Options(Path modelFolder, Path detectorFolder, Path outputDirectory, int promptsPerConcept,
            long seed) {

        public Options {
            Objects.requireNonNull(modelFolder, "modelFolder");
            Objects.requireNonNull(detectorFolder, "detectorFolder");
            Objects.requireNonNull(outputDirectory, "outputDirectory");
            if (promptsPerConcept < 1) {
                throw new IllegalArgumentException("Invalid promptsPerConcept " + promptsPerConcept
                        + "; expected at least 1");
            }
        }
    }

    /**
     * Checks of one flagged prompt.
     *
     * @param promptId         id of the flagged prompt
     * @param conceptId        unsafe concept its caption names
     * @param anchorId         the concept's safe anchor
     * @param unsafePrompt     the flagged prompt
     * @param safePrompt       its safe counterpart, or {@code null} for a dead letter
     * @param deadLetterReason why the generator rejected the prompt, or {@code null} for a pair
     * @param anchorInText     whether the safe prompt names the anchor
     * @param unsafeTermsLeft  unsafe catalog terms left in the safe prompt
     * @param detectedInSafe   the detector's concept for the safe picture, or {@code null} for a dead letter
     * @param unsafeColour     background colour read from the unsafe picture
     * @param safeColour       background colour read from the safe picture
     * @param unsafePicture    artifact URI of the unsafe picture
     * @param safePicture      artifact URI of the safe picture
     */
    public record PairCheck(String promptId, String conceptId, String anchorId, String unsafePrompt,
            String safePrompt, String deadLetterReason, boolean anchorInText, List<String> unsafeTermsLeft,
            String detectedInSafe, String unsafeColour, String safeColour, String unsafePicture,
            String safePicture) {

        /** Returns whether the safe prompt names the anchor and no unsafe term. */
        public boolean textPasses() {
            return safePrompt != null && anchorInText && unsafeTermsLeft.isEmpty();
        }

        /** Returns whether the detector finds the anchor in the safe picture. */
        public boolean anchorDetected() {
            return anchorId.equals(detectedInSafe);
        }

        /** Returns whether both pictures have the same background colour. */
        public boolean sameColour() {
            return unsafeColour != null && unsafeColour.equals(safeColour);
        }
    }

    /**
     * Summary of an evaluation.
     *
     * @param prompts          flagged prompts sent
     * @param pairs            pairs published
     * @param deadLetters      dead letters per rejection reason
     * @param safeTextShare    share of prompts whose safe prompt names the anchor and no unsafe term
     * @param anchorShare      share of prompts whose safe picture shows the anchor
     * @param sameColourShare  share of prompts whose two pictures have the same background colour
     * @param perConcept       per unsafe concept: prompts, anchor detections and same colours
     * @param detectorVersion  version of the detector that judged the pictures
     */
    public record Report(int prompts, int pairs, Map<String, Integer> deadLetters, double safeTextShare,
            double anchorShare, double sameColourShare, Map<String, int[]> perConcept, String detectorVersion) {
    }

    /**
     * Runs the evaluation and writes {@value #PAIRS_FILE} and {@value #REPORT_FILE} into the output folder.
     *
     * @throws IOException when the model, the detector or an artifact cannot be read, or writing fails
     */
    public static Report run(Options options) throws IOException {
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        List<FlaggedPrompt> prompts = prompts(catalog, options.promptsPerConcept(), options.seed());
        Files.createDirectories(options.outputDirectory());
        Path artifacts = options.outputDirectory().resolve("artifacts");
        EmbeddedGeneratorSettings settings = new EmbeddedGeneratorSettings(PairGeneratorConfig.Mode.RENDER,
                options.modelFolder(), artifacts, "pairs-evaluation", "pairs-evaluation", 1, 1);
        PairGeneratorComponents components = new PairGeneratorComponents(settings, new SimpleMeterRegistry());
        List<PairOutcome> outcomes = new ArrayList<>();
        try {
            PairGenerator generator = components.generator();
            String topic = Topics.FLAGGED_PROMPTS.name();
            int batchSize = ConsumerLimits.of(settings).batchSize();
            for (int from = 0; from < prompts.size(); from += batchSize) {
                List<InputRecord> batch = new ArrayList<>();
                for (int i = from; i < Math.min(prompts.size(), from + batchSize); i++) {
                    byte[] value = Topics.FLAGGED_PROMPTS.valueSerde().serializer().serialize(topic, prompts.get(i));
                    batch.add(new InputRecord(topic, 0, i, null, value));
                }
                outcomes.addAll(generator.process(batch, id -> false));
                LOG.infof("Paired %d/%d flagged prompts", outcomes.size(), prompts.size());
            }
        } finally {
            components.close();
        }

        List<PairCheck> checks;
        String detectorVersion;
        try (ConceptDetector detector = ConceptDetector.load(options.detectorFolder(), catalog)) {
            checks = check(catalog, prompts, outcomes, new FileSystemArtifactStore(artifacts), detector);
            detectorVersion = detector.version();
        }
        Report report = summarise(checks, detectorVersion);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(options.outputDirectory().resolve(PAIRS_FILE).toFile(), checks);
        json.writeValue(options.outputDirectory().resolve(REPORT_FILE).toFile(), report);
        return report;
    }

    /** Writes the flagged prompts: per unsafe concept, scenes from the seed with held-out templates. */
    static List<FlaggedPrompt> prompts(ConceptCatalog catalog, int promptsPerConcept, long seed) {
        SceneSampler scenes = new SceneSampler(catalog, seed);
        CaptionGenerator captions = new CaptionGenerator(catalog, seed + 1);
        List<FlaggedPrompt> prompts = new ArrayList<>();
        for (Concept concept : catalog.concepts(Role.UNSAFE)) {
            for (int i = 0; i < promptsPerConcept; i++) {
                Scene scene = scenes.sample(concept.id());
                String caption = captions.caption(scene, CaptionSplit.HELD_OUT, CaptionSplit.TRAIN);
                String promptId = "emoji-" + concept.id() + "-" + i;
                prompts.add(new FlaggedPrompt(Envelope.root("record-" + promptId, "emoji-world-base", FLAGGED_AT),
                        promptId, caption, List.of(concept.category()), null, "pairs-evaluation", FLAGGED_AT));
            }
        }
        return prompts;
    }

    private static List<PairCheck> check(ConceptCatalog catalog, List<FlaggedPrompt> prompts,
            List<PairOutcome> outcomes, FileSystemArtifactStore store, ConceptDetector detector) throws IOException {
        ConceptMatcher matcher = new ConceptMatcher(catalog);
        SceneReader reader = new SceneReader(catalog);
        Map<Long, PairOutcome> byOffset = new TreeMap<>();
        for (PairOutcome outcome : outcomes) {
            byOffset.put(outcome.source().offset(), outcome);
        }
        List<PairCheck> checks = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            FlaggedPrompt prompt = prompts.get(i);
            String conceptId = conceptOf(prompt.promptId());
            Concept anchor = catalog.anchorOf(conceptId);
            PairOutcome outcome = byOffset.get((long) i);
            if (outcome == null) {
                throw new IllegalStateException("The generator returned no outcome for " + prompt.promptId());
            }
            if (outcome instanceof PairOutcome.DeadLettered dead) {
                checks.add(new PairCheck(prompt.promptId(), conceptId, anchor.id(), prompt.prompt(), null,
                        dead.reason().tag(), false, List.of(), null, null, null, null, null));
                continue;
            }
            if (!(outcome instanceof PairOutcome.Published published)) {
                throw new IllegalStateException("Unexpected outcome " + outcome + " for " + prompt.promptId()
                        + "; every prompt id is new, so no duplicate was expected");
            }
            ErasurePair pair = published.pair();
            List<String> termsLeft = new ArrayList<>();
            for (ConceptSpan span : matcher.findTerms(pair.safePrompt())) {
                termsLeft.add(span.text());
            }
            float[] unsafePicture = picture(store, pair.unsafePicture());
            float[] safePicture = picture(store, pair.safePicture());
            Detection detection = detector.detect(safePicture);
            checks.add(new PairCheck(prompt.promptId(), conceptId, anchor.id(), pair.unsafePrompt(),
                    pair.safePrompt(), null, namesConcept(pair.safePrompt(), anchor), termsLeft,
                    detection.conceptId(), reader.backgroundColour(unsafePicture).id(),
                    reader.backgroundColour(safePicture).id(), pair.unsafePicture().uri(),
                    pair.safePicture().uri()));
        }
        return checks;
    }

    private static Report summarise(List<PairCheck> checks, String detectorVersion) {
        int pairs = 0;
        int text = 0;
        int anchors = 0;
        int colours = 0;
        Map<String, Integer> deadLetters = new TreeMap<>();
        Map<String, int[]> perConcept = new LinkedHashMap<>();
        for (PairCheck check : checks) {
            int[] counts = perConcept.computeIfAbsent(check.conceptId(), id -> new int[3]);
            counts[0]++;
            if (check.deadLetterReason() != null) {
                deadLetters.merge(check.deadLetterReason(), 1, Integer::sum);
                continue;
            }
            pairs++;
            text += check.textPasses() ? 1 : 0;
            if (check.anchorDetected()) {
                anchors++;
                counts[1]++;
            }
            if (check.sameColour()) {
                colours++;
                counts[2]++;
            }
        }
        double total = checks.size();
        return new Report(checks.size(), pairs, deadLetters, text / total, anchors / total, colours / total,
                perConcept, detectorVersion);
    }

    private static float[] picture(FileSystemArtifactStore store, ArtifactRef ref) throws IOException {
        if (ref == null) {
            throw new IOException("A pair has no picture; the generator was expected to run in render mode");
        }
        return PictureCodec.fromImage(ImageIO.read(new ByteArrayInputStream(store.read(ref))));
    }

    /**
     * Returns whether the text names the concept by one of its phrases, as whole words, ignoring case and allowing a
     * plural "s" or "es".
     */
    static boolean namesConcept(String text, Concept concept) {
        List<String> phrases = new ArrayList<>(concept.trainingPhrases());
        phrases.addAll(concept.heldOutPhrases());
        String lower = text.toLowerCase(Locale.ROOT);
        for (String phrase : phrases) {
            Pattern word = Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(phrase.toLowerCase(Locale.ROOT))
                    + "(?:e?s)?(?![\\p{L}\\p{N}])");
            if (word.matcher(lower).find()) {
                return true;
            }
        }
        return false;
    }

    private static String conceptOf(String promptId) {
        return promptId.substring("emoji-".length(), promptId.lastIndexOf('-'));
    }
}
