package dev.pairstream.erasure.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DdimSamplerTest {

    private static final SchedulerConfig NO_CLIP = new SchedulerConfig(1000, 1e-4, 0.02, SchedulerConfig.LINEAR,
            SchedulerConfig.EPSILON, false, true, 0);

    @Test
    void linearBetasMatchTheirDefinition() {
        NoiseSchedule schedule = new NoiseSchedule(SchedulerConfig.ddpmLinear());

        assertEquals(1e-4, schedule.beta(0), 1e-15);
        assertEquals(0.02, schedule.beta(999), 1e-15);
        assertEquals(1e-4 + 500.0 / 999 * (0.02 - 1e-4), schedule.beta(500), 1e-15);
        double product = 1;
        for (int t = 0; t <= 10; t++) {
            product *= 1 - (1e-4 + t / 999.0 * (0.02 - 1e-4));
        }
        assertEquals(product, schedule.alphaCumprod(10), 1e-12);
    }

    @Test
    void scaledLinearBetasAreLinearInTheirRoot() {
        NoiseSchedule schedule = new NoiseSchedule(SchedulerConfig.stableDiffusion());

        assertEquals(0.00085, schedule.beta(0), 1e-15);
        assertEquals(0.012, schedule.beta(999), 1e-15);
        double expectedRoot = Math.sqrt(0.00085) + 500.0 / 999 * (Math.sqrt(0.012) - Math.sqrt(0.00085));
        assertEquals(expectedRoot * expectedRoot, schedule.beta(500), 1e-15);
    }

    @Test
    void timestepOutsideScheduleIsRejected() {
        NoiseSchedule schedule = new NoiseSchedule(SchedulerConfig.ddpmLinear());

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> schedule.beta(1000));
        assertEquals("timestep must be in [0, 1000) but was 1000", error.getMessage());
    }

    @Test
    void inferenceTimestepsUseLeadingSpacing() {
        DdimSampler sampler = new DdimSampler(new NoiseSchedule(SchedulerConfig.stableDiffusion()));

        int[] timesteps = sampler.timesteps(4);

        assertArrayEquals(new int[] {751, 501, 251, 1}, timesteps);
    }

    @Test
    void addNoiseFollowsClosedForm() {
        NoiseSchedule schedule = new NoiseSchedule(SchedulerConfig.ddpmLinear());
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager()) {
            NDArray clean = manager.create(new float[] {0.5f, -0.25f}, new Shape(2, 1, 1, 1));
            NDArray noise = manager.create(new float[] {1f, 2f}, new Shape(2, 1, 1, 1));

            float[] noised = schedule.addNoise(clean, noise, new int[] {0, 999}).toFloatArray();

            double a0 = schedule.alphaCumprod(0);
            double a999 = schedule.alphaCumprod(999);
            assertEquals(Math.sqrt(a0) * 0.5 + Math.sqrt(1 - a0) * 1, noised[0], 1e-6);
            assertEquals(Math.sqrt(a999) * -0.25 + Math.sqrt(1 - a999) * 2, noised[1], 1e-6);
        }
    }

    @Test
    void oracleDenoiserRecoversTheCleanSample() {
        // Given a denoiser that knows the clean sample and returns the exact noise of its input
        NoiseSchedule schedule = new NoiseSchedule(NO_CLIP);
        DdimSampler sampler = new DdimSampler(schedule);
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager()) {
            float[] target = {0.3f, -0.7f, 0.1f, 0.9f};
            NDArray clean = manager.create(target, new Shape(1, 1, 2, 2));
            NoisePredictor oracle = (sample, timesteps, context, mask) -> {
                double alphaBar = schedule.alphaCumprod((int) timesteps.getLong(0));
                return sample.sub(clean.mul((float) Math.sqrt(alphaBar))).div((float) Math.sqrt(1 - alphaBar));
            };
            NDArray noise = DdimSampler.initialNoise(manager, new Shape(1, 2, 2), new long[] {7});
            NDArray context = manager.zeros(new Shape(1, 2, 4));
            NDArray mask = manager.ones(new Shape(1, 2));

            // When
            NDArray result = sampler.sample(oracle, noise, context, mask, context, mask, 20, 1f);

            // Then
            assertArrayEquals(target, result.toFloatArray(), 1e-4f);
        }
    }

    @Test
    void guidanceMixesConditionalAndUnconditional() {
        // Given a denoiser that returns its context's first value everywhere
        NoiseSchedule schedule = new NoiseSchedule(NO_CLIP);
        DdimSampler sampler = new DdimSampler(schedule);
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager()) {
            NoisePredictor contextEcho = (sample, timesteps, context, mask) ->
                    sample.zerosLike().add(context.get(":, 0, 0").reshape(-1, 1, 1, 1));
            NDArray noise = manager.zeros(new Shape(1, 1, 1, 1));
            NDArray conditional = manager.full(new Shape(1, 1, 1), 0.5f);
            NDArray unconditional = manager.full(new Shape(1, 1, 1), 0.1f);
            NDArray mask = manager.ones(new Shape(1, 1));

            // When: one step from t = 999 to the end with guidance 3
            float result = sampler.sample(contextEcho, noise, conditional, mask, unconditional, mask, 1, 3f)
                    .getFloat();

            // Then eps = 0.1 + 3 * (0.5 - 0.1) = 1.3 and x0 = (0 - sqrt(1 - a) eps) / sqrt(a)
            double alphaBar = schedule.alphaCumprod(0);
            double eps = 1.3;
            double expected = (0 - Math.sqrt(1 - alphaBar) * eps) / Math.sqrt(alphaBar);
            assertEquals(expected, result, 1e-4);
        }
    }

    @Test
    void initialNoiseDependsOnlyOnEachSeed() {
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager()) {
            Shape shape = new Shape(3, 4, 4);

            float[] alone = DdimSampler.initialNoise(manager, shape, new long[] {42}).toFloatArray();
            NDArray batch = DdimSampler.initialNoise(manager, shape, new long[] {1, 42});
            float[] inBatch = batch.get(1).toFloatArray();

            assertArrayEquals(alone, inBatch, 0f);
            java.util.Random reference = new java.util.Random(42);
            assertEquals((float) reference.nextGaussian(), alone[0], 0f);
        }
    }

    @Test
    void schedulerConfigRoundTripsThroughJson(@TempDir Path folder) {
        SchedulerConfig config = SchedulerConfig.stableDiffusion();

        config.write(folder);

        assertEquals(config, SchedulerConfig.read(folder));
    }

    @Test
    void unsupportedPredictionTypeIsRejected() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> new SchedulerConfig(
                1000, 1e-4, 0.02, SchedulerConfig.LINEAR, "sample", false, true, 0));
        assertEquals("prediction_type must be \"epsilon\" or \"v_prediction\" but was \"sample\"",
                error.getMessage());
    }

    @Test
    void velocityTargetFollowsItsDefinition() {
        NoiseSchedule schedule = new NoiseSchedule(
                SchedulerConfig.ddpmLinear().withPredictionType(SchedulerConfig.V_PREDICTION));
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager()) {
            NDArray clean = manager.create(new float[] {0.5f, -0.25f}, new Shape(2, 1, 1, 1));
            NDArray noise = manager.create(new float[] {1f, 2f}, new Shape(2, 1, 1, 1));

            float[] velocity = schedule.trainingTarget(clean, noise, new int[] {10, 900}).toFloatArray();

            double a10 = schedule.alphaCumprod(10);
            double a900 = schedule.alphaCumprod(900);
            assertEquals(Math.sqrt(a10) * 1 - Math.sqrt(1 - a10) * 0.5, velocity[0], 1e-6);
            assertEquals(Math.sqrt(a900) * 2 - Math.sqrt(1 - a900) * -0.25, velocity[1], 1e-6);
        }
    }

    @Test
    void noiseTargetIsTheNoiseForEpsilonPrediction() {
        NoiseSchedule schedule = new NoiseSchedule(SchedulerConfig.ddpmLinear());
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager()) {
            NDArray clean = manager.create(new float[] {0.5f, -0.25f}, new Shape(2, 1, 1, 1));
            NDArray noise = manager.create(new float[] {1f, 2f}, new Shape(2, 1, 1, 1));

            float[] target = schedule.trainingTarget(clean, noise, new int[] {10, 900}).toFloatArray();

            assertArrayEquals(new float[] {1f, 2f}, target, 0f);
        }
    }

    @Test
    void oracleVelocityDenoiserRecoversTheCleanSample() {
        // Given a v-prediction denoiser that is given the clean sample and returns the exact velocity of its input
        NoiseSchedule schedule = new NoiseSchedule(NO_CLIP.withPredictionType(SchedulerConfig.V_PREDICTION));
        DdimSampler sampler = new DdimSampler(schedule);
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager()) {
            float[] target = {0.3f, -0.7f, 0.1f, 0.9f};
            NDArray clean = manager.create(target, new Shape(1, 1, 2, 2));
            NoisePredictor oracle = (sample, timesteps, context, mask) -> {
                double alphaBar = schedule.alphaCumprod((int) timesteps.getLong(0));
                float signal = (float) Math.sqrt(alphaBar);
                float noiseLevel = (float) Math.sqrt(1 - alphaBar);
                NDArray noise = sample.sub(clean.mul(signal)).div(noiseLevel);
                return noise.mul(signal).sub(clean.mul(noiseLevel));
            };
            NDArray noise = DdimSampler.initialNoise(manager, new Shape(1, 2, 2), new long[] {7});
            NDArray context = manager.zeros(new Shape(1, 2, 4));
            NDArray mask = manager.ones(new Shape(1, 2));

            // When
            NDArray result = sampler.sample(oracle, noise, context, mask, context, mask, 20, 1f);

            // Then
            assertArrayEquals(target, result.toFloatArray(), 1e-4f);
        }
    }

    @Test
    void velocityStepMatchesNoiseStep() {
        // Given the same denoising state expressed as a noise prediction and as a velocity prediction
        NoiseSchedule noiseSchedule = new NoiseSchedule(NO_CLIP);
        NoiseSchedule velocitySchedule = new NoiseSchedule(NO_CLIP.withPredictionType(SchedulerConfig.V_PREDICTION));
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager()) {
            NDArray sample = manager.create(new float[] {0.8f, -1.2f, 0.05f}, new Shape(1, 1, 1, 3));
            NDArray eps = manager.create(new float[] {0.4f, -0.9f, 1.1f}, new Shape(1, 1, 1, 3));
            double alphaBar = noiseSchedule.alphaCumprod(600);
            float signal = (float) Math.sqrt(alphaBar);
            float noiseLevel = (float) Math.sqrt(1 - alphaBar);
            NDArray clean = sample.sub(eps.mul(noiseLevel)).div(signal);
            NDArray velocity = eps.mul(signal).sub(clean.mul(noiseLevel));

            // When both take the step from 600 to 560
            float[] fromNoise = new DdimSampler(noiseSchedule).step(eps, 600, 560, sample).toFloatArray();
            float[] fromVelocity = new DdimSampler(velocitySchedule).step(velocity, 600, 560, sample).toFloatArray();

            // Then they land on the same sample
            assertArrayEquals(fromNoise, fromVelocity, 1e-5f);
        }
    }
    @Test
    void clippedStepDerivesNoiseFromClippedEstimate() {
        // Given a noise prediction whose clean estimate overshoots the clip range, as strong guidance gives
        SchedulerConfig clipping = new SchedulerConfig(1000, 1e-4, 0.02, SchedulerConfig.LINEAR,
                SchedulerConfig.EPSILON, true, true, 0);
        NoiseSchedule schedule = new NoiseSchedule(clipping);
        double signal = Math.sqrt(schedule.alphaCumprod(500));
        double noiseLevel = Math.sqrt(1 - schedule.alphaCumprod(500));
        double previousSignal = Math.sqrt(schedule.alphaCumprod(460));
        double previousNoiseLevel = Math.sqrt(1 - schedule.alphaCumprod(460));
        double sampleValue = 0.5;
        double overshootingEstimate = 3.0;
        float predictedNoise = (float) ((sampleValue - signal * overshootingEstimate) / noiseLevel);
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager()) {
            NDArray sample = manager.create(new float[] {(float) sampleValue}, new Shape(1, 1, 1, 1));
            NDArray noise = manager.create(new float[] {predictedNoise}, new Shape(1, 1, 1, 1));

            // When
            float next = new DdimSampler(schedule).step(noise, 500, 460, sample).getFloat();

            // Then the step heads for the clipped estimate 1 with the noise that is consistent with it
            double consistentNoise = (sampleValue - signal * 1.0) / noiseLevel;
            double expected = previousSignal * 1.0 + previousNoiseLevel * consistentNoise;
            assertEquals(expected, next, 1e-5);
            assertTrue(next > sampleValue, "the sample moved away from the clipped estimate: " + next);
        }
    }
}
