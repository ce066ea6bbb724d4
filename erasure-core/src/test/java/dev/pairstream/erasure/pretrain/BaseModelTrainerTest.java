package dev.pairstream.erasure.pretrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseModelTrainerTest {

    private static final String WEIGHTS = "unet/" + UNet2DConditionModel.WEIGHTS_FILE;

    private static MiniLmTextEncoder encoder;
    private static TrainingSet data;

    @TempDir
    Path folder;

    @BeforeAll
    static void loadEncoder() {
        encoder = MiniLmTextEncoder.builder().maxTokens(32).intraOpThreads(1).build();
        data = TinyWorld.trainingSet();
    }

    @AfterAll
    static void closeEncoder() {
        encoder.close();
    }

    /** Collects the loss of every step; needs logEvery 1. */
    private static final class LossRecorder implements TrainingListener {
        final List<Double> losses = new ArrayList<>();
        final List<Long> checkpointSteps = new ArrayList<>();

        @Override
        public void onProgress(TrainingProgress progress) {
            losses.add(progress.windowLoss());
        }

        @Override
        public void onCheckpoint(long step, Path checkpoint) {
            checkpointSteps.add(step);
        }
    }

    @Test
    void plainLossDecreasesOnFixedBatch() {
        // Given one batch without warm-up and the unweighted mean squared error
        BaseModelTrainingConfig config = TinyWorld.config().warmupSteps(0).learningRate(3e-3).steps(25)
                .minSnrGamma(0).build();

        // When
        List<Float> losses = trainOnOneBatch(config, 25);

        // Then
        assertFiniteAndHalved(losses);
    }

    @Test
    void minSnrWeightedLossDecreases() {
        // Given one batch and Min-SNR-5 loss weighting
        BaseModelTrainingConfig config = TinyWorld.config().warmupSteps(0).learningRate(3e-3).steps(25)
                .minSnrGamma(5).build();

        // When the batch is trained on 25 times
        List<Float> losses = trainOnOneBatch(config, 25);

        // Then every weighted loss is finite and the last five average under half the first five
        assertFiniteAndHalved(losses);
    }

    /** Trains a fresh model on the first batch of the tiny world, step after step, and returns each step's loss. */
    private List<Float> trainOnOneBatch(BaseModelTrainingConfig config, int steps) {
        BaseModelTrainer trainer = new BaseModelTrainer(config, data, encoder, folder);
        Engine engine = PyTorchRuntime.engine();
        CaptionContexts contexts = new CaptionContexts(data, encoder);
        PreparedBatch batch = new BatchPlanner(data, contexts, 4, 1000, 0.1, 5).prepare(0);
        List<Float> losses = new ArrayList<>();
        try (NDManager root = engine.newBaseManager();
                BaseModelTrainer.RunState run = BaseModelTrainer.RunState.create(config,
                        UNet2DConditionModel.initialize(config.unet(), root, 3), root)) {
            run.state = new TrainerState(1, 0, null, 0, Double.NaN, List.of(), "", "", config);
            for (int i = 0; i < steps; i++) {
                losses.add(trainer.trainStep(engine, root, run, batch));
            }
        }
        return losses;
    }

    private static void assertFiniteAndHalved(List<Float> losses) {
        for (float loss : losses) {
            assertTrue(Float.isFinite(loss), "every loss finite: " + losses);
        }
        double firstFive = losses.subList(0, 5).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
        double lastFive = losses.subList(losses.size() - 5, losses.size()).stream().mapToDouble(Float::doubleValue)
                .average().orElseThrow();
        assertTrue(lastFive < 0.5 * firstFive, "loss must at least halve: " + losses);
    }

    @Test
    void resumedRunMatchesUninterruptedRun() throws Exception {
        // Given an uninterrupted run of 6 steps
        BaseModelTrainingConfig config = TinyWorld.config().build();
        LossRecorder uninterrupted = new LossRecorder();
        Path runA = folder.resolve("a");
        TrainingResult full = new BaseModelTrainer(config, data, encoder, runA).listener(uninterrupted)
                .train(StopCondition.never());

        // When another run stops after 3 steps and a new trainer continues it
        Path runB = folder.resolve("b");
        LossRecorder firstPart = new LossRecorder();
        TrainingResult stopped = new BaseModelTrainer(config, data, encoder, runB).listener(firstPart)
                .train(StopCondition.atStep(3));
        LossRecorder secondPart = new LossRecorder();
        TrainingResult resumed = new BaseModelTrainer(config, data, encoder, runB).listener(secondPart)
                .train(StopCondition.never());

        // Then
        assertEquals(6, full.step());
        assertTrue(full.completed());
        assertEquals(3, stopped.step());
        assertFalse(stopped.completed());
        assertEquals(runB.resolve("checkpoints/step-00000003"), stopped.lastCheckpoint());
        assertEquals(3, resumed.startStep());
        assertEquals(6, resumed.step());
        assertEquals(uninterrupted.losses.subList(0, 3), firstPart.losses);
        assertEquals(uninterrupted.losses.subList(3, 6), secondPart.losses);
        for (String file : List.of(WEIGHTS, "ema/ema.safetensors", "optimizer/optimizer.safetensors")) {
            assertArrayEquals(Files.readAllBytes(runA.resolve("checkpoints/step-00000006").resolve(file)),
                    Files.readAllBytes(runB.resolve("checkpoints/step-00000006").resolve(file)), file);
        }
        TrainerState state = BaseModelTrainer.readState(resumed.lastCheckpoint());
        assertEquals(6, state.step());
        assertEquals(6L * 4, state.rng().nextSamplePosition());
        assertEquals(6, state.lossCurve().size());
    }

    @Test
    void checkpointsAreWrittenAtCadenceAndPruned() throws Exception {
        // Given
        BaseModelTrainingConfig config = TinyWorld.config().steps(5).checkpointEvery(2).keepCheckpoints(2).build();
        LossRecorder recorder = new LossRecorder();

        // When
        new BaseModelTrainer(config, data, encoder, folder).listener(recorder).train(StopCondition.never());

        // Then: written after steps 2, 4 and the last step 5; only the newest two are kept
        assertEquals(List.of(2L, 4L, 5L), recorder.checkpointSteps);
        try (var children = Files.list(folder.resolve("checkpoints"))) {
            assertEquals(List.of("step-00000004", "step-00000005"),
                    children.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void nanLossStopsRunAndKeepsLastCheckpoint() throws Exception {
        // Given a run whose fifth loss is made NaN, with a checkpoint after every second step
        BaseModelTrainingConfig config = TinyWorld.config().steps(10).checkpointEvery(2).build();
        byte[][] weightsAtStepFour = new byte[1][];
        int[] attempts = {0};
        BaseModelTrainer trainer = new BaseModelTrainer(config, data, encoder, folder)
                .lossProbe((step, loss) -> {
                    if (step != 4) {
                        return loss;
                    }
                    attempts[0]++;
                    return loss.mul(Float.NaN);
                })
                .listener(new TrainingListener() {
                    @Override
                    public void onCheckpoint(long step, Path checkpoint) {
                        if (step == 4) {
                            weightsAtStepFour[0] = readQuietly(checkpoint.resolve(WEIGHTS));
                        }
                    }
                });

        // When
        TrainingDivergedException error = assertThrows(TrainingDivergedException.class,
                () -> trainer.train(StopCondition.never()));

        // Then
        Path lastGood = folder.resolve("checkpoints/step-00000004");
        assertEquals("Training diverged at step 5 of 10: the loss is NaN; the step's update was not applied and the"
                + " last good checkpoint is " + lastGood + ". Lower the learning rate or the gradient-norm limit and"
                + " resume", error.getMessage());
        assertEquals(1 + BaseModelTrainer.DEFAULT_DIVERGENCE_RETRIES, attempts[0], "the step is tried again first");
        assertEquals(5, error.step());
        assertEquals(lastGood, error.lastCheckpoint().orElseThrow());
        assertEquals(BaseModelTrainer.latestCheckpoint(folder).orElseThrow(), lastGood);
        assertEquals(4, BaseModelTrainer.readState(lastGood).step());
        assertArrayEquals(weightsAtStepFour[0], Files.readAllBytes(lastGood.resolve(WEIGHTS)));

        // And a run without the fault resumes from the last good checkpoint
        TrainingResult resumed = new BaseModelTrainer(config, data, encoder, folder).train(StopCondition.atStep(5));
        assertEquals(4, resumed.startStep());
        assertEquals(5, resumed.step());
    }

    @Test
    void transientNanIsRetriedWithoutChangingTheRun() throws Exception {
        // Given a run whose third step gives a NaN loss on its first attempt only, and a run without the fault
        BaseModelTrainingConfig config = TinyWorld.config().steps(4).build();
        LossRecorder clean = new LossRecorder();
        new BaseModelTrainer(config, data, encoder, folder.resolve("clean")).listener(clean)
                .train(StopCondition.never());
        int[] attempts = {0};
        LossRecorder faulty = new LossRecorder();

        // When
        TrainingResult result = new BaseModelTrainer(config, data, encoder, folder.resolve("faulty"))
                .listener(faulty)
                .lossProbe((step, loss) -> step == 2 && attempts[0]++ == 0 ? loss.mul(Float.NaN) : loss)
                .train(StopCondition.never());

        // Then
        assertEquals(1, result.retriedSteps());
        assertEquals(clean.losses, faulty.losses);
        assertArrayEquals(Files.readAllBytes(folder.resolve("clean/checkpoints/step-00000004").resolve(WEIGHTS)),
                Files.readAllBytes(folder.resolve("faulty/checkpoints/step-00000004").resolve(WEIGHTS)));
    }

    @Test
    void resumeWithOtherHyperParametersIsRejected() throws Exception {
        // Given
        new BaseModelTrainer(TinyWorld.config().steps(2).build(), data, encoder, folder).train(StopCondition.never());
        BaseModelTrainingConfig changed = TinyWorld.config().steps(2).learningRate(5e-3).build();

        // When
        IOException error = assertThrows(IOException.class,
                () -> new BaseModelTrainer(changed, data, encoder, folder).train(StopCondition.never()));

        // Then
        assertTrue(error.getMessage().startsWith("Checkpoint " + folder.resolve("checkpoints/step-00000002")
                + " belongs to a run with other hyper-parameters"), error.getMessage());
    }

    @Test
    void encoderWithOtherTokenCountIsRejected() {
        // Given
        BaseModelTrainingConfig config = TinyWorld.config().maxTokens(24).build();

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new BaseModelTrainer(config, data, encoder, folder));

        // Then
        assertEquals("The text encoder encodes 32 tokens but the config sets maxTokens 24; build the encoder with"
                + " the config's value", error.getMessage());
    }

    private static byte[] readQuietly(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
