package dev.pairstream.evaluator;

import ai.djl.ndarray.NDManager;
import dev.pairstream.contracts.artifact.ArtifactIntegrityException;
import dev.pairstream.contracts.artifact.ArtifactStore;
import dev.pairstream.contracts.event.AdapterCandidate;
import dev.pairstream.contracts.event.EventKeys;
import dev.pairstream.erasure.adapter.Adapter;
import dev.pairstream.erasure.adapter.AdapterArchive;
import dev.pairstream.erasure.detector.ConceptDetector;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.EmojiImages;
import dev.pairstream.erasure.emoji.EmojiRenderer;
import dev.pairstream.erasure.eval.ErasureEvaluation;
import dev.pairstream.erasure.eval.ErasureEvaluationOptions;
import dev.pairstream.erasure.eval.ErasurePrompts;
import dev.pairstream.erasure.eval.MethodScores;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * Evaluates adapter candidates with erasure-core's {@link ErasureEvaluation}: the base model with the candidate on the
 * prompt set of its concepts, scored by the concept detector against the base model. The base model's side of each
 * concept set is computed once and kept. Not thread-safe: one evaluation at a time.
 */
final class EvaluatorEngine implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EvaluatorEngine.class);

    private final String baseModelId;
    private final TextToImagePipeline pipeline;
    private final ConceptDetector detector;
    private final ConceptCatalog catalog;
    private final ArtifactStore store;
    private final ErasureEvaluationOptions options;
    private final ErasureEvaluation evaluation;
    private final String qualityReference;
    // NOTE: one baseline (the base model's pictures of a prompt set) per concept set stays in memory without limit;
    // a deployment with many concept sets would need an eviction policy.
    private final Map<String, ErasureEvaluation.Baseline> baselines = new HashMap<>();

    private EvaluatorEngine(String baseModelId, TextToImagePipeline pipeline, ConceptDetector detector,
            ConceptCatalog catalog, ArtifactStore store, ErasureEvaluationOptions options, EmojiRenderer renderer) {
        this.baseModelId = baseModelId;
        this.pipeline = pipeline;
        this.detector = detector;
        this.catalog = catalog;
        this.store = store;
        this.options = options;
        this.evaluation = new ErasureEvaluation(catalog, detector, pipeline, renderer, options);
        this.qualityReference = renderer == null ? "base-model-pictures" : "emoji-renders";
    }

    static EvaluatorEngine load(EvaluatorConfig config, ArtifactStore store) throws IOException {
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        EmojiRenderer renderer = null;
        if (config.emojiData().isPresent()) {
            renderer = new EmojiRenderer(catalog, EmojiImages.load(catalog, config.emojiData().get()));
        }
        EvaluatorConfig.Evaluation settings = config.evaluation();
        ErasureEvaluationOptions options = new ErasureEvaluationOptions(settings.trainPromptsPerConcept(),
                settings.heldOutPromptsPerConcept(), settings.neutralPrompts(), settings.gridRows(), settings.seed(),
                new SamplingOptions(settings.inferenceSteps(), settings.guidanceScale(), settings.batchSize()));
        ConceptDetector detector = ConceptDetector.load(config.detectorFolder(), catalog);
        TextToImagePipeline pipeline;
        try {
            pipeline = TextToImagePipeline.load(config.modelFolder());
        } catch (IOException | RuntimeException e) {
            detector.close();
            throw e;
        }
        return new EvaluatorEngine(config.baseModelId(), pipeline, detector, catalog, store, options, renderer);
    }

    /** A candidate the engine will not evaluate, with the reason. */
    static final class Refused extends Exception {

        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /**
     * An evaluated candidate.
     *
     * @param metrics    the candidate's measures and the base model's, by {@link GatePolicy} names
     * @param candidate  the candidate's scores
     * @param base       the base model's scores
     * @param grid       the PNG picture grid
     * @param provenance the evaluation settings and digests
     */
    record Evaluated(Map<String, Double> metrics, MethodScores candidate, MethodScores base, byte[] grid,
            Map<String, String> provenance) {
    }

    /**
     * Verifies, loads and evaluates a candidate.
     *
     * @throws Refused when the adapter is missing, fails its digest, is not a loadable PEFT adapter of the base model,
     *                 or the candidate names another base model or a concept the catalog does not list as unsafe
     */
    Evaluated evaluate(AdapterCandidate candidate) throws Refused, IOException {
        PyTorchRuntime.disableGradientRecordingOnThisThread();
        if (!candidate.baseModelId().equals(baseModelId)) {
            throw new Refused("unknown base model '" + candidate.baseModelId() + "': this evaluator serves '"
                    + baseModelId + "' only");
        }
        for (String conceptId : candidate.conceptIds()) {
            if (!catalog.hasConcept(conceptId) || !catalog.concept(conceptId).isUnsafe()) {
                throw new Refused("concept '" + conceptId + "' is not an unsafe concept of catalog "
                        + catalog.version());
            }
        }
        byte[] archive;
        try {
            archive = store.read(candidate.adapter());
        } catch (ArtifactIntegrityException e) {
            throw new Refused("the adapter " + candidate.adapter().uri() + " does not match its digest: "
                    + e.getMessage());
        } catch (NoSuchFileException e) {
            throw new Refused("the adapter " + candidate.adapter().uri() + " is not in the artifact store");
        } catch (IllegalArgumentException e) {
            throw new Refused("the adapter " + candidate.adapter().uri() + " cannot be read: " + e.getMessage());
        }
        String key = EventKeys.conceptSetKey(candidate.baseModelId(), candidate.conceptIds());
        ErasureEvaluation.Baseline baseline = baselines.get(key);
        if (baseline == null) {
            long started = System.nanoTime();
            baseline = evaluation.baseline(evaluation.prompts(candidate.conceptIds()));
            baselines.put(key, baseline);
            LOG.infof("Sampled the base model's side of %s in %.1f s", key, (System.nanoTime() - started) / 1e9);
        }
        Path gridFile = Files.createTempFile("evaluation-grid", ".png");
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager()) {
            Adapter adapter;
            try {
                adapter = AdapterArchive.read(new ByteArrayInputStream(archive), pipeline.unet().weights(), manager);
            } catch (IOException e) {
                throw new Refused("the adapter " + candidate.adapter().uri() + " is not a loadable PEFT adapter of "
                        + baseModelId + ": " + e.getMessage());
            }
            try (adapter) {
                MethodScores scores = evaluation.evaluate(candidate.adapterId() + "@" + candidate.adapterVersion(),
                        baseline, adapter, gridFile);
                return new Evaluated(metrics(scores, baseline.scores()), scores, baseline.scores(),
                        Files.readAllBytes(gridFile), provenance(baseline.prompts()));
            }
        } finally {
            Files.deleteIfExists(gridFile);
        }
    }

    private static Map<String, Double> metrics(MethodScores scores, MethodScores base) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(GatePolicy.ERASURE, scores.erasureRateTrain());
        metrics.put(GatePolicy.ERASURE_HELD_OUT, scores.erasureRateHeldOut());
        metrics.put(GatePolicy.ANCHOR, scores.anchorRateTrain());
        metrics.put("anchorRateHeldOut", scores.anchorRateHeldOut());
        metrics.put(GatePolicy.CONSISTENCY, scores.consistencySsim());
        metrics.put("consistencyFeatureDistance", scores.consistencyFeatureDistance());
        metrics.put("backgroundKept", scores.backgroundKept());
        metrics.put("boxKept", scores.boxKept());
        metrics.put(GatePolicy.NEUTRAL, scores.neutralAccuracy());
        metrics.put("neutralSsim", scores.neutralSsim());
        metrics.put(GatePolicy.FRECHET, scores.frechetDistance());
        metrics.put(GatePolicy.BASE_ERASURE, base.erasureRateTrain());
        metrics.put("baseErasureRateHeldOut", base.erasureRateHeldOut());
        metrics.put(GatePolicy.BASE_NEUTRAL, base.neutralAccuracy());
        metrics.put(GatePolicy.BASE_FRECHET, base.frechetDistance());
        metrics.put("samplingSeconds", scores.samplingSeconds());
        return metrics;
    }

    /**
     * Returns the settings and digests that make two evaluations comparable; {@code provenanceDigest} is the SHA-256
     * of all the others.
     */
    private Map<String, String> provenance(ErasurePrompts prompts) {
        Map<String, String> provenance = new TreeMap<>();
        provenance.put("detector", detector.version());
        provenance.put("detectorDecision", "argmax over the detector's classes");
        provenance.put("sampler", "DDIM");
        provenance.put("inferenceSteps", Integer.toString(options.sampling().inferenceSteps()));
        provenance.put("guidanceScale", Float.toString(options.sampling().guidanceScale()));
        provenance.put("seed", Long.toString(options.seed()));
        provenance.put("catalog", catalog.version());
        provenance.put("qualityReference", qualityReference);
        provenance.put("promptSetSha256", promptDigest(prompts));
        provenance.put("provenanceDigest", sha256(provenance.toString()));
        return provenance;
    }

    private static String promptDigest(ErasurePrompts prompts) {
        StringBuilder text = new StringBuilder();
        for (List<ErasurePrompts.Item> items : List.of(prompts.train(), prompts.heldOut(), prompts.neutral())) {
            for (ErasurePrompts.Item item : items) {
                text.append(item.prompt()).append('\u0000').append(item.safePrompt()).append('\u0000')
                        .append(item.seed()).append('\n');
            }
            text.append('\u0001');
        }
        return sha256(text.toString());
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** Returns the id of the base model. */
    String baseModelId() {
        return baseModelId;
    }

    @Override
    public void close() {
        pipeline.close();
        detector.close();
    }
}
