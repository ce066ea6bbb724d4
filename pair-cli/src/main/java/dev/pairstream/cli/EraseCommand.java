package dev.pairstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.erasure.eval.ErasureEvaluation;
import dev.pairstream.erasure.eval.MethodScores;
import dev.pairstream.erasure.train.ErasureDivergedException;
import dev.pairstream.erasure.train.ErasureMethod;
import dev.pairstream.erasure.train.ErasureMethods;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "erase",
        mixinStandardHelpOptions = true,
        description = "Erase unsafe concepts (a category or concept ids) from the base model with one method: render"
                + " training pairs, estimate the Fisher when the method needs it, train, save the PEFT adapter, and"
                + " evaluate the base model and the erased one on the same prompts and seeds. Writes adapters/,"
                + " report.json and grid.png into --out.")
final class EraseCommand implements Callable<Integer> {

    /** Exit code when the model, detector or data cannot be loaded, or training diverged. */
    static final int FAILED = 1;

    @Mixin
    ErasureOptions options;

    @Option(names = "--method", defaultValue = "pair",
            description = "Erasure method: pair, dora-random, lora-random, fidora-unpaired, esd-x, concept-ablation"
                    + " or uce (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--out", description = "Output folder (default: .pair/erase/<target>-<method>).")
    Path outputDirectory;

    @Option(names = "--json", description = "Print the figures as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ErasureMethod chosen;
        try {
            chosen = ErasureMethods.byId(method);
            options.settings();
            options.evaluation();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PyTorchThreads.configure(spec, options.threads);
        Path out = outputDirectory != null ? outputDirectory
                : Path.of(".pair", "erase", options.label() + "-" + chosen.id());
        ErasureWorkflow.Outcome outcome;
        try {
            outcome = ErasureWorkflow.run(options, List.of(chosen), out);
        } catch (IOException | IllegalArgumentException | ErasureDivergedException e) {
            spec.commandLine().getErr().println("pair erase: " + e.getMessage());
            return FAILED;
        }
        PrintWriter writer = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("method", chosen.id());
            figures.put("concepts", outcome.report().concepts());
            figures.put("pairs", outcome.pairs());
            figures.put("trainingSeconds", outcome.trainingSeconds().get(chosen.id()));
            figures.put("fisherSeconds", outcome.fisherSeconds());
            figures.put("scores", outcome.report().scores());
            figures.put("adapter", out.resolve("adapters").resolve(chosen.id()).toAbsolutePath().toString());
            figures.put("report", out.resolve(ErasureEvaluation.REPORT_FILE).toAbsolutePath().toString());
            writer.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(figures));
        } else {
            ResultsTable.print(writer, outcome.report().scores());
            writer.printf("adapter  %s%n", out.resolve("adapters").resolve(chosen.id()));
            writer.printf("report   %s%n", out.resolve(ErasureEvaluation.REPORT_FILE));
            writer.printf("grid     %s%n", out.resolve(ErasureEvaluation.GRID_FILE));
        }
        writer.flush();
        return 0;
    }

    /** Formats method scores as a fixed-width table and as Markdown. */
    static final class ResultsTable {

        private ResultsTable() {
        }

        static void print(PrintWriter out, List<MethodScores> scores) {
            out.printf("%-17s %8s %8s %8s %8s %8s %8s %8s %8s %8s%n", "method", "erase", "erase-ho", "anchor",
                    "ssim", "feat-d", "bg-kept", "neut-acc", "neut-ssim", "fd");
            for (MethodScores s : scores) {
                out.printf("%-17s %7.1f%% %7.1f%% %7.1f%% %8.3f %8.3f %7.1f%% %7.1f%% %8.3f %8.2f%n", s.method(),
                        100 * s.erasureRateTrain(), 100 * s.erasureRateHeldOut(), 100 * s.anchorRateTrain(),
                        s.consistencySsim(), s.consistencyFeatureDistance(), 100 * s.backgroundKept(),
                        100 * s.neutralAccuracy(), s.neutralSsim(), s.frechetDistance());
            }
        }

        static String markdown(List<MethodScores> scores, Map<String, Double> trainingSeconds) {
            StringBuilder table = new StringBuilder();
            table.append("| method | erasure (train) | erasure (held-out) | anchor (train) | anchor (held-out) |"
                    + " consistency SSIM | feature distance | background kept | box kept | neutral accuracy |"
                    + " neutral SSIM | Fréchet distance | training s |\n");
            table.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (MethodScores s : scores) {
                Double seconds = trainingSeconds.get(s.method());
                table.append(String.format("| %s | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.3f | %.3f | %.1f%% | %.1f%% |"
                        + " %.1f%% | %.3f | %.2f | %s |%n", s.method(), 100 * s.erasureRateTrain(),
                        100 * s.erasureRateHeldOut(), 100 * s.anchorRateTrain(), 100 * s.anchorRateHeldOut(),
                        s.consistencySsim(), s.consistencyFeatureDistance(), 100 * s.backgroundKept(),
                        100 * s.boxKept(), 100 * s.neutralAccuracy(), s.neutralSsim(), s.frechetDistance(),
                        seconds == null ? "-" : String.format("%.0f", seconds)));
            }
            return table.toString();
        }
    }
}
