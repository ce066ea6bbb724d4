package dev.pairstream.trainer;

import ai.djl.ndarray.NDManager;
import dev.pairstream.contracts.artifact.ArtifactIntegrityException;
import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.artifact.ArtifactStore;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.erasure.adapter.AdapterArchive;
import dev.pairstream.erasure.emoji.PictureCodec;
import dev.pairstream.erasure.fisher.FisherBundle;
import dev.pairstream.erasure.fisher.FisherEstimate;
import dev.pairstream.erasure.fisher.PairHalf;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.train.AdapterErasure;
import dev.pairstream.erasure.train.EmojiPairs;
import dev.pairstream.erasure.train.ErasureDivergedException;
import dev.pairstream.erasure.train.ErasureProblem;
import dev.pairstream.erasure.train.ErasureResult;
import dev.pairstream.erasure.train.NeutralExample;
import dev.pairstream.erasure.train.TrainingCancelledException;
import dev.pairstream.erasure.train.TrainingControl;
import dev.pairstream.erasure.train.TrainingPair;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import org.jboss.logging.Logger;

/**
 * Runs one job on the calling thread. It checks the base model, reads and verifies the Fisher snapshot and the pair
 * pictures, and renders the neutral examples. It then trains PAIR, resuming from the job's newest checkpoint when
 * there is one, and stores the adapter as a PEFT archive. Publishing is the caller's part.
 */
final class JobExecution {

    private static final Logger LOG = Logger.getLogger(JobExecution.class);

    /** Receives the progress of the training steps. */
    interface Progress {

        /**
         * Called after every step.
         *
         * @param step           finished steps
         * @param totalSteps     steps of the job
         * @param loss           the step's loss
         * @param secondsPerStep mean wall time per step of this run
         */
        void onStep(int step, int totalSteps, double loss, double secondsPerStep);
    }

    /** The outcome of a job. */
    sealed interface Result permits Succeeded, Failed, Cancelled {
    }

    /**
     * The job produced an adapter.
     *
     * @param adapter the PEFT archive in the artifact store
     * @param metrics training metrics by name
     */
    record Succeeded(ArtifactRef adapter, Map<String, Double> metrics) implements Result {
    }

    /** The job cannot produce an adapter, for the given reason. */
    record Failed(String reason) implements Result {
    }

    /** The job stopped on request. */
    record Cancelled(String reason) implements Result {
    }

    private final JobSpec spec;
    private final TrainerModel model;
    private final ArtifactStore store;
    private final Path jobFolder;
    private final BooleanSupplier cancelRequested;
    private final Progress progress;

    JobExecution(JobSpec spec, TrainerModel model, ArtifactStore store, Path jobFolder,
            BooleanSupplier cancelRequested, Progress progress) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.model = Objects.requireNonNull(model, "model");
        this.store = Objects.requireNonNull(store, "store");
        this.jobFolder = Objects.requireNonNull(jobFolder, "jobFolder");
        this.cancelRequested = Objects.requireNonNull(cancelRequested, "cancelRequested");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /** Returns the folder of the job's checkpoints. */
    static Path checkpointFolder(Path jobFolder) {
        return jobFolder.resolve("checkpoints");
    }

    Result run() {
        PyTorchRuntime.disableGradientRecordingOnThisThread();
        if (!spec.baseModelId().equals(model.baseModelId())) {
            return new Failed("unknown base model '" + spec.baseModelId() + "': this trainer trains adapters for '"
                    + model.baseModelId() + "' only");
        }

        Map<PairHalf, FisherEstimate> fisher;
        try {
            fisher = readFisher();
        } catch (JobFailure e) {
            return new Failed(e.getMessage());
        }

        List<TrainingPair> pairs = new ArrayList<>();
        int skipped = 0;
        for (ErasurePair pair : spec.pairs()) {
            try {
                pairs.add(trainingPair(pair));
            } catch (JobFailure e) {
                skipped++;
                LOG.warnf("Job %s skips pair %s: %s", spec.jobId(), pair.pairId(), e.getMessage());
            }
        }
        if (pairs.isEmpty()) {
            return new Failed("none of the " + spec.pairs().size() + " pairs has readable pictures");
        }

        JobSettings settings = spec.settings();
        List<NeutralExample> neutral = renderNeutral(settings);
        TextToImagePipeline pipeline = model.pipeline();
        ErasureProblem problem;
        try {
            problem = new ErasureProblem(pipeline.unet(), model.baseModelId(), pipeline.noiseSchedule(),
                    pipeline.textEncoder(), pairs, neutral, Optional.of(fisher.get(PairHalf.UNSAFE)),
                    Optional.of(fisher.get(PairHalf.SAFE)));
        } catch (IllegalArgumentException e) {
            return new Failed(e.getMessage());
        }

        int[] firstStep = {-1};
        TrainingControl control = new TrainingControl() {
            @Override
            public boolean resume() {
                return true;
            }

            @Override
            public void onStep(int step, int totalSteps, double loss, double secondsPerStep) {
                if (firstStep[0] < 0) {
                    firstStep[0] = step - 1;
                }
                progress.onStep(step, totalSteps, loss, secondsPerStep);
            }

            @Override
            public boolean cancelRequested() {
                return cancelRequested.getAsBoolean();
            }
        };

        try (NDManager root = PyTorchRuntime.engine().newBaseManager();
                ErasureResult result = AdapterErasure.PAIR.train(problem, settings.realignment(),
                        checkpointFolder(jobFolder), control, root)) {
            ArtifactRef adapter = store.put(AdapterArchive.write(result.adapter()), AdapterArchive.MEDIA_TYPE);
            Map<String, Double> metrics = new LinkedHashMap<>();
            List<ErasureResult.LossPoint> curve = result.lossCurve();
            metrics.put("finalLoss", curve.isEmpty() ? Double.NaN : curve.get(curve.size() - 1).loss());
            metrics.put("steps", (double) result.steps());
            metrics.put("trainingSeconds", result.wallSeconds());
            metrics.put("pairs", (double) pairs.size());
            metrics.put("skippedPairs", (double) skipped);
            metrics.put("neutralExamples", (double) neutral.size());
            metrics.put("resumedFromStep", (double) Math.max(0, firstStep[0]));
            metrics.values().removeIf(value -> !Double.isFinite(value));
            return new Succeeded(adapter, metrics);
        } catch (TrainingCancelledException e) {
            return new Cancelled("cancelled by request after " + e.finishedSteps() + " of "
                    + settings.steps() + " steps");
        } catch (ErasureDivergedException | IllegalArgumentException e) {
            return new Failed(e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to store the adapter of job " + spec.jobId(), e);
        }
    }

    private Map<PairHalf, FisherEstimate> readFisher() throws JobFailure {
        ArtifactRef tensors = spec.snapshot().tensors();
        String what = "the tensors " + tensors.uri() + " of Fisher snapshot " + spec.snapshot().snapshotId();
        byte[] bytes;
        try {
            bytes = store.read(tensors);
        } catch (ArtifactIntegrityException e) {
            throw new JobFailure(what + " do not match their digest: " + e.getMessage());
        } catch (NoSuchFileException e) {
            throw new JobFailure(what + " are not in the artifact store");
        } catch (IOException | IllegalArgumentException e) {
            throw new JobFailure(what + " cannot be read: " + e.getMessage());
        }
        Map<PairHalf, FisherEstimate> estimates;
        try {
            estimates = FisherBundle.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new JobFailure(what + " are no Fisher bundle: " + e.getMessage());
        }
        for (FisherEstimate estimate : estimates.values()) {
            if (!estimate.key().baseModelId().equals(model.baseModelId())) {
                throw new JobFailure(what + " belong to base model '" + estimate.key().baseModelId() + "', not '"
                        + model.baseModelId() + "'");
            }
        }
        return estimates;
    }

    private TrainingPair trainingPair(ErasurePair pair) throws JobFailure {
        String conceptId = pair.conceptIds().stream().filter(spec.conceptIds()::contains).findFirst()
                .orElse(spec.conceptIds().get(0));
        return new TrainingPair(pair.pairId(), conceptId, pair.unsafePrompt(), pair.safePrompt(),
                picture(pair, "unsafePicture", pair.unsafePicture()), picture(pair, "safePicture", pair.safePicture()));
    }

    private float[] picture(ErasurePair pair, String field, ArtifactRef ref) throws JobFailure {
        byte[] bytes;
        try {
            bytes = store.read(ref);
        } catch (ArtifactIntegrityException e) {
            throw new JobFailure(field + " " + ref.uri() + " fails its digest check");
        } catch (NoSuchFileException e) {
            throw new JobFailure(field + " " + ref.uri() + " is not in the artifact store");
        } catch (IOException | IllegalArgumentException e) {
            throw new JobFailure(field + " " + ref.uri() + " cannot be read: " + e.getMessage());
        }
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            image = null;
        }
        int side = model.pipeline().pictureSize();
        if (image == null || image.getWidth() != side || image.getHeight() != side) {
            throw new JobFailure(field + " " + ref.uri() + " is no " + side + "x" + side + " PNG");
        }
        return PictureCodec.fromImage(image);
    }

    private List<NeutralExample> renderNeutral(JobSettings settings) {
        if (settings.neutralExamples() == 0 || settings.neutralWeight() == 0) {
            return List.of();
        }
        SamplingOptions sampling = SamplingOptions.defaults().withInferenceSteps(settings.neutralSamplingSteps());
        // Jobs share the model; its text encoder and sampler are used by one job at a time.
        synchronized (model) {
            return EmojiPairs.neutral(model.catalog(), model.pipeline(), settings.neutralExamples(), settings.seed(),
                    sampling);
        }
    }

    /** A reason the job cannot go on, for its FAILED record. */
    static final class JobFailure extends Exception {

        private static final long serialVersionUID = 1L;

        JobFailure(String message) {
            super(message);
        }
    }
}
