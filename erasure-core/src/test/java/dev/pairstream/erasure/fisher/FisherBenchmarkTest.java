package dev.pairstream.erasure.fisher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.schedule.NoiseSchedule;
import dev.pairstream.erasure.schedule.SchedulerConfig;
import org.junit.jupiter.api.Test;

class FisherBenchmarkTest {

    private static final UNet2DConditionConfig TINY = UNet2DConditionConfig.tiny();

    @Test
    void tinyBenchmarkGivesPositiveFiniteTimings() {
        // Given
        try (NDManager root = PyTorchRuntime.engine().newBaseManager();
                UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 4)) {
            FisherEstimator estimator = new FisherEstimator(model, new NoiseSchedule(SchedulerConfig.ddpmLinear()));
            FisherBatch batch = FisherBenchmark.syntheticBatch(TINY, 4, 5, 31);

            // When
            FisherBenchmarkResult result = FisherBenchmark.run(estimator, batch, 7, 0, 1);

            // Then
            long expectedParameters = estimator.shapes().values().stream().mapToLong(Shape::size).sum();
            assertEquals(4, result.batchSize());
            assertEquals(8, result.modules());
            assertEquals(expectedParameters, result.targetParameters());
            assertEquals(0, result.warmupIterations());
            assertEquals(1, result.iterations());
            assertPositiveFinite(result.perSampleMillis(), "perSampleMillis");
            assertPositiveFinite(result.plainBackwardMillis(), "plainBackwardMillis");
            assertPositiveFinite(result.naiveLoopMillis(), "naiveLoopMillis");
            assertEquals(result.perSampleMillis() / result.plainBackwardMillis(), result.perSampleOverPlain(), 1e-12);
            assertEquals(result.naiveLoopMillis() / result.perSampleMillis(), result.naiveOverPerSample(), 1e-12);
        }
    }

    @Test
    void syntheticBatchFitsConfig() {
        // When
        FisherBatch batch = FisherBenchmark.syntheticBatch(TINY, 3, 6, 1);

        // Then
        assertEquals(new Shape(3, 3, 8, 8), batch.pictureShape());
        assertEquals(new Shape(3, 6, 12), batch.contextShape());
        assertEquals(3, batch.sampleIds().length);
    }

    @Test
    void zeroIterationsAreRejected() {
        // Given
        try (NDManager root = PyTorchRuntime.engine().newBaseManager();
                UNet2DConditionModel model = UNet2DConditionModel.initialize(TINY, root, 4)) {
            FisherEstimator estimator = new FisherEstimator(model, new NoiseSchedule(SchedulerConfig.ddpmLinear()));
            FisherBatch batch = FisherBenchmark.syntheticBatch(TINY, 1, 5, 31);

            // When
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> FisherBenchmark.run(estimator, batch, 7, 0, 0));

            // Then
            assertEquals("Invalid iterations 0; expected 1 or more", error.getMessage());
        }
    }

    private static void assertPositiveFinite(double value, String name) {
        assertTrue(Double.isFinite(value), name + " is " + value);
        assertTrue(value > 0, name + " is " + value);
    }
}
