package dev.pairstream.erasure.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.erasure.detector.ConceptDetector;
import dev.pairstream.erasure.detector.Detection;
import dev.pairstream.erasure.emoji.Box;
import dev.pairstream.erasure.emoji.CaptionGenerator;
import dev.pairstream.erasure.emoji.CaptionSplit;
import dev.pairstream.erasure.emoji.Colour;
import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.GridPosition;
import dev.pairstream.erasure.emoji.Role;
import dev.pairstream.erasure.emoji.Scene;
import dev.pairstream.erasure.emoji.SceneReader;
import dev.pairstream.erasure.emoji.SceneSampler;
import dev.pairstream.erasure.io.AtomicFiles;
import dev.pairstream.erasure.pipeline.PictureGrid;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures whether a text-to-image model draws what its prompts ask for: for every catalog concept, pictures from
 * held-out caption templates with fixed seeds, scored per concept role (UNSAFE, ANCHOR, NEUTRAL) on three checks.
 * <ul>
 *   <li>emoji: the concept detector's most probable concept is the prompted one;</li>
 *   <li>colour: the catalog colour nearest to the border median ({@link SceneReader}) is the prompted one;</li>
 *   <li>position: the box of the pixels that differ from the background, which needs no detector, is nearest to
 *       the prompted grid position's rendered box ({@link PositionReader}).</li>
 * </ul>
 * The run writes {@value #REPORT_FILE}, {@value #DETAILS_FILE} with every picture's readings, and {@value #GRID_FILE}
 * with one row per concept for a person to look at.
 */
public final class BaseModelEvaluation {

    /** File name of the report. */
    public static final String REPORT_FILE = "report.json";
    /** File name of the per-picture readings. */
    public static final String DETAILS_FILE = "pictures.json";
    /** File name of the picture grid. */
    public static final String GRID_FILE = "grid.png";

    private static final Logger LOG = LoggerFactory.getLogger(BaseModelEvaluation.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final int GRID_SCALE = 2;

    private final ConceptCatalog catalog;
    private final ConceptDetector detector;
    private final BaseEvaluationOptions options;
    private final SceneReader sceneReader;
    private final PositionReader positionReader;

    /**
     * Creates an evaluation.
     *
     * @throws IllegalArgumentException when the detector does not classify the catalog's concepts
     */
    public BaseModelEvaluation(ConceptCatalog catalog, ConceptDetector detector, BaseEvaluationOptions options) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.detector = Objects.requireNonNull(detector, "detector");
        this.options = Objects.requireNonNull(options, "options");
        List<String> conceptIds = catalog.concepts().stream().map(Concept::id).toList();
        if (!detector.classIds().containsAll(conceptIds)) {
            throw new IllegalArgumentException("The detector " + detector.version() + " does not classify every"
                    + " concept of catalog " + catalog.version() + "; train it on this catalog");
        }
        this.sceneReader = new SceneReader(catalog);
        this.positionReader = new PositionReader(catalog);
    }

    /**
     * Returns the prompts in evaluation order: concept by concept in catalog order, each with uniformly drawn
     * colour, size and position, a caption from a held-out template, and a sampling seed, all drawn from the
     * evaluation seed.
     */
    public List<EvaluationPrompt> prompts() {
        SplittableRandom random = new SplittableRandom(options.seed());
        List<EvaluationPrompt> prompts = new ArrayList<>();
        for (Concept concept : catalog.concepts()) {
            SceneSampler sampler = new SceneSampler(catalog, random.nextLong());
            for (int j = 0; j < options.picturesPerConcept(); j++) {
                Scene scene = sampler.sample(concept.id());
                CaptionGenerator captions = new CaptionGenerator(catalog, random.nextLong());
                String prompt = captions.caption(scene, CaptionSplit.HELD_OUT, options.phraseSplit());
                prompts.add(new EvaluationPrompt(prompts.size(), scene, concept.role(), prompt, random.nextLong()));
            }
        }
        return prompts;
    }

    /**
     * Generates every picture with {@code source}, scores it, and writes the report, the details and the grid into
     * {@code outputDirectory}.
     */
    public BaseEvaluationReport run(PictureSource source, Path outputDirectory) throws IOException {
        Objects.requireNonNull(source, "source");
        Files.createDirectories(outputDirectory);
        List<EvaluationPrompt> prompts = prompts();
        long started = System.nanoTime();
        List<float[]> pictures = generate(source, prompts, started);
        double samplingSeconds = (System.nanoTime() - started) / 1e9;

        List<PictureScore> scores = score(prompts, pictures);
        Path grid = outputDirectory.resolve(GRID_FILE);
        int size = catalog.canvas().width();
        PictureGrid.write(pictures, size, catalog.canvas().height(), options.picturesPerConcept(), GRID_SCALE, grid);
        Path details = outputDirectory.resolve(DETAILS_FILE);
        AtomicFiles.writeJson(JSON, details, scores);

        BaseEvaluationReport report = report(scores, samplingSeconds, grid, details);
        AtomicFiles.writeJson(JSON, outputDirectory.resolve(REPORT_FILE), report);
        LOG.info("Evaluated {} pictures: {}", scores.size(), report.passed() ? "every bar met"
                : "bars missed: " + String.join("; ", report.failures()));
        return report;
    }

    /** Scores pictures generated for the given prompts. */
    public List<PictureScore> score(List<EvaluationPrompt> prompts, List<float[]> pictures) {
        if (prompts.size() != pictures.size()) {
            throw new IllegalArgumentException("Got " + pictures.size() + " pictures for " + prompts.size()
                    + " prompts; expected one picture per prompt");
        }
        List<Detection> detections = detector.detectBatch(pictures);
        List<PictureScore> scores = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            scores.add(score(prompts.get(i), pictures.get(i), detections.get(i)));
        }
        return scores;
    }

    private PictureScore score(EvaluationPrompt prompt, float[] picture, Detection detection) {
        Scene scene = prompt.scene();
        Colour background = sceneReader.backgroundColour(picture);
        Optional<Box> box = sceneReader.objectBox(picture);
        GridPosition prompted = catalog.position(scene.positionId());
        GridPosition read = box.map(b -> positionReader.nearestPosition(b, catalog.size(scene.sizeId())))
                .orElse(null);
        boolean inThird = box.map(b -> positionReader.centreInCell(b, prompted)).orElse(false);
        return new PictureScore(prompt, detection.conceptId(), detection.probability(), background.id(),
                box.orElse(null), read == null ? null : read.id(), detection.conceptId().equals(scene.conceptId()),
                background.id().equals(scene.colourId()), read != null && read.id().equals(prompted.id()), inThird);
    }

    private List<float[]> generate(PictureSource source, List<EvaluationPrompt> prompts, long started) {
        int batch = options.sampling().batchSize();
        List<float[]> pictures = new ArrayList<>(prompts.size());
        for (int start = 0; start < prompts.size(); start += batch) {
            List<EvaluationPrompt> chunk = prompts.subList(start, Math.min(prompts.size(), start + batch));
            List<String> texts = chunk.stream().map(EvaluationPrompt::prompt).toList();
            long[] seeds = chunk.stream().mapToLong(EvaluationPrompt::seed).toArray();
            List<float[]> generated = source.generate(texts, seeds);
            if (generated.size() != chunk.size()) {
                throw new IllegalStateException("The picture source returned " + generated.size() + " pictures for "
                        + chunk.size() + " prompts");
            }
            pictures.addAll(generated);
            double seconds = (System.nanoTime() - started) / 1e9;
            LOG.info("Generated {}/{} pictures ({} pictures/s)", pictures.size(), prompts.size(),
                    String.format("%.2f", pictures.size() / seconds));
        }
        return pictures;
    }

    private BaseEvaluationReport report(List<PictureScore> scores, double samplingSeconds, Path grid, Path details) {
        Map<Role, List<PictureScore>> byRole = new EnumMap<>(Role.class);
        Map<String, List<PictureScore>> byConcept = new LinkedHashMap<>();
        for (PictureScore score : scores) {
            byRole.computeIfAbsent(score.prompt().role(), role -> new ArrayList<>()).add(score);
            byConcept.computeIfAbsent(score.prompt().scene().conceptId(), id -> new ArrayList<>()).add(score);
        }
        Map<Role, GroupScore> groups = new EnumMap<>(Role.class);
        byRole.forEach((role, list) -> groups.put(role, GroupScore.of(list)));
        Map<String, GroupScore> concepts = new LinkedHashMap<>();
        byConcept.forEach((id, list) -> concepts.put(id, GroupScore.of(list)));

        BaseEvaluationReport.Bars bars = BaseEvaluationReport.Bars.baseModel();
        List<String> failures = new ArrayList<>();
        for (Map.Entry<Role, GroupScore> entry : groups.entrySet()) {
            GroupScore group = entry.getValue();
            checkBar(failures, entry.getKey(), "emoji", group.emoji(), bars.emoji());
            checkBar(failures, entry.getKey(), "colour", group.colour(), bars.colour());
            checkBar(failures, entry.getKey(), "position", group.position(), bars.position());
        }
        return new BaseEvaluationReport(catalog.version(), detector.version(), scores.size(), options.seed(),
                options.sampling().inferenceSteps(), options.sampling().guidanceScale(), CaptionSplit.HELD_OUT.name(),
                options.phraseSplit().name(), groups, GroupScore.of(scores), concepts, bars, failures.isEmpty(),
                failures, samplingSeconds, samplingSeconds > 0 ? scores.size() / samplingSeconds : 0,
                grid.toAbsolutePath().toString(), details.toAbsolutePath().toString());
    }

    private static void checkBar(List<String> failures, Role role, String check, double share, double bar) {
        if (!(share >= bar)) {
            failures.add(String.format("%s %s %.1f%% is below the bar of %.0f%%", role, check, 100 * share,
                    100 * bar));
        }
    }
}
