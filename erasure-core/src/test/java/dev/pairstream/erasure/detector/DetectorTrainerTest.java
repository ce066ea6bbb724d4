package dev.pairstream.erasure.detector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trains tiny detectors on synthetic shapes: loss, checkpoints, resuming, divergence and foreign checkpoints. */
class DetectorTrainerTest {

    @TempDir
    Path folder;

    /** Returns options for a few steps on 16 clean scenes, checkpointing every 4 steps and reporting every step. */
    private static TrainingOptions tinyOptions(int steps) {
        return new TrainingOptions(steps, 8, 7L, 1e-2, 0.0, 0, 4, 1, 0.25, AugmentationSettings.none());
    }

    private static DetectorTrainer trainer(TrainingOptions options) {
        return new DetectorTrainer(TinyWorld.CATALOG, TinyWorld.renderer(), TinyWorld.architecture(), options);
    }

    private static double mean(List<TrainingProgress> reports, int from, int to) {
        return reports.subList(from, to).stream().mapToDouble(TrainingProgress::loss).average().orElseThrow();
    }

    @Test
    void smokeRunLowersLossAndWritesCheckpoint() throws IOException {
        // Given
        List<TrainingProgress> reports = new ArrayList<>();
        Path checkpoints = folder.resolve("checkpoints");
        Path output = folder.resolve("detector");

        // When
        TrainingReport report = trainer(tinyOptions(16)).train(TinyWorld.scenes(), checkpoints, output, reports::add);

        // Then
        assertEquals(16, reports.size());
        assertEquals(1, reports.get(0).step());
        assertEquals(16, reports.get(15).step());
        assertThat(mean(reports, 13, 16)).isLessThan(mean(reports, 0, 3));
        assertEquals(List.of(checkpoints.resolve("step-00000016"), checkpoints.resolve("step-00000012")),
                new CheckpointStore(checkpoints).checkpoints());
        for (String file : List.of(CheckpointStore.STATE_FILE, CheckpointStore.MODEL_FILE,
                CheckpointStore.OPTIMIZER_FILE)) {
            assertTrue(Files.isRegularFile(checkpoints.resolve("step-00000016").resolve(file)), file);
        }
        assertEquals(16, report.steps());
        assertEquals(0, report.resumedFromStep());
        assertEquals(12, report.trainScenes());
        assertEquals(4, report.validationScenes());
        assertEquals(16, report.cleanCatalog().total());
    }

    @Test
    void writtenDetectorLoadsWithProvenance() throws IOException {
        // Given
        Path output = folder.resolve("detector");
        TrainingReport report = trainer(tinyOptions(4)).train(TinyWorld.scenes(), folder.resolve("checkpoints"),
                output, null);

        // When
        try (ConceptDetector detector = ConceptDetector.load(output, TinyWorld.CATALOG)) {
            // Then
            assertEquals(report.detectorVersion(), detector.version());
            TrainingProvenance training = detector.config().training();
            assertNotNull(training);
            assertEquals(tinyOptions(4), training.options());
            assertEquals(report.cleanCatalog(), training.cleanCatalog());
            assertEquals(TinyWorld.CATALOG.concepts().size(), detector.classIds().size());
            assertEquals(8, detector.featureDimension());
        }
    }

    @Test
    void interruptedRunResumesFromCheckpointStep() throws IOException {
        // Given: a run interrupted after step 10, whose newest checkpoint is step 8
        Path checkpoints = folder.resolve("checkpoints");
        DetectorTrainer trainer = trainer(tinyOptions(12));
        List<TrainingProgress> firstRun = new ArrayList<>();
        try {
            assertThrows(CancellationException.class, () -> trainer.train(TinyWorld.scenes(), checkpoints,
                    folder.resolve("interrupted"), progress -> {
                        firstRun.add(progress);
                        if (progress.step() == 10) {
                            Thread.currentThread().interrupt();
                        }
                    }));
        } finally {
            Thread.interrupted();
        }
        assertEquals(10, firstRun.size());
        assertEquals(checkpoints.resolve("step-00000008"), new CheckpointStore(checkpoints).checkpoints().get(0));

        // When
        List<TrainingProgress> secondRun = new ArrayList<>();
        TrainingReport resumed = trainer.train(TinyWorld.scenes(), checkpoints, folder.resolve("resumed"),
                secondRun::add);

        // Then
        assertEquals(8, resumed.resumedFromStep());
        assertEquals(List.of(9, 10, 11, 12), secondRun.stream().map(TrainingProgress::step).toList());
        TrainingReport uninterrupted = trainer.train(TinyWorld.scenes(), folder.resolve("other-checkpoints"),
                folder.resolve("uninterrupted"), null);
        assertEquals(uninterrupted.detectorVersion(), resumed.detectorVersion(),
                "a resumed run must draw the same batches and end with the same weights");
    }

    @Test
    void damagedNewestCheckpointFallsBackToOlder() throws IOException {
        // Given: checkpoints at steps 4 and 8, the newest with truncated weights
        Path checkpoints = folder.resolve("checkpoints");
        DetectorTrainer trainer = trainer(tinyOptions(8));
        trainer.train(TinyWorld.scenes(), checkpoints, folder.resolve("first"), null);
        Path weights = checkpoints.resolve("step-00000008").resolve(CheckpointStore.MODEL_FILE);
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length / 2));

        // When
        TrainingReport report = trainer.train(TinyWorld.scenes(), checkpoints, folder.resolve("second"), null);

        // Then
        assertEquals(4, report.resumedFromStep());
        assertEquals(8, report.steps());
    }

    @Test
    void checkpointOfOtherSeedIsRejected() throws IOException {
        // Given
        Path checkpoints = folder.resolve("checkpoints");
        trainer(tinyOptions(4)).train(TinyWorld.scenes(), checkpoints, folder.resolve("first"), null);
        DetectorTrainer otherSeed = trainer(tinyOptions(4).withSeed(8L));

        // When
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> otherSeed.train(TinyWorld.scenes(), checkpoints, folder.resolve("second"), null));

        // Then
        assertThat(error.getMessage()).contains("seed was 7, now 8").contains(checkpoints.toString());
    }

    @Test
    void divergedLossStopsAndKeepsLastGoodCheckpoint() throws IOException {
        // Given: a learning rate so large that the weights overflow within a few steps
        TrainingOptions options = new TrainingOptions(20, 8, 7L, 1e38, 0.0, 0, 1, 1, 0.25,
                AugmentationSettings.none());
        Path checkpoints = folder.resolve("checkpoints");
        Path output = folder.resolve("detector");

        // When
        TrainingDivergedException error = assertThrows(TrainingDivergedException.class,
                () -> trainer(options).train(TinyWorld.scenes(), checkpoints, output, null));

        // Then
        assertThat(error.getMessage()).contains("Training diverged at step " + error.step());
        assertThat(error.step()).isBetween(2, 20);
        assertTrue(Files.notExists(output), "no detector is written for a diverged run");
        Path lastGood = error.lastGoodCheckpoint();
        assertNotNull(lastGood, "the first step still has finite weights, so a checkpoint exists: " + error);
        assertEquals(lastGood, new CheckpointStore(checkpoints).checkpoints().get(0));
        CheckpointStore.Loaded loaded = new CheckpointStore(checkpoints).load(lastGood,
                TinyWorld.CATALOG.concepts().stream().map(c -> c.id()).toList());
        try (DetectorNetwork network = loaded.network(); AdamW optimizer = loaded.optimizer()) {
            assertEquals(null, network.firstNonFiniteTensor());
            assertThat(loaded.state().step()).isLessThan(error.step());
        }
    }
}
