package dev.pairstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.erasure.detector.ConceptDetector;
import dev.pairstream.erasure.emoji.CaptionSplit;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.eval.BaseEvaluationOptions;
import dev.pairstream.erasure.eval.BaseEvaluationReport;
import dev.pairstream.erasure.eval.BaseModelEvaluation;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Evaluates the base model against its acceptance bars with the concept detector and pixel readings. */
@Command(name = "base",
        mixinStandardHelpOptions = true,
        description = "Sample pictures from held-out caption templates for every catalog concept with fixed seeds and"
                + " report, per group (UNSAFE, ANCHOR, NEUTRAL), the share with the prompted emoji (concept detector),"
                + " background colour and grid position. Writes report.json, pictures.json and grid.png. Exits with"
                + " 3 when a bar is missed.")
final class EvalBaseCommand implements Callable<Integer> {

    /** Exit code when the model or detector cannot be loaded or the report cannot be written. */
    static final int FAILED = 1;
    /** Exit code when the evaluation ran but a group missed an acceptance bar. */
    static final int BARS_MISSED = 3;

    @Option(names = "--model", defaultValue = "models/emoji-world-base",
            description = "Model folder to evaluate (default: ${DEFAULT-VALUE}).")
    Path modelDirectory;

    @Option(names = "--detector", defaultValue = "models/concept-detector",
            description = "Concept detector folder (default: ${DEFAULT-VALUE}).")
    Path detectorDirectory;

    @Option(names = "--out", defaultValue = ".pair/eval/base",
            description = "Folder for report.json, pictures.json and grid.png (default: ${DEFAULT-VALUE}).")
    Path outputDirectory;

    @Option(names = "--pictures-per-concept", defaultValue = "10",
            description = "Pictures per catalog concept; 10 gives 550 (default: ${DEFAULT-VALUE}).")
    int picturesPerConcept;

    @Option(names = "--seed", defaultValue = "20250101",
            description = "Seed of scenes, captions and noise (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--steps", defaultValue = "25", description = "DDIM steps, 1 to 50 (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--guidance", defaultValue = "3.0",
            description = "Classifier-free guidance scale (default: ${DEFAULT-VALUE}).")
    float guidance;

    @Option(names = "--batch-size", defaultValue = "32",
            description = "Pictures denoised together (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--phrases", defaultValue = "TRAIN",
            description = "Object phrases of the prompts: TRAIN (names and synonyms seen in training) or HELD_OUT"
                    + " (paraphrases never seen); templates are always held out (default: ${DEFAULT-VALUE}).")
    CaptionSplit phrases;

    @Option(names = "--threads", defaultValue = "2",
            description = "PyTorch intra-op threads, unless -Dai.djl.pytorch.num_threads is set"
                    + " (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", description = "Print the figures as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        BaseEvaluationOptions options;
        try {
            options = new BaseEvaluationOptions(picturesPerConcept, seed, new SamplingOptions(steps, guidance,
                    batchSize), phrases);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PyTorchThreads.configure(spec, threads);

        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        BaseEvaluationReport report;
        try (ConceptDetector detector = ConceptDetector.load(detectorDirectory, catalog);
                TextToImagePipeline pipeline = TextToImagePipeline.load(modelDirectory)) {
            BaseModelEvaluation evaluation = new BaseModelEvaluation(catalog, detector, options);
            report = evaluation.run((prompts, seeds) -> pipeline.generate(prompts, seeds, options.sampling()),
                    outputDirectory);
        } catch (IOException | IllegalArgumentException e) {
            spec.commandLine().getErr().println("pair eval base: " + e.getMessage());
            return FAILED;
        }

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("model", modelDirectory.toAbsolutePath().toString());
            figures.put("pictures", report.pictures());
            figures.put("groups", report.groups());
            figures.put("overall", report.overall());
            figures.put("bars", report.bars());
            figures.put("passed", report.passed());
            figures.put("failures", report.failures());
            figures.put("picturesPerSecond", Math.round(report.picturesPerSecond() * 1000) / 1000.0);
            figures.put("pytorchThreads", PyTorchThreads.current());
            figures.put("report", outputDirectory.resolve(BaseModelEvaluation.REPORT_FILE).toAbsolutePath()
                    .toString());
            figures.put("grid", report.grid());
            out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(figures));
        } else {
            out.printf("%-8s %8s %8s %8s %8s%n", "group", "pictures", "emoji", "colour", "position");
            report.groups().forEach((role, group) -> out.printf("%-8s %8d %7.1f%% %7.1f%% %7.1f%%%n", role,
                    group.pictures(), 100 * group.emoji(), 100 * group.colour(), 100 * group.position()));
            out.printf("passed   %s%n", report.passed() ? "yes" : "no: " + String.join("; ", report.failures()));
            out.printf("report   %s%n", outputDirectory.resolve(BaseModelEvaluation.REPORT_FILE));
            out.printf("grid     %s%n", report.grid());
        }
        out.flush();
        return report.passed() ? 0 : BARS_MISSED;
    }
}
