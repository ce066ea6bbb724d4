package dev.pairstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.generator.PairsEvaluation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Checks the pairs the pair generator renders for emoji-world flagged prompts. */
@Command(name = "pairs",
        mixinStandardHelpOptions = true,
        description = "Send emoji-world flagged prompts (each unsafe concept, held-out caption templates) through the"
                + " pair generator in render mode and check every pair: the safe prompt names the anchor and no"
                + " unsafe term, the detector finds the anchor in the safe picture, and both pictures have the same"
                + " background colour. Writes report.json and pairs.json. Exits with 3 when a bar is missed.")
final class EvalPairsCommand implements Callable<Integer> {

    private static final int FAILED = 1;
    private static final int BARS_MISSED = 3;
    static final double TEXT_BAR = 0.99;
    static final double ANCHOR_BAR = 0.80;
    static final double COLOUR_BAR = 0.95;

    @Option(names = "--model", defaultValue = "models/emoji-world-base",
            description = "Base model folder that renders the pairs (default: ${DEFAULT-VALUE}).")
    Path modelDirectory;

    @Option(names = "--detector", defaultValue = "models/concept-detector",
            description = "Concept detector folder (default: ${DEFAULT-VALUE}).")
    Path detectorDirectory;

    @Option(names = "--out", defaultValue = ".pair/eval/pairs",
            description = "Folder for the artifact store, report.json and pairs.json (default: ${DEFAULT-VALUE}).")
    Path outputDirectory;

    @Option(names = "--prompts-per-concept", defaultValue = "32",
            description = "Flagged prompts per unsafe concept; 32 gives 512 (default: ${DEFAULT-VALUE}).")
    int promptsPerConcept;

    @Option(names = "--seed", defaultValue = "20250501",
            description = "Seed of the scenes and captions (default: ${DEFAULT-VALUE}).")
    long seed;

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
        PairsEvaluation.Options options;
        try {
            options = new PairsEvaluation.Options(modelDirectory, detectorDirectory, outputDirectory,
                    promptsPerConcept, seed);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PyTorchThreads.configure(spec, threads);
        PairsEvaluation.Report report;
        try {
            report = PairsEvaluation.run(options);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            spec.commandLine().getErr().println("pair eval pairs: " + e.getMessage());
            return FAILED;
        }
        List<String> failures = new ArrayList<>();
        bar(failures, "safe prompts with the anchor and no unsafe term", report.safeTextShare(), TEXT_BAR);
        bar(failures, "safe pictures showing the anchor", report.anchorShare(), ANCHOR_BAR);
        bar(failures, "pairs with the same background colour", report.sameColourShare(), COLOUR_BAR);

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("report", report);
            figures.put("passed", failures.isEmpty());
            figures.put("failures", failures);
            out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(figures));
        } else {
            out.printf(Locale.ROOT, "prompts        %d (%d pairs, dead letters %s)%n", report.prompts(),
                    report.pairs(), report.deadLetters());
            out.printf(Locale.ROOT, "safe text      %6.1f%%  (bar %.0f%%)%n", 100 * report.safeTextShare(),
                    100 * TEXT_BAR);
            out.printf(Locale.ROOT, "anchor shown   %6.1f%%  (bar %.0f%%)%n", 100 * report.anchorShare(),
                    100 * ANCHOR_BAR);
            out.printf(Locale.ROOT, "same colour    %6.1f%%  (bar %.0f%%)%n", 100 * report.sameColourShare(),
                    100 * COLOUR_BAR);
            out.printf("passed         %s%n", failures.isEmpty() ? "yes" : "no: " + String.join("; ", failures));
            out.printf("report         %s%n", outputDirectory.resolve(PairsEvaluation.REPORT_FILE));
        }
        out.flush();
        return failures.isEmpty() ? 0 : BARS_MISSED;
    }

    private static void bar(List<String> failures, String name, double share, double bar) {
        if (share < bar) {
            failures.add(String.format(Locale.ROOT, "%s %.1f%% is below the bar of %.0f%%", name, 100 * share,
                    100 * bar));
        }
    }
}
