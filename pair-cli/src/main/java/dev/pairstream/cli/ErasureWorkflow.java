package dev.pairstream.cli;

import ai.djl.ndarray.NDManager;
import dev.pairstream.erasure.adapter.TargetModules;
import dev.pairstream.erasure.detector.ConceptDetector;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.EmojiImages;
import dev.pairstream.erasure.emoji.EmojiRenderer;
import dev.pairstream.erasure.eval.ErasureEvaluation;
import dev.pairstream.erasure.eval.ErasurePrompts;
import dev.pairstream.erasure.eval.ErasureReport;
import dev.pairstream.erasure.fisher.FisherEstimate;
import dev.pairstream.erasure.fisher.PairHalf;
import dev.pairstream.erasure.model.LinearWeightResolver;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.train.AdapterErasure;
import dev.pairstream.erasure.train.EmojiPairs;
import dev.pairstream.erasure.train.ErasureMethod;
import dev.pairstream.erasure.train.ErasureProblem;
import dev.pairstream.erasure.train.ErasureResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The flow behind {@code ./pair erase} and {@code ./pair compare}: render the training pairs with the base model,
 * estimate the Fisher of both halves when a method needs it, train every method on the same data, save each adapter,
 * and evaluate the base model and every method on the same prompts and seeds.
 */
final class ErasureWorkflow {

    private static final Logger LOG = LoggerFactory.getLogger(ErasureWorkflow.class);

    /** The result of a run: the evaluation, and the training time of each method. */
    record Outcome(ErasureReport report, Map<String, Double> trainingSeconds, double fisherSeconds,
            double dataSeconds, int pairs) {
    }

    private ErasureWorkflow() {
    }

    static Outcome run(ErasureOptions options, List<ErasureMethod> methods, Path outputDirectory) throws IOException {
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        List<String> concepts = options.concepts(catalog);
        EmojiRenderer renderer = new EmojiRenderer(catalog, EmojiImages.load(catalog, options.dataDirectory));
        try (ConceptDetector detector = ConceptDetector.load(options.detectorDirectory, catalog);
                TextToImagePipeline pipeline = TextToImagePipeline.load(options.modelDirectory);
                NDManager root = PyTorchRuntime.engine().newBaseManager()) {
            String baseModelId = options.modelDirectory.toAbsolutePath().normalize().getFileName().toString();
            long started = System.nanoTime();
            EmojiPairs.Data data = EmojiPairs.build(catalog, pipeline, concepts, options.pairsPerConcept,
                    options.neutralExamples, options.dataSeed, options.sampling());
            double dataSeconds = seconds(started);

            Optional<FisherEstimate> unsafe = Optional.empty();
            Optional<FisherEstimate> safe = Optional.empty();
            double fisherSeconds = 0;
            boolean needsFisher = methods.stream().anyMatch(m -> m instanceof AdapterErasure adapter
                    && adapter.initialization() == AdapterErasure.Initialization.FISHER);
            if (needsFisher) {
                started = System.nanoTime();
                List<String> paths = TargetModules.select(pipeline.unet().layout(), options.settings()
                        .targetModules());
                Map<PairHalf, FisherEstimate> fisher = EmojiPairs.fisher(pipeline.unet(), pipeline.noiseSchedule(),
                        pipeline.textEncoder(), data.pairs(), paths, baseModelId, options.label(),
                        options.trainingSeed, 16);
                unsafe = Optional.of(fisher.get(PairHalf.UNSAFE));
                safe = Optional.of(fisher.get(PairHalf.SAFE));
                fisherSeconds = seconds(started);
                fisher.get(PairHalf.UNSAFE).save(outputDirectory.resolve("fisher-unsafe.safetensors"));
                fisher.get(PairHalf.SAFE).save(outputDirectory.resolve("fisher-safe.safetensors"));
            }
            ErasureProblem problem = new ErasureProblem(pipeline.unet(), baseModelId, pipeline.noiseSchedule(),
                    pipeline.textEncoder(), data.pairs(), data.neutral(), unsafe, safe);

            Map<String, Double> trainingSeconds = new LinkedHashMap<>();
            List<ErasureResult> results = new ArrayList<>();
            try {
                for (ErasureMethod method : methods) {
                    ErasureResult result = method.train(problem, options.settings(),
                            outputDirectory.resolve("checkpoints").resolve(method.id()), root);
                    results.add(result);
                    trainingSeconds.put(method.id(), result.wallSeconds());
                    Path adapter = outputDirectory.resolve("adapters").resolve(method.id());
                    result.saveAdapter(adapter);
                    LOG.info("Saved the {} adapter to {}", method.id(), adapter);
                }
                ErasureEvaluation evaluation = new ErasureEvaluation(catalog, detector, pipeline, renderer,
                        options.evaluation());
                ErasurePrompts prompts = evaluation.prompts(concepts);
                Map<String, LinearWeightResolver> resolvers = new LinkedHashMap<>();
                for (ErasureResult result : results) {
                    resolvers.put(result.methodId(), result.resolver());
                }
                ErasureReport report = evaluation.run(prompts, resolvers, outputDirectory);
                return new Outcome(report, trainingSeconds, fisherSeconds, dataSeconds, data.pairs().size());
            } finally {
                for (ErasureResult result : results) {
                    result.close();
                }
            }
        }
    }

    private static double seconds(long started) {
        return (System.nanoTime() - started) / 1e9;
    }
}
