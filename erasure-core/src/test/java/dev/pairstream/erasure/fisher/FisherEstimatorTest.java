package dev.pairstream.erasure.fisher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.schedule.NoiseSchedule;
import dev.pairstream.erasure.schedule.SchedulerConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FisherEstimatorTest {

    private static final UNet2DConditionConfig TINY = UNet2DConditionConfig.tiny();
    private static final int TOKENS = 5;
    private static final long SEED = 11;
    private static final double GRADIENT_TOLERANCE = 1e-5;
    private static final FisherKey KEY = new FisherKey("tiny-base", "knife", PairHalf.UNSAFE);

    private NDManager root;
    private UNet2DConditionModel model;
    private NoiseSchedule schedule;

    @BeforeEach
    void createModel() {
        Engine engine = PyTorchRuntime.engine();
        root = engine.newBaseManager();
        model = UNet2DConditionModel.initialize(TINY, root, 5);
        schedule = new NoiseSchedule(SchedulerConfig.ddpmLinear());
    }

    @AfterEach
    void closeModel() {
        model.close();
        root.close();
    }

    @Test
    void defaultTargetsAreCrossAttentionKeysAndValues() {
        // Given
        FisherEstimator estimator = new FisherEstimator(model, schedule);

        // When
        List<String> modules = estimator.modules();

        // Then: the tiny UNet has cross-attention in one down block, the mid block and one up block
        assertEquals(List.of(
                "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k",
                "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_v",
                "up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k",
                "up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_v",
                "up_blocks.1.attentions.1.transformer_blocks.0.attn2.to_k",
                "up_blocks.1.attentions.1.transformer_blocks.0.attn2.to_v",
                "mid_block.attentions.0.transformer_blocks.0.attn2.to_k",
                "mid_block.attentions.0.transformer_blocks.0.attn2.to_v"), modules);
        assertEquals(new Shape(8, TINY.crossAttentionDim()), estimator.shapes().get(modules.get(0)));
    }

    @Test
    void batchedPerSampleGradientsMatchNaiveLoop() {
        // Given
        FisherEstimator estimator = new FisherEstimator(model, schedule);
        FisherBatch batch = FisherBenchmark.syntheticBatch(TINY, 3, TOKENS, 21);

        // When
        PerSampleGradients batched = estimator.perSampleGradients(batch, SEED);
        PerSampleGradients naive = estimator.naivePerSampleGradients(batch, SEED);

        // Then: every module's gradient of every sample agrees, and none is all zero
        for (String module : estimator.modules()) {
            for (int sample = 0; sample < batch.batchSize(); sample++) {
                float[] expected = naive.gradient(module, sample);
                float[] actual = batched.gradient(module, sample);
                assertEquals(expected.length, actual.length);
                double scale = maxAbs(expected);
                assertTrue(scale > 0, "gradient of " + module + " for sample " + sample + " is zero");
                double tolerance = tolerance(scale);
                for (int index = 0; index < expected.length; index++) {
                    assertEquals(expected[index], actual[index], tolerance,
                            module + " sample " + sample + " index " + index);
                }
            }
        }
    }

    @Test
    void perSampleGradientsDifferBetweenSamples() {
        // Given
        FisherEstimator estimator = new FisherEstimator(model, schedule);
        FisherBatch batch = FisherBenchmark.syntheticBatch(TINY, 2, TOKENS, 21);
        String module = estimator.modules().get(0);

        // When
        PerSampleGradients gradients = estimator.perSampleGradients(batch, SEED);

        // Then: each sample gets its own gradient, not a shared batch gradient
        float[] first = gradients.gradient(module, 0);
        float[] second = gradients.gradient(module, 1);
        double difference = 0;
        for (int index = 0; index < first.length; index++) {
            difference = Math.max(difference, Math.abs(first[index] - second[index]));
        }
        assertTrue(difference > 1e-4, "samples 0 and 1 have the same gradient up to " + difference);
    }

    @Test
    void perSampleGradientsSumToPlainBatchGradient() {
        // Given
        FisherEstimator estimator = new FisherEstimator(model, schedule);
        FisherBatch batch = FisherBenchmark.syntheticBatch(TINY, 3, TOKENS, 22);

        // When
        PerSampleGradients perSample = estimator.perSampleGradients(batch, SEED);
        Map<String, float[]> summed = estimator.summedGradient(batch, SEED);

        // Then
        for (String module : estimator.modules()) {
            float[] actual = summed.get(module);
            double tolerance = tolerance(maxAbs(actual));
            for (int index = 0; index < actual.length; index++) {
                double expected = 0;
                for (int sample = 0; sample < batch.batchSize(); sample++) {
                    expected += perSample.gradient(module, sample)[index];
                }
                assertEquals(expected, actual[index], tolerance, module + " index " + index);
            }
        }
    }

    @Test
    void accumulateAddsSquaredPerSampleGradients() {
        // Given
        FisherEstimator estimator = new FisherEstimator(model, schedule);
        FisherBatch batch = FisherBenchmark.syntheticBatch(TINY, 3, TOKENS, 23);
        PerSampleGradients naive = estimator.naivePerSampleGradients(batch, SEED);
        FisherAccumulator accumulator = estimator.newAccumulator(KEY);

        // When
        estimator.accumulate(accumulator, batch, SEED);
        FisherEstimate estimate = accumulator.toEstimate();

        // Then: the sums and the mean equal Σ g² and Σ g² / n computed from the naive loop's gradients
        assertEquals(3, estimate.sampleCount());
        for (String module : estimator.modules()) {
            double[] sums = estimate.sum(module);
            double[] mean = estimate.mean(module);
            for (int index = 0; index < sums.length; index++) {
                double expected = 0;
                for (int sample = 0; sample < 3; sample++) {
                    double gradient = naive.gradient(module, sample)[index];
                    expected += gradient * gradient;
                }
                double tolerance = 1e-4 * expected + 1e-10;
                assertEquals(expected, sums[index], tolerance, module + " index " + index);
                assertEquals(expected / 3, mean[index], tolerance / 3, module + " mean index " + index);
            }
        }
    }

    @Test
    void mergedPartialEstimatesEqualEstimateOverUnion() {
        // Given: four samples split into two workers' batches
        FisherEstimator estimator = new FisherEstimator(model, schedule);
        FisherBatch all = FisherBenchmark.syntheticBatch(TINY, 4, TOKENS, 24);
        FisherBatch firstHalf = all.slice(0, 2);
        FisherBatch secondHalf = all.slice(2, 2);
        FisherAccumulator firstWorker = estimator.newAccumulator(KEY);
        FisherAccumulator secondWorker = estimator.newAccumulator(KEY);
        FisherAccumulator union = estimator.newAccumulator(KEY);

        // When
        estimator.accumulate(firstWorker, firstHalf, SEED);
        estimator.accumulate(secondWorker, secondHalf, SEED);
        estimator.accumulate(union, firstHalf, SEED);
        estimator.accumulate(union, secondHalf, SEED);
        FisherEstimate merged = firstWorker.toEstimate().merge(secondWorker.toEstimate());

        // Then
        assertEquals(union.toEstimate(), merged);
        assertEquals(4, merged.sampleCount());
    }

    @Test
    void mergedPartialEstimatesMatchOneBatchOverUnion() {
        // Given
        FisherEstimator estimator = new FisherEstimator(model, schedule);
        FisherBatch all = FisherBenchmark.syntheticBatch(TINY, 4, TOKENS, 25);
        FisherAccumulator firstWorker = estimator.newAccumulator(KEY);
        FisherAccumulator secondWorker = estimator.newAccumulator(KEY);
        FisherAccumulator wholeBatch = estimator.newAccumulator(KEY);

        // When
        estimator.accumulate(firstWorker, all.slice(0, 1), SEED);
        estimator.accumulate(secondWorker, all.slice(1, 3), SEED);
        estimator.accumulate(wholeBatch, all, SEED);
        FisherEstimate merged = firstWorker.toEstimate().merge(secondWorker.toEstimate());

        // Then: batches of other sizes only change float32 rounding, not the per-sample timesteps and noise
        FisherEstimate expected = wholeBatch.toEstimate();
        assertEquals(expected.sampleCount(), merged.sampleCount());
        for (String module : estimator.modules()) {
            double[] expectedSums = expected.sum(module);
            double[] actualSums = merged.sum(module);
            for (int index = 0; index < expectedSums.length; index++) {
                assertEquals(expectedSums[index], actualSums[index], 1e-4 * expectedSums[index] + 1e-10,
                        module + " index " + index);
            }
        }
    }

    @Test
    void sameInputsTwiceGiveIdenticalEstimates() {
        // Given
        FisherEstimator estimator = new FisherEstimator(model, schedule);
        FisherBatch batch = FisherBenchmark.syntheticBatch(TINY, 3, TOKENS, 26);
        FisherAccumulator first = estimator.newAccumulator(KEY);
        FisherAccumulator second = estimator.newAccumulator(KEY);

        // When
        estimator.accumulate(first, batch, SEED);
        estimator.accumulate(second, batch, SEED);

        // Then: the second call sees none of the first call's gradients
        assertEquals(first.toEstimate(), second.toEstimate());
    }

    @Test
    void estimateLeavesBaseWeightsWithoutGradient() {
        // Given
        FisherEstimator estimator = new FisherEstimator(model, schedule);
        FisherBatch batch = FisherBenchmark.syntheticBatch(TINY, 1, TOKENS, 26);

        // When
        estimator.accumulate(estimator.newAccumulator(KEY), batch, SEED);
        estimator.summedGradient(batch, SEED);

        // Then
        for (Map.Entry<String, NDArray> parameter : model.weights().asMap().entrySet()) {
            assertFalse(parameter.getValue().hasGradient(), parameter.getKey() + " requires gradients");
        }
    }

    @Test
    void otherSeedGivesOtherEstimate() {
        // Given
        FisherEstimator estimator = new FisherEstimator(model, schedule);
        FisherBatch batch = FisherBenchmark.syntheticBatch(TINY, 2, TOKENS, 27);
        FisherAccumulator first = estimator.newAccumulator(KEY);
        FisherAccumulator second = estimator.newAccumulator(KEY);

        // When
        estimator.accumulate(first, batch, SEED);
        estimator.accumulate(second, batch, SEED + 1);

        // Then
        assertFalse(first.toEstimate().equals(second.toEstimate()), "the seed does not change the estimate");
    }

    @Test
    void modelWithTrainableWeightsIsRejected() {
        // Given
        FisherEstimator estimator = new FisherEstimator(model, schedule);
        FisherBatch batch = FisherBenchmark.syntheticBatch(TINY, 1, TOKENS, 28);
        model.weights().setRequiresGradient(true);

        // When
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> estimator.accumulate(estimator.newAccumulator(KEY), batch, SEED));

        // Then
        assertEquals("UNet parameter conv_in.weight requires gradients, so the Fisher backward pass would accumulate"
                + " into the base weights; call weights().setRequiresGradient(false) on the model first",
                error.getMessage());
    }

    @Test
    void nonLinearTargetModuleIsRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new FisherEstimator(model, schedule, List.of("conv_in")));

        // Then
        assertEquals("Invalid Fisher target module conv_in; expected the path of a Linear layer of this UNet, such"
                + " as down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k", error.getMessage());
    }

    @Test
    void accumulatorOverOtherModulesIsRejectedNamingModule() {
        // Given
        FisherEstimator estimator = new FisherEstimator(model, schedule);
        String module = estimator.modules().get(0);
        FisherAccumulator accumulator = new FisherAccumulator(KEY, Map.of(module, new Shape(8, 12)));
        FisherBatch batch = FisherBenchmark.syntheticBatch(TINY, 1, TOKENS, 29);

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> estimator.accumulate(accumulator, batch, SEED));

        // Then
        assertEquals("The accumulator lacks the estimator's target module " + estimator.modules().get(1),
                error.getMessage());
    }

    /**
     * Returns the allowed gradient difference: 1e-5, or 1e-4 of the gradient's largest entry when that is smaller.
     * The tiny model's gradient entries are about 1e-3, so 1e-5 alone would accept gradients that are 1% off.
     */
    private static double tolerance(double scale) {
        return Math.min(GRADIENT_TOLERANCE, 1e-4 * scale);
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }
}
