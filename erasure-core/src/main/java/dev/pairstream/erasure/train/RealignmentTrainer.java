package dev.pairstream.erasure.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.pairstream.erasure.adapter.Adapter;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.optim.AdamW;
import dev.pairstream.erasure.optim.AdamWOptions;
import dev.pairstream.erasure.optim.GradientClipping;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.text.TextContextBatch;
import dev.pairstream.erasure.text.TextEncoding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains an adapter by Paired Semantic Realignment (see {@link RealignmentSettings} for the loss): the adapted model
 * must predict, for the unsafe prompt, the noise that the frozen base model predicts for the safe prompt on the safe
 * picture, while its predictions for the safe prompt and for neutral prompts stay those of the base model.
 *
 * <p>The base weights never get gradients, only the adapter's factors and magnitudes. One step runs the frozen model
 * once, outside any gradient scope, for the targets, and the adapted model once over every term's rows together.
 * Batches, timesteps and noise come from the settings' seed, so a run is repeatable.
 */
final class RealignmentTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(RealignmentTrainer.class);
    private static final AdamWOptions OPTIMIZER = new AdamWOptions(0.9, 0.999, 1e-8, 0.0);

    private final ErasureProblem problem;
    private final RealignmentSettings settings;
    private final Objective objective;
    private final UNet2DConditionModel base;
    private final int[] pictureSource;

    /** The target that the adapted model's prediction for an unsafe prompt is trained towards. */
    enum Objective {
        /** The frozen model's prediction for the safe counterpart, on the pair's own safe picture. */
        PAIRED,
        /** The frozen model's prediction for another pair's safe prompt, on that pair's safe picture. */
        UNPAIRED,
        /**
         * ESD's negatively guided target {@code ε_θ0(x_t, ∅) − η (ε_θ0(x_t, c_unsafe) − ε_θ0(x_t, ∅))} on the noised
         * unsafe picture, with η = {@value #NEGATIVE_GUIDANCE}; no preservation terms.
         */
        NEGATIVE_GUIDANCE
    }

    /** ESD's negative guidance scale η, the value of the ESD paper's experiments. */
    static final double NEGATIVE_GUIDANCE = 1.0;

    RealignmentTrainer(ErasureProblem problem, RealignmentSettings settings, Objective objective) {
        this.problem = problem;
        this.settings = settings;
        this.objective = objective;
        this.base = problem.baseModel();
        this.pictureSource = objective == Objective.UNPAIRED ? otherPairs(problem.pairs())
                : identity(problem.pairs().size());
    }

    ErasureResult train(String methodId, Adapter adapter, Path checkpoints, TrainingControl control,
            NDManager parent) {
        PyTorchRuntime.disableGradientRecordingOnThisThread();
        Map<String, TextEncoding> encodings = encodeAll();
        base.weights().setRequiresGradient(false);
        adapter.setRequiresGradient(false);
        Engine engine = PyTorchRuntime.engine();
        String fingerprint = RealignmentCheckpoint.fingerprint(methodId, settings, problem);
        List<ErasureResult.LossPoint> curve = new ArrayList<>();
        Path lastCheckpoint = null;
        double windowSum = 0;
        int windowSteps = 0;
        double earlierSeconds = 0;
        int firstStep = 0;
        try (NDManager root = parent.newSubManager();
                AdamW optimizer = new AdamW(adapter.parameters(), OPTIMIZER, name -> false, root)) {
            SplittableRandom random = new SplittableRandom(settings.seed());
            if (checkpoints != null && control.resume()) {
                Path latest = latestCheckpoint(checkpoints);
                if (latest != null) {
                    RealignmentCheckpoint.Progress progress = restore(latest, adapter, optimizer, fingerprint);
                    firstStep = progress.step();
                    curve.addAll(progress.lossCurve());
                    windowSum = progress.windowSum();
                    windowSteps = progress.windowSteps();
                    earlierSeconds = progress.trainedSeconds();
                    lastCheckpoint = latest;
                    // The batches, timesteps and noise of the finished steps are drawn and dropped, so the resumed
                    // run draws what the uninterrupted run would have drawn.
                    for (int step = 0; step < firstStep; step++) {
                        draw(random);
                    }
                    LOG.info("Resuming {} from checkpoint {} at step {}/{}", methodId, latest, firstStep,
                            settings.steps());
                }
            }
            adapter.setRequiresGradient(true);
            LOG.info("Training {} on {} pairs of {} and {} neutral examples: {} steps of {} pairs", methodId,
                    problem.pairs().size(), problem.conceptIds(), problem.neutral().size(), settings.steps(),
                    settings.batchSize());
            long started = System.nanoTime();
            for (int step = firstStep; step < settings.steps(); step++) {
                if (control.cancelRequested()) {
                    LOG.info("{} cancelled at step {}/{}", methodId, step, settings.steps());
                    throw new TrainingCancelledException(methodId, step, settings.steps());
                }
                StepLoss loss = trainStep(engine, root, adapter, optimizer, encodings, draw(random), methodId, step,
                        lastCheckpoint);
                windowSum += loss.total();
                windowSteps++;
                boolean last = step + 1 == settings.steps();
                double seconds = (System.nanoTime() - started) / 1e9;
                double secondsPerStep = seconds / (step + 1 - firstStep);
                if ((step + 1) % settings.logEvery() == 0 || last) {
                    curve.add(new ErasureResult.LossPoint(step + 1, windowSum / windowSteps));
                    LOG.info("{} step {}/{}  loss {} (window {}; realign {}, preserve {}, neutral {})  lr {}"
                            + "  {} steps/s", methodId, step + 1, settings.steps(), format(loss.total()),
                            format(windowSum / windowSteps), format(loss.realign()), format(loss.preserve()),
                            format(loss.neutral()), String.format("%.2e", settings.learningRateAt(step)),
                            String.format("%.2f", 1 / secondsPerStep));
                    windowSum = 0;
                    windowSteps = 0;
                }
                control.onStep(step + 1, settings.steps(), loss.total(), secondsPerStep);
                if (checkpoints != null && ((step + 1) % settings.checkpointEvery() == 0 || last)) {
                    RealignmentCheckpoint.Progress progress = new RealignmentCheckpoint.Progress(step + 1,
                            fingerprint, curve, windowSum, windowSteps, earlierSeconds + seconds);
                    lastCheckpoint = writeCheckpoint(adapter, optimizer, checkpoints, progress);
                    control.onCheckpoint(step + 1, lastCheckpoint);
                }
            }
            adapter.setRequiresGradient(false);
            double wallSeconds = earlierSeconds + (System.nanoTime() - started) / 1e9;
            LOG.info("Trained {} in {} s ({} steps)", methodId, String.format("%.1f", wallSeconds), settings.steps());
            return new ErasureResult(methodId, adapter, settings.steps(), wallSeconds, curve);
        }
    }

    /** The random choices of one step: which pairs and neutral examples, their timesteps, and the noise seed. */
    record StepDraw(int[] pairRows, int[] neutralIndices, int[] timesteps, long noiseSeed) {
    }

    /** Draws one step's choices; every step draws the same amount, so skipping steps means drawing and dropping. */
    private StepDraw draw(SplittableRandom random) {
        boolean guided = objective == Objective.NEGATIVE_GUIDANCE;
        int batch = settings.batchSize();
        int neutralRows = !guided && settings.neutralWeight() > 0 && !problem.neutral().isEmpty() ? batch : 0;
        int[] pairRows = new int[batch];
        for (int i = 0; i < batch; i++) {
            pairRows[i] = random.nextInt(problem.pairs().size());
        }
        int[] neutralIndices = new int[neutralRows];
        for (int i = 0; i < neutralRows; i++) {
            neutralIndices[i] = random.nextInt(problem.neutral().size());
        }
        long noiseSeed = random.nextLong();
        int[] timesteps = new int[batch + neutralRows];
        for (int row = 0; row < timesteps.length; row++) {
            timesteps[row] = random.nextInt(problem.schedule().numTrainTimesteps());
        }
        return new StepDraw(pairRows, neutralIndices, timesteps, noiseSeed);
    }

    private static Path latestCheckpoint(Path checkpoints) {
        try {
            return RealignmentCheckpoint.latest(checkpoints).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to list the checkpoints in " + checkpoints, e);
        }
    }

    private static RealignmentCheckpoint.Progress restore(Path checkpoint, Adapter adapter, AdamW optimizer,
            String fingerprint) {
        try {
            return RealignmentCheckpoint.restore(checkpoint, adapter, optimizer, fingerprint);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to resume from the checkpoint " + checkpoint, e);
        }
    }

    /** The loss of one step and its three terms, each the batch mean of its rows' squared errors. */
    record StepLoss(double total, double realign, double preserve, double neutral) {
    }

    private StepLoss trainStep(Engine engine, NDManager root, Adapter adapter, AdamW optimizer,
            Map<String, TextEncoding> encodings, StepDraw draw, String methodId, int step, Path lastCheckpoint) {
        List<TrainingPair> pairs = problem.pairs();
        List<NeutralExample> neutral = problem.neutral();
        UNet2DConditionConfig config = base.config();
        int side = config.sampleSize();
        int channels = config.inChannels();
        int pixels = channels * side * side;
        int batch = settings.batchSize();
        boolean guided = objective == Objective.NEGATIVE_GUIDANCE;
        boolean preserve = !guided && settings.preservationWeight() > 0;
        int neutralRows = !guided && settings.neutralWeight() > 0 && !neutral.isEmpty() ? batch : 0;

        int[] pairRows = draw.pairRows();
        int[] neutralIndices = draw.neutralIndices();
        int frozenRows = batch + neutralRows;
        int[] timesteps = draw.timesteps();
        float[] clean = new float[frozenRows * pixels];
        float[] noise = new float[frozenRows * pixels];
        Random gaussian = new Random(draw.noiseSeed());
        List<TextEncoding> unsafeContexts = new ArrayList<>(batch);
        List<TextEncoding> targetContexts = new ArrayList<>(frozenRows);
        for (int row = 0; row < frozenRows; row++) {
            float[] picture;
            if (row < batch && guided) {
                TrainingPair pair = pairs.get(pairRows[row]);
                picture = pair.unsafePictureView();
                targetContexts.add(encodings.get(pair.unsafePrompt()));
                unsafeContexts.add(encodings.get(pair.unsafePrompt()));
            } else if (row < batch) {
                TrainingPair source = pairs.get(pictureSource[pairRows[row]]);
                picture = source.safePictureView();
                targetContexts.add(encodings.get(source.safePrompt()));
                unsafeContexts.add(encodings.get(pairs.get(pairRows[row]).unsafePrompt()));
            } else {
                NeutralExample example = neutral.get(neutralIndices[row - batch]);
                picture = example.pictureView();
                targetContexts.add(encodings.get(example.prompt()));
            }
            System.arraycopy(picture, 0, clean, row * pixels, pixels);
            for (int i = 0; i < pixels; i++) {
                noise[row * pixels + i] = (float) gaussian.nextGaussian();
            }
        }

        adapter.zeroGradients();
        try (NDManager scope = root.newSubManager()) {
            Shape pictureShape = new Shape(frozenRows, channels, side, side);
            NDArray noised = problem.schedule().addNoise(scope.create(clean, pictureShape),
                    scope.create(noise, pictureShape), timesteps);
            long[] timestepValues = new long[frozenRows];
            for (int row = 0; row < frozenRows; row++) {
                timestepValues[row] = timesteps[row];
            }
            NDArray frozenTimesteps = scope.create(timestepValues);
            int tokens = problem.encoder().maxTokens();
            TextContextBatch frozenText = TextContextBatch.pad(targetContexts, tokens, scope);
            // No array here requires a gradient, so the frozen pass records no graph: [frozenRows, C, H, W]
            NDArray target = base.forward(noised, frozenTimesteps, frozenText.context(),
                    frozenText.attentionMask());
            if (guided) {
                target = negativelyGuided(target, noised, frozenTimesteps, encodings.get(""), tokens, scope);
            }

            // The adapted pass: unsafe prompts on the pair rows, then the safe prompts on the same rows, then the
            // neutral rows, against the frozen targets of the same pictures.
            NDArray pairNoised = noised.get("0:" + batch);
            NDArray pairTarget = target.get("0:" + batch);
            NDArray pairTimesteps = frozenTimesteps.get("0:" + batch);
            NDList samples = new NDList(pairNoised);
            NDList targets = new NDList(pairTarget);
            NDList steps = new NDList(pairTimesteps);
            List<TextEncoding> adaptedContexts = new ArrayList<>(unsafeContexts);
            List<Float> weights = new ArrayList<>();
            addWeights(weights, batch, 1.0 / batch);
            if (preserve) {
                samples.add(pairNoised);
                targets.add(pairTarget);
                steps.add(pairTimesteps);
                adaptedContexts.addAll(targetContexts.subList(0, batch));
                addWeights(weights, batch, settings.preservationWeight() / batch);
            }
            if (neutralRows > 0) {
                samples.add(noised.get(batch + ":"));
                targets.add(target.get(batch + ":"));
                steps.add(frozenTimesteps.get(batch + ":"));
                adaptedContexts.addAll(targetContexts.subList(batch, frozenRows));
                addWeights(weights, neutralRows, settings.neutralWeight() / neutralRows);
            }
            int rows = weights.size();
            float[] rowWeights = new float[rows];
            for (int i = 0; i < rows; i++) {
                rowWeights[i] = weights.get(i);
            }
            NDArray adaptedSamples = NDArrays.concat(samples, 0);
            NDArray adaptedTargets = NDArrays.concat(targets, 0);
            NDArray adaptedTimesteps = NDArrays.concat(steps, 0);
            TextContextBatch adaptedText = TextContextBatch.pad(adaptedContexts, tokens, scope);

            float[] rowLosses;
            float lossValue;
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray predicted = base.forward(adaptedSamples, adaptedTimesteps, adaptedText.context(),
                        adaptedText.attentionMask(), adapter);
                // [rows, C, H, W] -> [rows]: each row's mean squared error over its pixels
                NDArray perRow = predicted.sub(adaptedTargets).square().reshape(rows, -1).mean(new int[] {1});
                NDArray loss = perRow.mul(scope.create(rowWeights)).sum();
                lossValue = loss.getFloat();
                rowLosses = perRow.toFloatArray();
                if (!Float.isFinite(lossValue)) {
                    throw diverged(methodId, step, "the loss is " + lossValue, lastCheckpoint);
                }
                collector.backward(loss);
            }
            double norm = GradientClipping.clipByGlobalNorm(adapter.parameters(), settings.maxGradientNorm());
            if (!Double.isFinite(norm)) {
                throw diverged(methodId, step, "the gradient norm is " + norm, lastCheckpoint);
            }
            optimizer.step(settings.learningRateAt(step));
            return new StepLoss(lossValue, mean(rowLosses, 0, batch), preserve ? mean(rowLosses, batch, batch) : 0,
                    neutralRows > 0 ? mean(rowLosses, rows - neutralRows, neutralRows) : 0);
        }
    }

    /**
     * Returns ESD's target {@code (1 + η) ε_∅ − η ε_c} from the conditional predictions {@code conditional} of the
     * frozen model and its unconditional predictions on the same noised pictures.
     */
    private NDArray negativelyGuided(NDArray conditional, NDArray noised, NDArray timesteps,
            TextEncoding unconditional, int tokens, NDManager scope) {
        int rows = (int) noised.getShape().get(0);
        TextContextBatch empty = TextContextBatch.pad(Collections.nCopies(rows, unconditional), tokens, scope);
        NDArray unconditionalPrediction = base.forward(noised, timesteps, empty.context(), empty.attentionMask());
        NDArray keep = scope.create((float) (1 + NEGATIVE_GUIDANCE));
        NDArray push = scope.create((float) NEGATIVE_GUIDANCE);
        return unconditionalPrediction.mul(keep).sub(conditional.mul(push));
    }

    private ErasureDivergedException diverged(String methodId, int step, String problemText, Path lastCheckpoint) {
        String message = "Erasure training of " + methodId + " diverged at step " + (step + 1) + " of "
                + settings.steps() + ": " + problemText + "; the step's update was not applied and the last good"
                + " checkpoint is " + (lastCheckpoint == null ? "none" : lastCheckpoint.toString())
                + ". Lower the learning rate or the gradient-norm limit";
        LOG.error(message);
        return new ErasureDivergedException(message, step + 1, lastCheckpoint);
    }

    /** Writes a checkpoint of the run and deletes the previous one once the new one is complete. */
    private static Path writeCheckpoint(Adapter adapter, AdamW optimizer, Path checkpoints,
            RealignmentCheckpoint.Progress progress) {
        Path target;
        try {
            target = RealignmentCheckpoint.write(checkpoints, adapter, optimizer, progress);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to write the checkpoint of step " + progress.step() + " into "
                    + checkpoints, e);
        }
        LOG.info("Wrote checkpoint {} (step {})", target, progress.step());
        return target;
    }

    /** Encodes every prompt the run uses once, before the first step. */
    private Map<String, TextEncoding> encodeAll() {
        Set<String> prompts = new LinkedHashSet<>();
        for (TrainingPair pair : problem.pairs()) {
            prompts.add(pair.unsafePrompt());
            prompts.add(pair.safePrompt());
        }
        for (NeutralExample example : problem.neutral()) {
            prompts.add(example.prompt());
        }
        prompts.add("");
        List<String> ordered = List.copyOf(prompts);
        List<TextEncoding> encoded = problem.encoder().encodeBatch(ordered);
        Map<String, TextEncoding> byPrompt = new HashMap<>();
        for (int i = 0; i < ordered.size(); i++) {
            byPrompt.put(ordered.get(i), encoded.get(i));
        }
        return byPrompt;
    }

    private static int[] identity(int size) {
        int[] indices = new int[size];
        for (int i = 0; i < size; i++) {
            indices[i] = i;
        }
        return indices;
    }

    /**
     * Gives each pair the picture of another pair: the next pair of the same concept when the concept has several,
     * otherwise the next pair of the whole list. Every pair then trains on a picture whose structure is not its own.
     */
    private static int[] otherPairs(List<TrainingPair> pairs) {
        if (pairs.size() < 2) {
            throw new IllegalArgumentException("Unpaired realignment needs at least two pairs, so that no unsafe prompt"
                    + " trains on its own safe picture; got " + pairs.size());
        }
        Map<String, List<Integer>> byConcept = new LinkedHashMap<>();
        for (int i = 0; i < pairs.size(); i++) {
            byConcept.computeIfAbsent(pairs.get(i).conceptId(), id -> new ArrayList<>()).add(i);
        }
        int[] source = new int[pairs.size()];
        for (List<Integer> members : byConcept.values()) {
            for (int k = 0; k < members.size(); k++) {
                int index = members.get(k);
                source[index] = members.size() > 1 ? members.get((k + 1) % members.size())
                        : (index + 1) % pairs.size();
            }
        }
        return source;
    }

    private static void addWeights(List<Float> weights, int count, double weight) {
        for (int i = 0; i < count; i++) {
            weights.add((float) weight);
        }
    }

    private static double mean(float[] values, int from, int count) {
        double sum = 0;
        for (int i = from; i < from + count; i++) {
            sum += values[i];
        }
        return sum / count;
    }

    private static String format(double value) {
        return String.format("%.4f", value);
    }
}
