package dev.pairstream.erasure.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.adapter.Adapter;
import dev.pairstream.erasure.adapter.PeftAdapterFiles;
import dev.pairstream.erasure.emoji.EmojiRenderer;
import dev.pairstream.erasure.emoji.Scene;
import dev.pairstream.erasure.fisher.FisherAccumulator;
import dev.pairstream.erasure.fisher.FisherBatch;
import dev.pairstream.erasure.fisher.FisherEstimate;
import dev.pairstream.erasure.fisher.FisherEstimator;
import dev.pairstream.erasure.fisher.FisherKey;
import dev.pairstream.erasure.fisher.PairHalf;
import dev.pairstream.erasure.model.LinearWeightResolver;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.pretrain.TinyWorld;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.schedule.NoiseSchedule;
import dev.pairstream.erasure.schedule.SchedulerConfig;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import dev.pairstream.erasure.text.TextContextBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trains small adapters on the tiny world and checks what realignment promises. */
class AdapterErasureTest {

    private static final String BASE_ID = "tiny-world-base";
    private static final long BASE_SEED = 3;

    private static MiniLmTextEncoder encoder;

    private NDManager root;
    private UNet2DConditionModel base;
    private NoiseSchedule schedule;

    @TempDir
    Path folder;

    @BeforeAll
    static void loadEncoder() {
        encoder = MiniLmTextEncoder.builder().maxTokens(16).intraOpThreads(1).build();
    }

    @AfterAll
    static void closeEncoder() {
        encoder.close();
    }

    @BeforeEach
    void createBase() {
        root = PyTorchRuntime.engine().newBaseManager();
        base = UNet2DConditionModel.initialize(TinyWorld.unet(), root, BASE_SEED);
        schedule = new NoiseSchedule(SchedulerConfig.ddpmLinear());
    }

    @AfterEach
    void closeBase() {
        base.close();
        root.close();
    }

    @Test
    void pairTrainingMovesUnsafePredictionTowardSafeTarget() {
        // Given
        ErasureProblem problem = problem(true);
        RealignmentSettings settings = settings(40);
        double before = realignmentError(problem, LinearWeightResolver.stored());

        // When
        try (ErasureResult result = AdapterErasure.PAIR.train(problem, settings, null, root)) {
            double after = realignmentError(problem, result.resolver());

            // Then: the unsafe prompt's prediction is at least a third closer to the safe target
            assertTrue(after < 0.67 * before, "realignment error before " + before + ", after " + after);
            assertEquals(40, result.steps());
            assertEquals("pair", result.adapter().config().provenance().get("method"));
        }
    }

    @Test
    void esdTrainingMovesUnsafePredictionTowardGuidedTarget() {
        // Given
        ErasureProblem problem = problem(false);
        double before = guidedError(problem, LinearWeightResolver.stored());

        // When
        try (ErasureResult result = AdapterErasure.ESD_X.train(problem, settings(30), null, root)) {
            double after = guidedError(problem, result.resolver());

            // Then
            assertTrue(after < 0.67 * before, "ESD error before " + before + ", after " + after);
            assertEquals(false, result.adapter().config().useDora());
        }
    }

    @Test
    void baseWeightsStayUntouched() {
        // Given
        float[] before = base.weights().get(firstTarget() + ".weight").toFloatArray();

        // When
        try (ErasureResult result = AdapterErasure.DORA_RANDOM.train(problem(false), settings(5), null, root)) {

            // Then
            assertArrayEquals(before, base.weights().get(firstTarget() + ".weight").toFloatArray(), 0f);
            assertEquals(false, base.weights().get(firstTarget() + ".weight").hasGradient());
        }
    }

    @Test
    void sameSeedGivesIdenticalAdapter() {
        // Given
        ErasureProblem problem = problem(false);

        // When
        float[] first;
        float[] second;
        try (ErasureResult result = AdapterErasure.LORA_RANDOM.train(problem, settings(6), null, root)) {
            first = flatten(result.adapter());
        }
        try (ErasureResult result = AdapterErasure.LORA_RANDOM.train(problem, settings(6), null, root)) {
            second = flatten(result.adapter());
        }

        // Then
        assertArrayEquals(first, second, 0f);
    }

    @Test
    void lastCheckpointLoadsAsTrainedAdapter() throws Exception {
        // Given
        ErasureProblem problem = problem(true);
        Path checkpoints = folder.resolve("checkpoints");

        // When
        try (ErasureResult result = AdapterErasure.PAIR.train(problem, settings(6).withSteps(6), checkpoints, root);
                Adapter loaded = PeftAdapterFiles.load(checkpoints.resolve("step-00000006").resolve("adapter"),
                        base.weights(), root)) {

            // Then: only the last checkpoint is kept, and it predicts what the trained adapter predicts
            try (var listing = Files.list(checkpoints)) {
                assertEquals(List.of("step-00000006"), listing.map(p -> p.getFileName().toString()).toList());
            }
            double trained = realignmentError(problem, result.resolver());
            double reloaded = realignmentError(problem, loaded);
            assertEquals(trained, reloaded, 1e-6 * Math.max(1, trained));
        }
    }

    @Test
    void cancelledRunResumesFromCheckpointToSameAdapter() {
        // Given: an uninterrupted run of 8 steps, and the same run cancelled after its checkpoint at step 4
        ErasureProblem problem = problem(true);
        RealignmentSettings settings = settings(8).withCheckpointEvery(4);
        float[] uninterrupted;
        try (ErasureResult result = AdapterErasure.PAIR.train(problem, settings, null, root)) {
            uninterrupted = flatten(result.adapter());
        }
        Path checkpoints = folder.resolve("resumed");
        StepRecorder first = new StepRecorder(false, 4);
        TrainingCancelledException cancelled = assertThrows(TrainingCancelledException.class,
                () -> AdapterErasure.PAIR.train(problem, settings, checkpoints, first, root));

        // When
        StepRecorder second = new StepRecorder(true, Integer.MAX_VALUE);
        try (ErasureResult resumed = AdapterErasure.PAIR.train(problem, settings, checkpoints, second, root)) {

            // Then: the second run starts at step 5 and ends where the uninterrupted run ended
            assertEquals(4, cancelled.finishedSteps());
            assertEquals(List.of(1, 2, 3, 4), first.steps);
            assertEquals(List.of(5, 6, 7, 8), second.steps);
            assertEquals(List.of(8), second.checkpoints);
            assertArrayEquals(uninterrupted, flatten(resumed.adapter()), 1e-5f);
        }
    }

    @Test
    void checkpointOfOtherSettingsIsNotResumed() {
        // Given: a checkpoint of a run with seed 5
        ErasureProblem problem = problem(true);
        Path checkpoints = folder.resolve("run");
        try (ErasureResult result = AdapterErasure.PAIR.train(problem, settings(4).withCheckpointEvery(2),
                checkpoints, TrainingControl.NONE, root)) {
            assertEquals(4, result.steps());
        }

        // When
        RuntimeException error = assertThrows(RuntimeException.class, () -> AdapterErasure.PAIR.train(problem,
                settings(4).withCheckpointEvery(2).withSeed(6), checkpoints, new StepRecorder(true, 99), root));

        // Then
        assertTrue(error.getCause().getMessage().contains("belongs to a run with other inputs"), error.toString());
    }

    /** Records the steps and checkpoints of a run and requests a stop once {@code stopAfter} steps are done. */
    private static final class StepRecorder implements TrainingControl {

        private final boolean resume;
        private final int stopAfter;
        private final List<Integer> steps = new java.util.ArrayList<>();
        private final List<Integer> checkpoints = new java.util.ArrayList<>();

        StepRecorder(boolean resume, int stopAfter) {
            this.resume = resume;
            this.stopAfter = stopAfter;
        }

        @Override
        public boolean resume() {
            return resume;
        }

        @Override
        public void onStep(int step, int totalSteps, double loss, double secondsPerStep) {
            steps.add(step);
        }

        @Override
        public void onCheckpoint(int step, Path checkpoint) {
            checkpoints.add(step);
        }

        @Override
        public boolean cancelRequested() {
            return !steps.isEmpty() && steps.get(steps.size() - 1) >= stopAfter;
        }
    }

    @Test
    void archivedAdapterLoadsWithSameWeightsAndSameBytes() throws Exception {
        // Given
        ErasureProblem problem = problem(true);
        try (ErasureResult result = AdapterErasure.PAIR.train(problem, settings(3), null, root)) {

            // When
            byte[] archive = dev.pairstream.erasure.adapter.AdapterArchive.write(result.adapter());
            byte[] again = dev.pairstream.erasure.adapter.AdapterArchive.write(result.adapter());
            try (Adapter loaded = dev.pairstream.erasure.adapter.AdapterArchive.read(
                    new java.io.ByteArrayInputStream(archive), base.weights(), root)) {

                // Then: the FiDoRA adapter comes back in its rank-2r export, which predicts the same
                assertArrayEquals(archive, again);
                assertEquals(4, loaded.config().rank());
                double trained = realignmentError(problem, result.resolver());
                assertEquals(trained, realignmentError(problem, loaded), 1e-6 * Math.max(1, trained));
            }
        }
    }

    @Test
    void trainingOnAnotherThreadThanTheEngineLoaderSucceeds() throws Exception {
        // Given: a fresh thread, on which PyTorch records gradients by default
        ErasureProblem problem = problem(true);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic
                .AtomicReference<>();
        long[] steps = {0};

        // When
        Thread worker = new Thread(() -> {
            try (ErasureResult result = AdapterErasure.PAIR.train(problem, settings(2), null, root)) {
                steps[0] = result.steps();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        worker.start();
        worker.join();

        // Then
        assertEquals(null, failure.get());
        assertEquals(2, steps[0]);
    }

    @Test
    void nanPictureStopsRunWithClearError() {
        // Given: a neutral example whose picture is NaN, drawn into the first step
        float[] nanPicture = new float[3 * 32 * 32];
        Arrays.fill(nanPicture, Float.NaN);
        ErasureProblem clean = problem(false);
        ErasureProblem poisoned = new ErasureProblem(base, BASE_ID, schedule, encoder, clean.pairs(),
                List.of(new NeutralExample("a banana on a grey background", nanPicture)), Optional.empty(),
                Optional.empty());

        // When
        ErasureDivergedException error = assertThrows(ErasureDivergedException.class,
                () -> AdapterErasure.DORA_RANDOM.train(poisoned, settings(5), folder.resolve("run"), root));

        // Then
        assertEquals(1, error.step());
        assertEquals(Optional.empty(), error.lastCheckpoint());
        assertTrue(error.getMessage().startsWith("Erasure training of dora-random diverged at step 1 of 5: the loss"
                + " is NaN"), error.getMessage());
    }

    @Test
    void fisherMethodWithoutEstimatesIsRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> AdapterErasure.PAIR.train(problem(false), settings(5), null, root));

        // Then
        assertEquals("Method pair starts from the Fisher-weighted initialisation and needs Fisher estimates of the"
                + " unsafe and the safe halves; none were given", error.getMessage());
    }

    @Test
    void unknownMethodIdListsKnownOnes() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> AdapterErasure.byId("esd"));

        // Then
        assertEquals("Unknown adapter erasure method 'esd'; expected one of [pair, dora-random, lora-random,"
                + " fidora-unpaired, esd-x, concept-ablation]", error.getMessage());
    }

    private RealignmentSettings settings(int steps) {
        return new RealignmentSettings(steps, 4, 1e-2, 2, 2, 2.0, 1.0, 1.0, List.of("attn2.to_k", "attn2.to_v"), 5L,
                1.0, 1e-3, 1000, 10);
    }

    /** Two pairs of pistol -> flashlight and one neutral banana, rendered by the tiny world's renderer. */
    private ErasureProblem problem(boolean withFisher) {
        EmojiRenderer renderer = TinyWorld.renderer();
        List<TrainingPair> pairs = List.of(
                new TrainingPair("pair-1", "pistol", "a pistol on a red background", "a flashlight on a red background",
                        renderer.render(new Scene("pistol", "red", "large", "top_left")).values(),
                        renderer.render(new Scene("flashlight", "red", "large", "top_left")).values()),
                new TrainingPair("pair-2", "pistol", "a gun on a blue background", "a flashlight on a blue background",
                        renderer.render(new Scene("pistol", "blue", "medium", "centre")).values(),
                        renderer.render(new Scene("flashlight", "blue", "medium", "centre")).values()));
        List<NeutralExample> neutral = List.of(new NeutralExample("a banana on a purple background",
                renderer.render(new Scene("banana", "purple", "medium", "top_right")).values()));
        ErasureProblem plain = new ErasureProblem(base, BASE_ID, schedule, encoder, pairs, neutral, Optional.empty(),
                Optional.empty());
        if (!withFisher) {
            return plain;
        }
        return new ErasureProblem(base, BASE_ID, schedule, encoder, pairs, neutral,
                Optional.of(fisher(pairs, PairHalf.UNSAFE)), Optional.of(fisher(pairs, PairHalf.SAFE)));
    }

    private FisherEstimate fisher(List<TrainingPair> pairs, PairHalf half) {
        FisherEstimator estimator = new FisherEstimator(base, schedule);
        FisherAccumulator accumulator = estimator.newAccumulator(new FisherKey(BASE_ID, "pistol", half));
        int count = pairs.size();
        float[] pictures = new float[count * 3 * 32 * 32];
        List<String> prompts = new java.util.ArrayList<>();
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            System.arraycopy(pairs.get(i).safePicture(), 0, pictures, i * 3 * 32 * 32, 3 * 32 * 32);
            prompts.add(half == PairHalf.UNSAFE ? pairs.get(i).unsafePrompt() : pairs.get(i).safePrompt());
            ids[i] = i;
        }
        try (NDManager scope = root.newSubManager();
                TextContextBatch text = encoder.encodeContext(prompts, scope)) {
            FisherBatch batch = new FisherBatch(new Shape(count, 3, 32, 32), pictures,
                    text.context().getShape(), text.context().toFloatArray(), text.attentionMask().toFloatArray(),
                    ids);
            estimator.accumulate(accumulator, batch, 17);
        }
        return accumulator.toEstimate();
    }

    /**
     * Returns the mean squared distance, over both pairs at three fixed timesteps, between the adapted model's
     * prediction for the unsafe prompt and the base model's prediction for the safe prompt, on the noised safe
     * picture.
     */
    private double realignmentError(ErasureProblem problem, LinearWeightResolver resolver) {
        int[] timesteps = {100, 400, 700};
        double sum = 0;
        int terms = 0;
        Random random = new Random(99);
        for (TrainingPair pair : problem.pairs()) {
            for (int timestep : timesteps) {
                try (NDManager scope = root.newSubManager()) {
                    float[] noise = new float[3 * 32 * 32];
                    for (int i = 0; i < noise.length; i++) {
                        noise[i] = (float) random.nextGaussian();
                    }
                    Shape shape = new Shape(1, 3, 32, 32);
                    NDArray noised = schedule.addNoise(scope.create(pair.safePicture(), shape),
                            scope.create(noise, shape), new int[] {timestep});
                    NDArray steps = scope.create(new long[] {timestep});
                    TextContextBatch safe = encoder.encodeContext(List.of(pair.safePrompt()), scope);
                    TextContextBatch unsafe = encoder.encodeContext(List.of(pair.unsafePrompt()), scope);
                    NDArray target = base.forward(noised, steps, safe.context(), safe.attentionMask());
                    NDArray predicted = base.forward(noised, steps, unsafe.context(), unsafe.attentionMask(),
                            resolver);
                    sum += predicted.sub(target).square().mean().getFloat();
                    terms++;
                }
            }
        }
        return sum / terms;
    }

    /**
     * Returns the mean squared distance between the adapted prediction for the unsafe prompt and ESD's target
     * {@code 2 ε(∅) − ε(c_unsafe)} of the base model, on the noised unsafe picture at three fixed timesteps.
     */
    private double guidedError(ErasureProblem problem, LinearWeightResolver resolver) {
        double sum = 0;
        int terms = 0;
        Random random = new Random(98);
        for (TrainingPair pair : problem.pairs()) {
            for (int timestep : new int[] {100, 400, 700}) {
                try (NDManager scope = root.newSubManager()) {
                    float[] noise = new float[3 * 32 * 32];
                    for (int i = 0; i < noise.length; i++) {
                        noise[i] = (float) random.nextGaussian();
                    }
                    Shape shape = new Shape(1, 3, 32, 32);
                    NDArray noised = schedule.addNoise(scope.create(pair.unsafePicture(), shape),
                            scope.create(noise, shape), new int[] {timestep});
                    NDArray steps = scope.create(new long[] {timestep});
                    TextContextBatch unsafe = encoder.encodeContext(List.of(pair.unsafePrompt()), scope);
                    TextContextBatch empty = encoder.encodeContext(List.of(""), scope);
                    NDArray conditional = base.forward(noised, steps, unsafe.context(), unsafe.attentionMask());
                    NDArray unconditional = base.forward(noised, steps, empty.context(), empty.attentionMask());
                    NDArray target = unconditional.mul(scope.create(2f)).sub(conditional);
                    NDArray predicted = base.forward(noised, steps, unsafe.context(), unsafe.attentionMask(),
                            resolver);
                    sum += predicted.sub(target).square().mean().getFloat();
                    terms++;
                }
            }
        }
        return sum / terms;
    }

    private String firstTarget() {
        return base.layout().crossAttentionKeyValuePaths().get(0);
    }

    private static float[] flatten(Adapter adapter) {
        Map<String, NDArray> parameters = adapter.parameters();
        int size = 0;
        for (NDArray array : parameters.values()) {
            size += (int) array.size();
        }
        float[] values = new float[size];
        int offset = 0;
        for (NDArray array : parameters.values()) {
            float[] part = array.toFloatArray();
            System.arraycopy(part, 0, values, offset, part.length);
            offset += part.length;
        }
        return values;
    }
}
