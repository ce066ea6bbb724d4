package dev.pairstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.EmojiImages;
import dev.pairstream.erasure.emoji.EmojiRenderer;
import dev.pairstream.erasure.pretrain.BaseModelExport;
import dev.pairstream.erasure.pretrain.BaseModelTrainer;
import dev.pairstream.erasure.pretrain.BaseModelTrainingConfig;
import dev.pairstream.erasure.pretrain.StopCondition;
import dev.pairstream.erasure.pretrain.TrainingDivergedException;
import dev.pairstream.erasure.pretrain.TrainingResult;
import dev.pairstream.erasure.pretrain.TrainingSet;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Trains the emoji-world base model from scratch, resuming the run folder's newest checkpoint when it has one. */
@Command(name = "base",
        mixinStandardHelpOptions = true,
        description = "Train the emoji-world text-to-image base model on every catalog scene with the DDPM loss"
                + " (velocity prediction), AdamW and an EMA of the weights. Checkpoints go to the run folder; running"
                + " the same command again resumes from the newest one. A complete run exports the EMA weights as a"
                + " diffusers-style model folder.")
final class TrainBaseCommand implements Callable<Integer> {

    /** Exit code when training fails: missing data, a bad checkpoint, or a diverged loss. */
    static final int FAILED = 1;

    private static final Logger LOG = LoggerFactory.getLogger(TrainBaseCommand.class);

    /** How long Ctrl-C waits for the current step and its checkpoint before the JVM exits anyway. */
    private static final long SHUTDOWN_WAIT_SECONDS = 300;

    @Option(names = "--data-dir", defaultValue = ".pair/data/emoji",
            description = "Folder prepared by ./pair data (default: ${DEFAULT-VALUE}).")
    Path dataDirectory;

    @Option(names = "--run-dir", defaultValue = ".pair/runs/emoji-world-base",
            description = "Folder for checkpoints; an existing run there is resumed (default: ${DEFAULT-VALUE}).")
    Path runDirectory;

    @Option(names = "--out", defaultValue = "models/emoji-world-base",
            description = "Model folder written when the run completes (default: ${DEFAULT-VALUE}).")
    Path modelDirectory;

    @Option(names = "--steps", description = "Optimizer steps of the whole run (default: 5500).")
    Integer steps;

    @Option(names = "--batch-size", description = "Pictures per step (default: 32).")
    Integer batchSize;

    @Option(names = "--learning-rate", description = "Peak AdamW learning rate (default: 1e-3).")
    Double learningRate;

    @Option(names = "--warmup-steps", description = "Steps of linear learning-rate warm-up (default: 200).")
    Integer warmupSteps;

    @Option(names = "--ema-decay", description = "Decay of the weights' moving average (default: 0.999).")
    Double emaDecay;

    @Option(names = "--min-snr-gamma", description = "Weigh each picture's loss by Min-SNR-gamma with this SNR cap"
            + " (default: 5; 0 gives the plain mean squared error).")
    Double minSnrGamma;

    @Option(names = "--captions-per-scene", description = "Training captions per scene, each encoded once"
            + " (default: 4).")
    Integer captionsPerScene;

    @Option(names = "--seed", description = "Seed of batch order, captions, timesteps and noise.")
    Long dataSeed;

    @Option(names = "--init-seed", description = "Seed of the initial weights.")
    Long initSeed;

    @Option(names = "--checkpoint-every", description = "Steps between checkpoints (default: 250).")
    Integer checkpointEvery;

    @Option(names = "--log-every", description = "Steps between progress lines on standard error (default: 25).")
    Integer logEvery;

    @Option(names = "--max-minutes", description = "Stop this invocation after this many minutes of training and"
            + " write a checkpoint; run the command again to continue.")
    Double maxMinutes;

    @Option(names = "--until-step", description = "Stop this invocation once this many steps are done.")
    Long untilStep;

    @Option(names = "--threads", defaultValue = "2",
            description = "PyTorch intra-op threads, unless -Dai.djl.pytorch.num_threads is set"
                    + " (default: ${DEFAULT-VALUE}). On a machine shared with other work, 1 is often faster.")
    int threads;

    @Option(names = "--export-partial", description = "Export the model folder even when the run stops before its"
            + " last step, for a look at an unfinished model.")
    boolean exportPartial;

    @Option(names = "--json", description = "Print the figures as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        StopCondition stop = stopCondition();
        BaseModelTrainingConfig config = config();
        PyTorchThreads.configure(spec, threads);

        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        EmojiRenderer renderer;
        try {
            renderer = new EmojiRenderer(catalog, EmojiImages.load(catalog, dataDirectory));
        } catch (IOException e) {
            spec.commandLine().getErr().println("pair train base: " + e.getMessage());
            return FAILED;
        }
        long renderStarted = System.nanoTime();
        TrainingSet data = TrainingSet.wholeCatalog(catalog, renderer, config.captionsPerScene(), config.dataSeed());
        LOG.info("Rendered {} scenes with {} captions in {} ms", data.size(), data.captionCount(),
                (System.nanoTime() - renderStarted) / 1_000_000);

        Map<String, Object> report = new LinkedHashMap<>();
        try (MiniLmTextEncoder encoder = MiniLmTextEncoder.builder().maxTokens(config.maxTokens())
                .intraOpThreads(1).cacheCapacity(0).build()) {
            BaseModelTrainer trainer = new BaseModelTrainer(config, data, encoder, runDirectory);
            TrainingResult result = trainWithStopOnInterrupt(trainer, stop);
            report.put("startStep", result.startStep());
            report.put("step", result.step());
            report.put("totalSteps", result.totalSteps());
            report.put("completed", result.completed());
            report.put("encodingSeconds", round(result.encodingSeconds()));
            report.put("wallSeconds", round(result.wallSeconds()));
            report.put("totalWallSeconds", round(result.totalWallSeconds()));
            report.put("stepsPerSecond", round(result.stepsPerSecond()));
            report.put("smoothedLoss", result.smoothedLoss());
            report.put("retriedSteps", result.retriedSteps());
            report.put("pytorchThreads", PyTorchThreads.current());
            report.put("checkpoint", result.lastCheckpoint().toAbsolutePath().toString());
            if (result.completed() || exportPartial) {
                BaseModelExport.export(result.lastCheckpoint(), modelDirectory);
                LOG.info("Exported the EMA weights of {} to {}", result.lastCheckpoint(), modelDirectory);
                report.put("model", modelDirectory.toAbsolutePath().toString());
            } else {
                report.put("model", null);
                LOG.info("The run stopped at step {} of {}; run the same command again to continue",
                        result.step(), result.totalSteps());
            }
            report.put("lossCurve", result.lossCurve());
        } catch (TrainingDivergedException | IOException e) {
            spec.commandLine().getErr().println("pair train base: " + e.getMessage());
            return FAILED;
        }

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        } else {
            report.forEach((name, value) -> {
                if (!"lossCurve".equals(name)) {
                    out.printf("%-18s %s%n", name, value);
                }
            });
        }
        out.flush();
        return 0;
    }

    /** Trains, turning Ctrl-C into a stop after the current step with a checkpoint instead of a lost step. */
    private static TrainingResult trainWithStopOnInterrupt(BaseModelTrainer trainer, StopCondition stop)
            throws IOException, InterruptedException {
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            trainer.requestStop();
            try {
                if (!finished.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    LOG.warn("Training did not stop within {} s; the newest checkpoint is the last periodic one",
                            SHUTDOWN_WAIT_SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "train-base-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return trainer.train(stop);
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is already shutting down, so the hook has run and is waiting for this method to return.
            }
        }
    }

    private StopCondition stopCondition() {
        if (maxMinutes != null && !(maxMinutes > 0)) {
            throw new ParameterException(spec.commandLine(), "Invalid value for --max-minutes: " + maxMinutes
                    + "; expected a number of minutes > 0");
        }
        if (untilStep != null && untilStep < 1) {
            throw new ParameterException(spec.commandLine(), "Invalid value for --until-step: " + untilStep
                    + "; expected at least 1");
        }
        Duration wallTime = maxMinutes == null ? StopCondition.never().maxWallTime()
                : Duration.ofMillis(Math.round(maxMinutes * 60_000));
        return new StopCondition(untilStep == null ? Long.MAX_VALUE : untilStep, wallTime);
    }

    private BaseModelTrainingConfig config() {
        BaseModelTrainingConfig.Builder builder = BaseModelTrainingConfig.builder();
        if (steps != null) {
            builder.steps(steps);
        }
        if (batchSize != null) {
            builder.batchSize(batchSize);
        }
        if (learningRate != null) {
            builder.learningRate(learningRate);
        }
        if (warmupSteps != null) {
            builder.warmupSteps(warmupSteps);
        }
        if (emaDecay != null) {
            builder.emaDecay(emaDecay);
        }
        if (minSnrGamma != null) {
            builder.minSnrGamma(minSnrGamma);
        }
        if (captionsPerScene != null) {
            builder.captionsPerScene(captionsPerScene);
        }
        if (dataSeed != null) {
            builder.dataSeed(dataSeed);
        }
        if (initSeed != null) {
            builder.initSeed(initSeed);
        }
        if (checkpointEvery != null) {
            builder.checkpointEvery(checkpointEvery);
        }
        if (logEvery != null) {
            builder.logEvery(logEvery);
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
