package dev.pairstream.erasure.detector;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.EmojiRenderer;
import dev.pairstream.erasure.emoji.Scene;
import dev.pairstream.erasure.emoji.SceneSampler;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link ConceptDetector} on renders of the catalog's scenes and writes it as a detector folder.
 *
 * <p>Each step draws a batch from a seeded shuffle of the training scenes, disturbs the pictures as
 * {@link AugmentationSettings} describes, and takes an AdamW step on the cross-entropy loss. Every
 * {@code checkpointEvery} steps and at the end, the weights, the optimiser moments and the step go into the
 * checkpoint folder. Running again with the same options resumes from the newest checkpoint and draws the same
 * batches an uninterrupted run would have. At the end the detector is evaluated on clean renders of every scene,
 * on the held-out scenes clean and augmented, and written with its training provenance.
 *
 * <p>DJL's PyTorch engine allows one gradient collector at a time per JVM, so run one training at a time.
 */
public final class DetectorTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(DetectorTrainer.class);

    private static final String OPTIMIZER_DESCRIPTION = "AdamW (beta1 0.9, beta2 0.999, epsilon 1e-8, decoupled"
            + " weight decay on convolution and linear weights), linear warm-up then cosine decay to 1% of the peak"
            + " learning rate, cross-entropy loss";

    private final ConceptCatalog catalog;
    private final EmojiRenderer renderer;
    private final DetectorArchitecture architecture;
    private final TrainingOptions options;

    /** Creates a trainer for the catalog's concepts, rendering scenes with the given renderer. */
    public DetectorTrainer(ConceptCatalog catalog, EmojiRenderer renderer, DetectorArchitecture architecture,
            TrainingOptions options) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.renderer = Objects.requireNonNull(renderer, "renderer");
        this.architecture = Objects.requireNonNull(architecture, "architecture");
        this.options = Objects.requireNonNull(options, "options");
        int size = catalog.canvas().width();
        if (catalog.canvas().height() != size || architecture.imageSize() != size
                || architecture.inputChannels() != 3) {
            throw new IllegalArgumentException("The architecture expects " + architecture.inputChannels() + "x"
                    + architecture.imageSize() + "x" + architecture.imageSize() + " pictures, but the catalog"
                    + " renders 3x" + catalog.canvas().height() + "x" + catalog.canvas().width());
        }
    }

    /**
     * Trains on every scene of the catalog, as {@link SceneSampler#allScenes()} lists them.
     *
     * @see #train(List, Path, Path, Consumer)
     */
    public TrainingReport train(Path checkpointDirectory, Path outputDirectory, Consumer<TrainingProgress> progress)
            throws IOException {
        return train(new SceneSampler(catalog, options.seed()).allScenes(), checkpointDirectory, outputDirectory,
                progress);
    }

    /**
     * Trains on the given scenes, resuming from the newest checkpoint in {@code checkpointDirectory} if there is
     * one, and writes the detector folder.
     *
     * @param progress receives a report every {@code progressEvery} steps and at the last step; null logs them
     * @throws IllegalStateException      when the checkpoint was written by a run with other data options
     * @throws TrainingDivergedException  when the loss or the weights become NaN or infinite
     * @throws CancellationException      when the thread is interrupted; the newest checkpoint stays
     * @throws DetectorFormatException    when every checkpoint in the folder is damaged
     */
    public TrainingReport train(List<Scene> scenes, Path checkpointDirectory, Path outputDirectory,
            Consumer<TrainingProgress> progress) throws IOException {
        long runStarted = System.nanoTime();
        Consumer<TrainingProgress> listener = progress != null ? progress
                : report -> LOG.info("Detector training {}", report.describe());
        List<String> classIds = catalog.concepts().stream().map(Concept::id).toList();

        DetectorDataset dataset = DetectorDataset.render(catalog, renderer, scenes, classIds,
                options.validationFraction());
        double renderSeconds = secondsSince(runStarted);
        LOG.info("Rendered {} scenes in {} s: {} for training, {} held out", dataset.size(),
                String.format(Locale.ROOT, "%.1f", renderSeconds), dataset.trainIndices().length,
                dataset.validationIndices().length);
        String fingerprint = dataset.fingerprint();

        CheckpointStore store = new CheckpointStore(checkpointDirectory);
        Optional<CheckpointStore.Loaded> resumed = store.loadLatest(classIds);
        Run run = resumed.isPresent() ? resume(resumed.get(), fingerprint)
                : start(dataset, classIds, fingerprint);
        try {
            run.loop(dataset, store, listener);
            return finish(run, dataset, store, outputDirectory, runStarted, renderSeconds);
        } finally {
            run.close();
        }
    }

    private Run start(DetectorDataset dataset, List<String> classIds, String fingerprint) {
        InputNormalization normalization = InputNormalization.measure(dataset.trainPictures(),
                dataset.trainIndices().length, architecture.inputChannels(),
                architecture.imageSize() * architecture.imageSize(), 1e-3);
        DetectorConfig config = new DetectorConfig(DetectorConfig.FORMAT, DetectorConfig.FORMAT_VERSION, architecture,
                normalization, catalog.version(), classIds, null);
        Engine engine = PyTorchRuntime.engine();
        DetectorNetwork network = DetectorNetwork.initialize(config, engine.newBaseManager(),
                RandomStreams.key(options.seed(), RandomStreams.INITIALISATION, 0));
        AdamW optimizer = new AdamW(network, engine.newBaseManager());
        LOG.info("Starting detector training: {} steps of {} pictures, seed {}", options.steps(),
                options.batchSize(), options.seed());
        return new Run(config, network, optimizer, fingerprint, 0, 0, Double.NaN, null);
    }

    private Run resume(CheckpointStore.Loaded loaded, String fingerprint) {
        CheckpointState state = loaded.state();
        List<String> differences = new ArrayList<>();
        TrainingOptions saved = state.options();
        compare(differences, "steps", saved.steps(), options.steps());
        compare(differences, "batch size", saved.batchSize(), options.batchSize());
        compare(differences, "seed", saved.seed(), options.seed());
        compare(differences, "validation fraction", saved.validationFraction(), options.validationFraction());
        compare(differences, "augmentation", saved.augmentation(), options.augmentation());
        compare(differences, "architecture", state.architecture(), architecture);
        compare(differences, "catalog version", state.catalogVersion(), catalog.version());
        compare(differences, "scene data fingerprint", state.dataFingerprint(), fingerprint);
        if (!differences.isEmpty()) {
            loaded.network().close();
            loaded.optimizer().close();
            throw new IllegalStateException("Checkpoint " + loaded.path() + " belongs to another training run: "
                    + String.join("; ", differences) + ". Run with the same options to resume, or delete "
                    + loaded.path().getParent() + " to start over.");
        }
        LOG.info("Resuming detector training from checkpoint {} at step {} of {}", loaded.path(), state.step(),
                options.steps());
        return new Run(loaded.network().config(), loaded.network(), loaded.optimizer(), fingerprint, state.step(),
                state.trainingSeconds(), state.recentLoss(), loaded.path());
    }

    private static void compare(List<String> differences, String field, Object saved, Object current) {
        if (!saved.equals(current)) {
            differences.add(field + " was " + saved + ", now " + current);
        }
    }

    private TrainingReport finish(Run run, DetectorDataset dataset, CheckpointStore store, Path outputDirectory,
            long runStarted, double renderSeconds) throws IOException {
        byte[] weights = SafetensorsFiles.encode(run.network.namedTensors());
        try (ConceptDetector detector = ConceptDetector.fromSafetensors(run.config, weights,
                Path.of("<trained weights>"))) {
            AccuracyReport cleanCatalog = evaluate(detector, dataset, allIndices(dataset.size()), false);
            AccuracyReport cleanValidation = evaluate(detector, dataset, dataset.validationIndices(), false);
            AccuracyReport noisyValidation = evaluate(detector, dataset, dataset.validationIndices(), true);
            TrainingProvenance provenance = new TrainingProvenance(options, OPTIMIZER_DESCRIPTION,
                    DetectorDataset.VALIDATION_SPLIT_SEED, dataset.trainIndices().length,
                    dataset.validationIndices().length, run.trainingSeconds, hardware(), run.recentLoss,
                    cleanCatalog, cleanValidation, noisyValidation, Instant.now().toString());
            ConceptDetector.writeFolder(outputDirectory, run.config.withTraining(provenance), weights);
            LOG.info("Wrote detector {} to {}: clean accuracy {} over {} scenes, {} on {} held-out scenes",
                    detector.version(), outputDirectory, percent(cleanCatalog.accuracy()), cleanCatalog.total(),
                    percent(cleanValidation.accuracy()), cleanValidation.total());
            return new TrainingReport(detector.version(), outputDirectory.toString(), store.folder().toString(),
                    options.steps(), run.startStep, run.trainingSeconds, secondsSince(runStarted), renderSeconds,
                    dataset.trainIndices().length, dataset.validationIndices().length, run.recentLoss, cleanCatalog,
                    cleanValidation, noisyValidation);
        }
    }

    private AccuracyReport evaluate(ConceptDetector detector, DetectorDataset dataset, int[] indices,
            boolean augmented) {
        Augmenter augmenter = new Augmenter(options.augmentation(), architecture.inputChannels(),
                architecture.imageSize());
        SplittableRandom random = RandomStreams.stream(options.seed(), RandomStreams.EVALUATION, 0);
        List<String> expected = new ArrayList<>(indices.length);
        List<float[]> pictures = new ArrayList<>(indices.length);
        for (int index : indices) {
            expected.add(dataset.scenes().get(index).conceptId());
            if (augmented) {
                float[] picture = new float[dataset.valueCount()];
                augmenter.augment(dataset.pictures(), index * dataset.valueCount(), picture, 0, random);
                pictures.add(picture);
            } else {
                pictures.add(dataset.picture(index));
            }
        }
        return AccuracyReport.of(catalog, expected, detector.detectBatch(pictures));
    }

    private static int[] allIndices(int count) {
        int[] indices = new int[count];
        for (int i = 0; i < count; i++) {
            indices[i] = i;
        }
        return indices;
    }

    private static String hardware() {
        Engine engine = PyTorchRuntime.engine();
        return Runtime.getRuntime().availableProcessors() + " CPU cores as the JVM sees them ("
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + "), "
                + engine.getEngineName() + " " + engine.getVersion() + " on " + engine.defaultDevice()
                + " through DJL";
    }

    private static double secondsSince(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }

    /** The mutable state of one training run: network, optimiser, position and timing. */
    private final class Run implements AutoCloseable {

        private final DetectorConfig config;
        private final DetectorNetwork network;
        private final AdamW optimizer;
        private final String fingerprint;
        private final int startStep;
        private double trainingSeconds;
        private double recentLoss;
        private Path lastCheckpoint;
        private int cachedEpoch = -1;
        private int[] cachedOrder;

        Run(DetectorConfig config, DetectorNetwork network, AdamW optimizer, String fingerprint, int startStep,
                double trainingSeconds, double recentLoss, Path lastCheckpoint) {
            this.config = config;
            this.network = network;
            this.optimizer = optimizer;
            this.fingerprint = fingerprint;
            this.startStep = startStep;
            this.trainingSeconds = trainingSeconds;
            this.recentLoss = recentLoss;
            this.lastCheckpoint = lastCheckpoint;
        }

        void loop(DetectorDataset dataset, CheckpointStore store, Consumer<TrainingProgress> listener)
                throws IOException {
            Engine engine = PyTorchRuntime.engine();
            for (DetectorNetwork.TensorSpec spec : network.layout()) {
                if (spec.trainable()) {
                    network.tensor(spec.name()).setRequiresGradient(true);
                }
            }
            int batchSize = options.batchSize();
            int valueCount = dataset.valueCount();
            int classes = config.classCount();
            int size = architecture.imageSize();
            Augmenter augmenter = new Augmenter(options.augmentation(), architecture.inputChannels(), size);
            float[] inputs = new float[batchSize * valueCount];
            float[] targets = new float[batchSize * classes];
            long intervalStarted = System.nanoTime();
            long segmentStarted = intervalStarted;
            double intervalLoss = 0;
            int intervalSteps = 0;
            for (int step = startStep; step < options.steps(); step++) {
                if (Thread.currentThread().isInterrupted()) {
                    trainingSeconds += secondsSince(segmentStarted);
                    throw new CancellationException("Detector training interrupted before step " + (step + 1)
                            + "; the newest checkpoint is " + (lastCheckpoint == null ? "none" : lastCheckpoint)
                            + ", and running again with the same options resumes from it");
                }
                fillBatch(dataset, step, augmenter, inputs, targets);
                double learningRate = options.learningRateAt(step);
                float loss;
                try (NDManager scope = network.manager().newSubManager()) {
                    NDArray input = scope.create(inputs, new Shape(batchSize, architecture.inputChannels(), size,
                            size));
                    NDArray target = scope.create(targets, new Shape(batchSize, classes));
                    try (GradientCollector collector = engine.newGradientCollector()) {
                        NDArray logits = network.forward(input, true).logits();
                        NDArray lossArray = logits.logSoftmax(1).mul(target).sum(new int[] {1}).neg().mean();
                        loss = lossArray.getFloat();
                        if (!Float.isFinite(loss)) {
                            throw new TrainingDivergedException(step + 1, "the loss is " + loss, lastCheckpoint);
                        }
                        collector.backward(lossArray);
                    }
                    optimizer.step(network, step + 1, learningRate, options.weightDecay(), scope);
                }
                intervalLoss += loss;
                intervalSteps++;
                int done = step + 1;
                if (done % options.progressEvery() == 0 || done == options.steps()) {
                    long now = System.nanoTime();
                    double stepsPerSecond = intervalSteps / Math.max(1e-9, (now - intervalStarted) / 1e9);
                    recentLoss = intervalLoss / intervalSteps;
                    Duration remaining = Duration.ofSeconds(Math.round((options.steps() - done) / stepsPerSecond));
                    listener.accept(new TrainingProgress(done, options.steps(), recentLoss, learningRate,
                            stepsPerSecond, remaining));
                    intervalStarted = now;
                    intervalLoss = 0;
                    intervalSteps = 0;
                }
                if (done % options.checkpointEvery() == 0 || done == options.steps()) {
                    String broken = network.firstNonFiniteTensor();
                    if (broken != null) {
                        throw new TrainingDivergedException(done, "tensor " + broken + " contains NaN or infinite values",
                                lastCheckpoint);
                    }
                    trainingSeconds += secondsSince(segmentStarted);
                    segmentStarted = System.nanoTime();
                    if (intervalSteps > 0) {
                        recentLoss = intervalLoss / intervalSteps;
                    }
                    CheckpointState state = new CheckpointState(CheckpointState.FORMAT_VERSION, done, options,
                            architecture, catalog.version(), fingerprint, config.inputNormalization(),
                            trainingSeconds, recentLoss, new CheckpointState.RandomState(
                                    CheckpointState.RandomState.SCHEME, options.seed(), done));
                    lastCheckpoint = store.save(state, network, optimizer);
                }
            }
        }

        /** Fills the batch of one step: a slice of the epoch's shuffled order, augmented, with one-hot targets. */
        private void fillBatch(DetectorDataset dataset, int step, Augmenter augmenter, float[] inputs,
                float[] targets) {
            int[] train = dataset.trainIndices();
            int batchSize = options.batchSize();
            int valueCount = dataset.valueCount();
            int classes = config.classCount();
            SplittableRandom random = RandomStreams.stream(options.seed(), RandomStreams.AUGMENTATION, step);
            Arrays.fill(targets, 0f);
            for (int i = 0; i < batchSize; i++) {
                long position = (long) step * batchSize + i;
                int epoch = (int) (position / train.length);
                int index = order(train, epoch)[(int) (position % train.length)];
                augmenter.augment(dataset.pictures(), index * valueCount, inputs, i * valueCount, random);
                targets[i * classes + dataset.label(index)] = 1f;
            }
        }

        /** Returns the shuffled training indices of one epoch, keeping the latest in a cache. */
        private int[] order(int[] train, int epoch) {
            if (epoch != cachedEpoch) {
                int[] order = train.clone();
                SplittableRandom random = RandomStreams.stream(options.seed(), RandomStreams.DATA_ORDER, epoch);
                for (int i = order.length - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int swap = order[i];
                    order[i] = order[j];
                    order[j] = swap;
                }
                cachedEpoch = epoch;
                cachedOrder = order;
            }
            return cachedOrder;
        }

        @Override
        public void close() {
            optimizer.close();
            network.close();
        }
    }
}
