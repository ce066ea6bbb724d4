package dev.pairstream.erasure.pretrain;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.erasure.io.AtomicFiles;
import dev.pairstream.erasure.model.ParameterSpec;
import dev.pairstream.erasure.model.TensorOps;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.model.UNetParameterLayout;
import dev.pairstream.erasure.optim.AdamW;
import dev.pairstream.erasure.optim.ExponentialMovingAverage;
import dev.pairstream.erasure.optim.GradientClipping;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.schedule.NoiseSchedule;
import dev.pairstream.erasure.text.TextEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a text-conditioned UNet from scratch on a {@link TrainingSet} with the DDPM loss: each step noises clean
 * pictures to uniformly drawn timesteps, predicts the noise (or the velocity, as the schedule's prediction type selects)
 * from the noised pictures and their captions, and minimises the mean squared error with AdamW. A moving average of the weights is kept for sampling and export.
 *
 * <p>A run lives in a run folder. Checkpoints (weights, moving average, optimizer state, step and random-stream
 * state) are written there every {@code checkpointEvery} steps and when the run stops; {@link #train} resumes from
 * the newest one, so calling it again after an interruption continues the run with the same batches and the same
 * arithmetic. A NaN or infinite loss or gradient is never applied. The step is trained again (see
 * {@link #divergenceRetries}), and when every attempt fails the run stops with a {@link TrainingDivergedException}
 * while the last checkpoint stays as it was.
 *
 * <p>Activations live in one sub-manager per step that is closed after the update, so memory stays flat over a run.
 * The PyTorch thread count is the engine's: set {@code -Dai.djl.pytorch.num_threads} before the engine loads.
 */
public final class BaseModelTrainer {

    /** Default number of times a step with a non-finite loss or gradient is trained again before the run stops. */
    public static final int DEFAULT_DIVERGENCE_RETRIES = 2;

    /** Smoothing factor per step of the reported loss. */
    static final double LOSS_SMOOTHING = 0.98;

    private static final Logger LOG = LoggerFactory.getLogger(BaseModelTrainer.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String UNET_FOLDER = "unet";
    private static final String EMA_FOLDER = "ema";
    private static final String OPTIMIZER_FOLDER = "optimizer";

    private final BaseModelTrainingConfig config;
    private final TrainingSet data;
    private final TextEncoder encoder;
    private final CheckpointStore checkpoints;
    private final NoiseSchedule schedule;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private TrainingListener listener = new TrainingListener() {
    };
    private LossProbe lossProbe = (step, loss) -> loss;
    private int encodingThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    private int divergenceRetries = DEFAULT_DIVERGENCE_RETRIES;

    /**
     * Creates a trainer for one run folder.
     *
     * @param encoder the text encoder whose max token count equals the config's {@code maxTokens}
     * @throws IllegalArgumentException when the encoder, the pictures and the UNet config do not fit together
     */
    public BaseModelTrainer(BaseModelTrainingConfig config, TrainingSet data, TextEncoder encoder,
            Path runDirectory) {
        this.config = Objects.requireNonNull(config, "config");
        this.data = Objects.requireNonNull(data, "data");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.checkpoints = new CheckpointStore(Objects.requireNonNull(runDirectory, "runDirectory"));
        this.schedule = new NoiseSchedule(config.scheduler());
        if (encoder.maxTokens() != config.maxTokens()) {
            throw new IllegalArgumentException("The text encoder encodes " + encoder.maxTokens() + " tokens but the"
                    + " config sets maxTokens " + config.maxTokens() + "; build the encoder with the config's value");
        }
        if (encoder.hiddenSize() != config.unet().crossAttentionDim()) {
            throw new IllegalArgumentException("The text encoder's hidden size " + encoder.hiddenSize()
                    + " differs from the UNet's cross_attention_dim " + config.unet().crossAttentionDim());
        }
        if (data.width() != config.unet().sampleSize() || data.height() != config.unet().sampleSize()) {
            throw new IllegalArgumentException("The pictures are " + data.width() + "x" + data.height()
                    + " but the UNet's sample_size is " + config.unet().sampleSize());
        }
        if (data.captionsPerScene() != config.captionsPerScene()) {
            throw new IllegalArgumentException("The training set has " + data.captionsPerScene() + " captions per"
                    + " scene but the config sets captionsPerScene " + config.captionsPerScene());
        }
    }

    /** Sets the receiver of progress and checkpoint events; returns this trainer. */
    public BaseModelTrainer listener(TrainingListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Sets the threads that encode the captions before training starts; the default is one per processor, at most
     * four. Returns this trainer.
     */
    public BaseModelTrainer encodingThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("Invalid encoding thread count " + threads + "; expected at least 1");
        }
        this.encodingThreads = threads;
        return this;
    }

    /**
     * Sets how often a step whose loss or gradient came out non-finite is trained again before the run stops, 0 to
     * stop at once; the default is {@value #DEFAULT_DIVERGENCE_RETRIES}. Returns this trainer.
     */
    public BaseModelTrainer divergenceRetries(int retries) {
        if (retries < 0) {
            throw new IllegalArgumentException("Invalid divergence retry count " + retries + "; expected 0 or more");
        }
        this.divergenceRetries = retries;
        return this;
    }

    /** Sets a hook that receives, and may replace, every step's loss before the backward pass; for tests. */
    BaseModelTrainer lossProbe(LossProbe lossProbe) {
        this.lossProbe = Objects.requireNonNull(lossProbe, "lossProbe");
        return this;
    }

    /** Returns the run's hyper-parameters. */
    public BaseModelTrainingConfig config() {
        return config;
    }

    /**
     * Asks a running {@link #train} call to stop after its current step and write a checkpoint. Safe to call from any
     * thread, such as a shutdown hook.
     */
    public void requestStop() {
        stopRequested.set(true);
    }

    /**
     * Trains from the newest checkpoint of the run folder, or from freshly initialized weights when there is none,
     * until the run's last step or the stop condition, and writes a checkpoint where it stops.
     *
     * @throws TrainingDivergedException when a loss or gradient is not finite
     * @throws IOException               when a checkpoint cannot be read or written, or the newest checkpoint belongs
     *                                   to another config or training set
     * @throws InterruptedException      when the thread is interrupted while waiting for a batch
     */
    public TrainingResult train(StopCondition stop) throws IOException, InterruptedException {
        Objects.requireNonNull(stop, "stop");
        stopRequested.set(false);
        checkpoints.removeLeftovers();
        Optional<Path> resumeFrom = checkpoints.latest();
        Engine engine = PyTorchRuntime.engine();
        try (NDManager root = engine.newBaseManager();
                RunState run = resumeFrom.isPresent() ? resume(resumeFrom.get(), root) : start(root)) {
            return new Loop(engine, root, run, stop).run();
        }
    }

    /**
     * Finds the newest checkpoint of a run folder.
     *
     * @return the checkpoint folder, or empty when the run has none
     */
    public static Optional<Path> latestCheckpoint(Path runDirectory) throws IOException {
        return new CheckpointStore(runDirectory).latest();
    }

    /** Reads the state file of a checkpoint folder. */
    public static TrainerState readState(Path checkpoint) throws IOException {
        Path file = checkpoint.resolve(TrainerState.FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "trainer state not found");
        }
        TrainerState state = JSON.readValue(file.toFile(), TrainerState.class);
        if (state.formatVersion() != TrainerState.FORMAT_VERSION) {
            throw new IOException("Checkpoint " + checkpoint + " has state format " + state.formatVersion()
                    + "; this code reads format " + TrainerState.FORMAT_VERSION);
        }
        return state;
    }

    /** Returns the folder of the moving-average weights inside a checkpoint. */
    public static Path emaFolder(Path checkpoint) {
        return checkpoint.resolve(EMA_FOLDER);
    }

    private RunState start(NDManager root) {
        LOG.info("Starting a new run: {} steps at batch {}, {} scenes with {} captions each", config.steps(),
                config.batchSize(), data.size(), config.captionsPerScene());
        UNet2DConditionModel model = UNet2DConditionModel.initialize(config.unet(), root, config.initSeed());
        RunState run = RunState.create(config, model, root);
        run.state = new TrainerState(TrainerState.FORMAT_VERSION, 0, rngState(0), 0, Double.NaN, List.of(),
                data.catalogVersion(), data.digest(), config);
        return run;
    }

    private RunState resume(Path checkpoint, NDManager root) throws IOException {
        TrainerState saved = readState(checkpoint);
        if (!saved.config().isResumableAs(config)) {
            throw new IOException("Checkpoint " + checkpoint + " belongs to a run with other hyper-parameters: "
                    + saved.config() + "; this run uses " + config + ". Use another run folder, or the same"
                    + " settings (only checkpointEvery, keepCheckpoints and logEvery may change)");
        }
        if (!saved.dataDigest().equals(data.digest())) {
            throw new IOException("Checkpoint " + checkpoint + " was trained on data with digest "
                    + saved.dataDigest() + " but this training set has digest " + data.digest()
                    + "; the catalog, images or caption seed changed. Use another run folder");
        }
        UNet2DConditionModel model = UNet2DConditionModel.load(checkpoint.resolve(UNET_FOLDER), root);
        RunState run = RunState.create(config, model, root);
        try {
            run.ema.load(checkpoint.resolve(EMA_FOLDER));
            run.optimizer.load(checkpoint.resolve(OPTIMIZER_FOLDER));
        } catch (IOException | RuntimeException e) {
            run.close();
            throw e;
        }
        if (run.optimizer.stepCount() != saved.step() || run.ema.updateCount() != saved.step()) {
            run.close();
            throw new IOException("Checkpoint " + checkpoint + " is invalid: its trainer state records step "
                    + saved.step() + " but the optimizer has " + run.optimizer.stepCount() + " steps and the moving"
                    + " average " + run.ema.updateCount() + " updates");
        }
        run.state = new TrainerState(saved.formatVersion(), saved.step(), saved.rng(), saved.wallSeconds(),
                saved.smoothedLoss(), saved.lossCurve(), saved.catalogVersion(), saved.dataDigest(), config);
        run.lastCheckpoint = checkpoint;
        LOG.info("Resuming from {} at step {} of {}", checkpoint, saved.step(), config.steps());
        return run;
    }

    private TrainerState.RngState rngState(long step) {
        return new TrainerState.RngState(TrainerState.RngState.SCHEME, config.dataSeed(),
                step * config.batchSize());
    }

    private Path writeCheckpoint(RunState run) throws IOException {
        long step = run.state.step();
        Path written = checkpoints.write(step, config.keepCheckpoints(), folder -> {
            run.model.save(folder.resolve(UNET_FOLDER));
            run.ema.save(folder.resolve(EMA_FOLDER));
            run.optimizer.save(folder.resolve(OPTIMIZER_FOLDER));
            AtomicFiles.writeJson(JSON, folder.resolve(TrainerState.FILE_NAME), run.state);
        });
        run.lastCheckpoint = written;
        LOG.info("Wrote checkpoint {} (step {})", written, step);
        listener.onCheckpoint(step, written);
        return written;
    }

    /**
     * Runs one training step on a prepared batch: forward, loss, backward, clipping, AdamW and the moving average.
     *
     * @return the step's loss
     * @throws TrainingDivergedException when the loss or a gradient is not finite; no update is applied then
     */
    float trainStep(Engine engine, NDManager root, RunState run, PreparedBatch batch) {
        long step = batch.step();
        int batchSize = batch.batchSize();
        long side = config.unet().sampleSize();
        Shape pictureShape = new Shape(batchSize, 3, side, side);
        run.model.weights().zeroGradients();
        float lossValue;
        try (NDManager scope = root.newSubManager()) {
            NDArray clean = scope.create(batch.pictures(), pictureShape);
            NDArray noise = scope.create(batch.noise(), pictureShape);
            NDArray noised = schedule.addNoise(clean, noise, batch.timesteps());
            NDArray target = schedule.trainingTarget(clean, noise, batch.timesteps());
            long[] timestepValues = new long[batchSize];
            for (int i = 0; i < batchSize; i++) {
                timestepValues[i] = batch.timesteps()[i];
            }
            NDArray timesteps = scope.create(timestepValues);
            NDArray context = scope.create(batch.context(), new Shape(batchSize, batch.tokens(), batch.hiddenSize()));
            NDArray mask = scope.create(batch.mask(), new Shape(batchSize, batch.tokens()));
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray predicted = run.model.forward(noised, timesteps, context, mask);
                NDArray loss = lossProbe.apply(step, loss(scope, predicted, target, batch.timesteps()));
                lossValue = loss.getFloat();
                if (!Float.isFinite(lossValue)) {
                    throw diverged(run, step, "the loss is " + lossValue);
                }
                collector.backward(loss);
            }
            clipGradients(run, step);
            run.optimizer.step(config.learningRateAt(step));
            run.ema.update();
        }
        return lossValue;
    }

    /**
     * Computes the step's loss: the mean squared error, or with Min-SNR-gamma weighting the mean over the pictures of
     * each picture's squared error times its step's weight.
     */
    private NDArray loss(NDManager scope, NDArray predicted, NDArray target, int[] timesteps) {
        NDArray squaredError = predicted.sub(target).square();
        if (config.minSnrGamma() == 0) {
            return squaredError.mean();
        }
        float[] weights = new float[timesteps.length];
        for (int i = 0; i < timesteps.length; i++) {
            weights[i] = (float) schedule.minSnrWeight(timesteps[i], config.minSnrGamma());
        }
        // DJL's PyTorch engine averages over one axis at a time, so each picture's pixels are flattened first.
        NDArray perPicture = squaredError.reshape(timesteps.length, -1).mean(new int[] {1});
        return perPicture.mul(scope.create(weights)).mean();
    }

    /** Clips the global gradient norm, throwing when the norm or a gradient value is NaN or infinite. */
    private void clipGradients(RunState run, long step) {
        Map<String, NDArray> parameters = run.model.weights().asMap();
        double norm = GradientClipping.clipByGlobalNorm(parameters, config.maxGradientNorm());
        if (!Double.isFinite(norm)) {
            GradientClipping.GradientInspection inspection = GradientClipping.inspect(parameters);
            throw diverged(run, step, "the gradient norm is " + norm + " (first non-finite gradient: "
                    + inspection.firstNonFinite().orElse("none when read again, sum of squares "
                    + inspection.norm()) + ")");
        }
    }

    private TrainingDivergedException diverged(RunState run, long step, String problem) {
        String checkpoint = run.lastCheckpoint == null ? "no checkpoint was written yet"
                : "the last good checkpoint is " + run.lastCheckpoint;
        long number = step + 1;
        return new TrainingDivergedException("Training diverged at step " + number + " of " + config.steps() + ": "
                + problem + "; the step's update was not applied and " + checkpoint + ". Lower the learning rate or"
                + " the gradient-norm limit and resume", number, run.lastCheckpoint);
    }

    /** Sees, and may replace, the loss of a step before the backward pass. */
    @FunctionalInterface
    interface LossProbe {
        NDArray apply(long step, NDArray loss);
    }

    /** The model, optimizer, moving average and bookkeeping of a run in memory. */
    static final class RunState implements AutoCloseable {

        final UNet2DConditionModel model;
        final AdamW optimizer;
        final ExponentialMovingAverage ema;
        TrainerState state;
        Path lastCheckpoint;
        int retriedSteps;

        private RunState(UNet2DConditionModel model, AdamW optimizer, ExponentialMovingAverage ema) {
            this.model = model;
            this.optimizer = optimizer;
            this.ema = ema;
        }

        static RunState create(BaseModelTrainingConfig config, UNet2DConditionModel model, NDManager root) {
            model.weights().setRequiresGradient(true);
            UNetParameterLayout layout = model.layout();
            // Weight decay pulls weights toward zero, which suits kernels and matrices but not biases, nor the
            // scales and shifts of normalizations.
            Predicate<String> decayed = name -> {
                ParameterSpec.Kind kind = layout.get(name).kind();
                return kind == ParameterSpec.Kind.CONV_WEIGHT || kind == ParameterSpec.Kind.LINEAR_WEIGHT;
            };
            AdamW optimizer = null;
            try {
                optimizer = new AdamW(model.weights().asMap(), config.optimizer(), decayed, root);
                ExponentialMovingAverage ema = new ExponentialMovingAverage(model.weights().asMap(),
                        config.emaDecay(), config.emaWarmup(), root);
                return new RunState(model, optimizer, ema);
            } catch (RuntimeException e) {
                if (optimizer != null) {
                    optimizer.close();
                }
                model.close();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                ema.close();
            } finally {
                try {
                    optimizer.close();
                } finally {
                    model.close();
                }
            }
        }
    }

    /** One invocation's loop with its timing and loss bookkeeping. */
    private final class Loop {

        private final Engine engine;
        private final NDManager root;
        private final RunState run;
        private final StopCondition stop;
        private final List<TrainerState.LossPoint> lossCurve;
        private final long startStep;
        private double smoothedLoss;
        private double windowLossSum;
        private int windowSteps;

        Loop(Engine engine, NDManager root, RunState run, StopCondition stop) {
            this.engine = engine;
            this.root = root;
            this.run = run;
            this.stop = stop;
            this.lossCurve = new ArrayList<>(run.state.lossCurve());
            this.startStep = run.state.step();
            this.smoothedLoss = run.state.smoothedLoss();
        }

        TrainingResult run() throws IOException, InterruptedException {
            double previousWallSeconds = run.state.wallSeconds();
            long step = run.state.step();
            CaptionContexts contexts = new CaptionContexts(data, encoder);
            long encodingStarted = System.nanoTime();
            if (step < config.steps()) {
                contexts.encodeAll(encodingThreads);
            }
            double encodingSeconds = seconds(encodingStarted);
            long started = System.nanoTime();
            long windowStarted = started;
            BatchPlanner planner = new BatchPlanner(data, contexts, config.batchSize(),
                    schedule.numTrainTimesteps(), config.unconditionalProbability(), config.dataSeed());
            boolean checkpointCurrent = run.lastCheckpoint != null;
            try (BatchPrefetcher prefetcher = new BatchPrefetcher(planner)) {
                while (step < config.steps() && !shouldStop(step, started)) {
                    PreparedBatch batch = prefetcher.take(step);
                    float loss = trainStepWithRetries(batch);
                    step++;
                    checkpointCurrent = false;
                    recordLoss(loss);
                    updateState(step, previousWallSeconds + seconds(started));

                    if (step % config.logEvery() == 0 || step == config.steps()) {
                        double windowSeconds = seconds(windowStarted);
                        windowStarted = System.nanoTime();
                        report(step, windowSeconds);
                    }
                    if (step % config.checkpointEvery() == 0 || step == config.steps()) {
                        writeCheckpoint(run);
                        checkpointCurrent = true;
                    }
                }
            }
            if (!checkpointCurrent) {
                writeCheckpoint(run);
            }
            double wallSeconds = seconds(started);
            long stepsTaken = step - startStep;
            return new TrainingResult(startStep, step, config.steps(), step >= config.steps(), encodingSeconds,
                    wallSeconds, run.state.wallSeconds(), wallSeconds > 0 ? stepsTaken / wallSeconds : 0,
                    smoothedLoss, lossCurve, run.lastCheckpoint, run.retriedSteps);
        }

        /**
         * Trains on a batch, and trains on it again when the loss or a gradient came out non-finite, up to
         * {@code divergenceRetries} times. A failed attempt applies no update, so a successful retry leaves the run
         * exactly where an uninterrupted one would be, while a real divergence fails every attempt and stops the run.
         *
         * <p>A step is deterministic, so a real divergence fails every attempt; a retry only helps against a transient
         * fault in native code. Retries were added while such a fault was open: DJL 0.36's {@code mul(Number)} frees
         * its scalar operand before the backward pass reads it (see {@link TensorOps#scale}), which made gradients
         * come out NaN every few hundred steps. Every retry is logged and counted in the result, so a new fault of
         * that kind stays visible.
         */
        private float trainStepWithRetries(PreparedBatch batch) {
            for (int attempt = 0;; attempt++) {
                try {
                    return trainStep(engine, root, run, batch);
                } catch (TrainingDivergedException e) {
                    if (attempt >= divergenceRetries) {
                        throw e;
                    }
                    run.retriedSteps++;
                    LOG.warn("{}; training the same batch again (retry {} of {})", e.getMessage(), attempt + 1,
                            divergenceRetries);
                }
            }
        }

        private boolean shouldStop(long step, long started) {
            if (stopRequested.get()) {
                LOG.info("Stopping at step {} as requested", step);
                return true;
            }
            if (step >= stop.untilStep()) {
                LOG.info("Stopping at step {}, the requested stop step", step);
                return true;
            }
            if (Duration.ofNanos(System.nanoTime() - started).compareTo(stop.maxWallTime()) >= 0) {
                LOG.info("Stopping at step {} after the wall-time limit of {}", step, stop.maxWallTime());
                return true;
            }
            return false;
        }

        private void recordLoss(float loss) {
            smoothedLoss = Double.isNaN(smoothedLoss) ? loss
                    : LOSS_SMOOTHING * smoothedLoss + (1 - LOSS_SMOOTHING) * loss;
            windowLossSum += loss;
            windowSteps++;
        }

        private void updateState(long step, double wallSeconds) {
            run.state = new TrainerState(TrainerState.FORMAT_VERSION, step, rngState(step), wallSeconds,
                    smoothedLoss, lossCurve, data.catalogVersion(), data.digest(), config);
        }

        private void report(long step, double windowSeconds) {
            double windowLoss = windowSteps == 0 ? Double.NaN : windowLossSum / windowSteps;
            double learningRate = config.learningRateAt(step - 1);
            lossCurve.add(new TrainerState.LossPoint(step, windowLoss, learningRate));
            double stepsPerSecond = windowSeconds > 0 ? windowSteps / windowSeconds : 0;
            double eta = stepsPerSecond > 0 ? (config.steps() - step) / stepsPerSecond : Double.POSITIVE_INFINITY;
            long resident = ResidentMemory.bytes();
            TrainingProgress progress = new TrainingProgress(step, config.steps(), smoothedLoss, windowLoss,
                    learningRate, stepsPerSecond, eta, resident);
            windowLossSum = 0;
            windowSteps = 0;
            updateState(step, run.state.wallSeconds());
            LOG.info("step {}/{}  loss {} (window {})  lr {}  {} steps/s  ETA {}  rss {}", step, config.steps(),
                    String.format("%.4f", smoothedLoss), String.format("%.4f", windowLoss),
                    String.format("%.2e", learningRate), String.format("%.2f", stepsPerSecond),
                    ProgressFormat.duration(eta), ProgressFormat.bytes(resident));
            listener.onProgress(progress);
        }

        private double seconds(long since) {
            return (System.nanoTime() - since) / 1e9;
        }
    }
}
