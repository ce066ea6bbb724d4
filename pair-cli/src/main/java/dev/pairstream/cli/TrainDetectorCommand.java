package dev.pairstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.erasure.detector.AccuracyReport;
import dev.pairstream.erasure.detector.DetectorArchitecture;
import dev.pairstream.erasure.detector.DetectorTrainer;
import dev.pairstream.erasure.detector.TrainingDivergedException;
import dev.pairstream.erasure.detector.TrainingOptions;
import dev.pairstream.erasure.detector.TrainingReport;
import dev.pairstream.erasure.emoji.CatalogException;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.EmojiImage;
import dev.pairstream.erasure.emoji.EmojiImages;
import dev.pairstream.erasure.emoji.EmojiRenderer;
import dev.pairstream.erasure.emoji.Role;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Trains the concept detector on augmented renders of every catalog scene, with checkpoints that a rerun of the
 * same command resumes from, and writes the detector folder.
 */
@Command(name = "detector",
        mixinStandardHelpOptions = true,
        description = "Train the concept detector (a small CNN over the catalog's concepts) on augmented renders of"
                + " every scene, checkpointing as it goes; running the same command again resumes from the newest"
                + " checkpoint. Progress goes to standard error.")
final class TrainDetectorCommand implements Callable<Integer> {

    /** Exit code when training fails: missing data, a damaged or foreign checkpoint, or a diverged loss. */
    static final int FAILED = 1;

    /** Concepts listed as the least accurate in the text summary. */
    private static final int LOWEST_SHOWN = 5;

    @Option(names = "--data-dir", defaultValue = ".pair/data/emoji",
            description = "Folder that ./pair data prepared with the emoji images (default: ${DEFAULT-VALUE}).")
    Path dataDirectory;

    @Option(names = "--out", defaultValue = "models/concept-detector",
            description = "Folder to write config.json and model.safetensors into (default: ${DEFAULT-VALUE}).")
    Path outputDirectory;

    @Option(names = "--checkpoint-dir", defaultValue = ".pair/checkpoints/detector",
            description = "Folder for checkpoints; a run resumes from the newest one here"
                    + " (default: ${DEFAULT-VALUE}).")
    Path checkpointDirectory;

    @Option(names = "--steps", defaultValue = "" + TrainingOptions.DEFAULT_STEPS,
            description = "Optimiser steps in total (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch-size", defaultValue = "" + TrainingOptions.DEFAULT_BATCH_SIZE,
            description = "Pictures per step, 2 to " + TrainingOptions.MAX_BATCH_SIZE + " (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seed", defaultValue = "" + TrainingOptions.DEFAULT_SEED,
            description = "Seed of the initial weights, the data order and the augmentation"
                    + " (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--learning-rate", defaultValue = "" + TrainingOptions.DEFAULT_LEARNING_RATE,
            description = "Peak AdamW learning rate; may be lowered when resuming after a diverged run"
                    + " (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--json", description = "Print the final figures as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        TrainingOptions options;
        try {
            options = TrainingOptions.defaults().withSteps(steps).withBatchSize(batchSize).withSeed(seed)
                    .withLearningRate(learningRate);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        TrainingReport report;
        try {
            ConceptCatalog catalog = ConceptCatalog.loadDefault();
            Map<String, EmojiImage> images = loadImages(catalog);
            DetectorTrainer trainer = new DetectorTrainer(catalog, new EmojiRenderer(catalog, images),
                    DetectorArchitecture.defaults(), options);
            report = trainer.train(checkpointDirectory, outputDirectory, progress -> {
                err.println("pair train detector: " + progress.describe());
                err.flush();
            });
        } catch (IOException | CatalogException | TrainingDivergedException | IllegalStateException e) {
            // IllegalStateException covers a checkpoint of another run, an interrupted run
            // (CancellationException) and an engine that fails to load.
            err.println("pair train detector: " + e.getMessage());
            err.flush();
            return FAILED;
        }

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        } else {
            printSummary(out, report);
        }
        out.flush();
        return 0;
    }

    private Map<String, EmojiImage> loadImages(ConceptCatalog catalog) throws IOException {
        try {
            return EmojiImages.load(catalog, dataDirectory);
        } catch (NoSuchFileException e) {
            throw new IOException("No prepared emoji data in " + dataDirectory + ": " + e.getFile() + " not found."
                    + " Run ./pair data first, or pass --data-dir with the folder it prepared.", e);
        }
    }

    private static void printSummary(PrintWriter out, TrainingReport report) {
        out.printf(Locale.ROOT, "%-22s %s%n", "detector", report.detectorVersion());
        out.printf(Locale.ROOT, "%-22s %s%n", "output", report.outputDirectory());
        out.printf(Locale.ROOT, "%-22s %d (resumed from %d)%n", "steps", report.steps(), report.resumedFromStep());
        out.printf(Locale.ROOT, "%-22s %.1f s training, %.1f s this run%n", "wall time", report.trainingSeconds(),
                report.runSeconds());
        out.printf(Locale.ROOT, "%-22s %.4f%n", "final loss", report.finalLoss());
        out.printf(Locale.ROOT, "%-22s %s%n", "clean, all scenes", describe(report.cleanCatalog()));
        out.printf(Locale.ROOT, "%-22s %s%n", "clean, held out", describe(report.cleanValidation()));
        out.printf(Locale.ROOT, "%-22s %s%n", "augmented, held out", describe(report.noisyValidation()));
        for (Map.Entry<Role, AccuracyReport.Tally> role : report.cleanCatalog().perRole().entrySet()) {
            out.printf(Locale.ROOT, "%-22s %s%n", "clean, " + role.getKey().name().toLowerCase(Locale.ROOT),
                    describe(role.getValue().correct(), role.getValue().total()));
        }
        StringBuilder lowest = new StringBuilder();
        for (Map.Entry<String, AccuracyReport.Tally> concept : report.cleanCatalog().lowestConcepts(LOWEST_SHOWN)) {
            if (lowest.length() > 0) {
                lowest.append(", ");
            }
            lowest.append(concept.getKey()).append(' ')
                    .append(String.format(Locale.ROOT, "%.2f%%", 100 * concept.getValue().accuracy()));
        }
        out.printf(Locale.ROOT, "%-22s %s%n", "lowest concepts", lowest);
    }

    private static String describe(AccuracyReport report) {
        return describe(report.correct(), report.total());
    }

    private static String describe(int correct, int total) {
        return total == 0 ? "no pictures"
                : String.format(Locale.ROOT, "%.2f%% (%d of %d)", 100.0 * correct / total, correct, total);
    }
}
