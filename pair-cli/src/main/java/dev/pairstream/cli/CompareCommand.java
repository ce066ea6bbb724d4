package dev.pairstream.cli;

import dev.pairstream.erasure.eval.ErasureEvaluation;
import dev.pairstream.erasure.eval.MethodScores;
import dev.pairstream.erasure.train.ErasureDivergedException;
import dev.pairstream.erasure.train.ErasureMethod;
import dev.pairstream.erasure.train.ErasureMethods;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "compare",
        mixinStandardHelpOptions = true,
        description = "Run every erasure method (or those of --methods) on the same pairs, seeds and evaluation, and"
                + " write the comparison table as Markdown to --results.")
final class CompareCommand implements Callable<Integer> {

    @Mixin
    ErasureOptions options;

    @Option(names = "--methods", split = ",", description = "Methods to compare, comma-separated (default: all:"
            + " pair, dora-random, lora-random, fidora-unpaired, esd-x, concept-ablation, uce).")
    List<String> methodIds;

    @Option(names = "--out", description = "Output folder (default: .pair/compare/<target>).")
    Path outputDirectory;

    @Option(names = "--results", defaultValue = ".pair/compare/results.md",
            description = "Markdown file for the comparison table (default: ${DEFAULT-VALUE}).")
    Path resultsFile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<ErasureMethod> methods = new ArrayList<>();
        try {
            if (methodIds == null || methodIds.isEmpty()) {
                methods.addAll(ErasureMethods.all());
            } else {
                for (String id : methodIds) {
                    methods.add(ErasureMethods.byId(id));
                }
            }
            options.settings();
            options.evaluation();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PyTorchThreads.configure(spec, options.threads);
        Path out = outputDirectory != null ? outputDirectory : Path.of(".pair", "compare", options.label());
        ErasureWorkflow.Outcome outcome;
        try {
            outcome = ErasureWorkflow.run(options, methods, out);
        } catch (IOException | IllegalArgumentException | ErasureDivergedException e) {
            spec.commandLine().getErr().println("pair compare: " + e.getMessage());
            return EraseCommand.FAILED;
        }
        List<MethodScores> scores = outcome.report().scores();
        String table = EraseCommand.ResultsTable.markdown(scores, outcome.trainingSeconds());
        StringBuilder page = new StringBuilder();
        page.append("Erasing ").append(options.label()).append(" (").append(String.join(", ",
                outcome.report().concepts())).append(") from ").append(options.modelDirectory).append(": ")
                .append(outcome.pairs()).append(" training pairs, ").append(outcome.report().trainPrompts())
                .append(" training-style, ").append(outcome.report().heldOutPrompts()).append(" held-out and ")
                .append(outcome.report().neutralPrompts()).append(" neutral evaluation prompts.\n\n").append(table);
        if (resultsFile.getParent() != null) {
            Files.createDirectories(resultsFile.getParent());
        }
        Files.writeString(resultsFile, page.toString(), StandardCharsets.UTF_8);
        PrintWriter writer = spec.commandLine().getOut();
        EraseCommand.ResultsTable.print(writer, scores);
        writer.printf("table    %s%n", resultsFile);
        writer.printf("report   %s%n", out.resolve(ErasureEvaluation.REPORT_FILE));
        writer.printf("grid     %s%n", out.resolve(ErasureEvaluation.GRID_FILE));
        writer.flush();
        return 0;
    }
}
