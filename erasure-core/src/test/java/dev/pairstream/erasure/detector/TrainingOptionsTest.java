package dev.pairstream.erasure.detector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Checks the learning-rate schedule and the validation of training options. */
class TrainingOptionsTest {

    private static TrainingOptions options(int steps, double learningRate, int warmupSteps) {
        return new TrainingOptions(steps, 64, 1L, learningRate, 0.0, warmupSteps, 100, 10, 0.1,
                AugmentationSettings.none());
    }

    @Test
    void scheduleWarmsUpThenDecaysToOnePercent() {
        // Given: peak 0.01, 10 warm-up steps, 110 steps
        TrainingOptions options = options(110, 0.01, 10);

        // Then: warm-up is linear, the peak comes at the last warm-up step, the cosine ends at 1e-4
        assertEquals(0.001, options.learningRateAt(0), 1e-12);
        assertEquals(0.005, options.learningRateAt(4), 1e-12);
        assertEquals(0.01, options.learningRateAt(9), 1e-12);
        assertEquals(0.01, options.learningRateAt(10), 1e-12);
        assertEquals(1e-4 + (0.01 - 1e-4) * 0.5, options.learningRateAt(60), 1e-12);
        assertEquals(1e-4, options.learningRateAt(110), 1e-12);
    }

    @Test
    void batchOfOneIsRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> TrainingOptions.defaults().withBatchSize(1));

        // Then
        assertThat(error.getMessage()).contains("Invalid batch size 1").contains("batch normalisation");
    }

    @Test
    void nonFiniteLearningRateIsRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> TrainingOptions.defaults().withLearningRate(Double.NaN));

        // Then
        assertThat(error.getMessage()).contains("Invalid learning rate NaN");
    }

    @Test
    void zeroStepsAreRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> TrainingOptions.defaults().withSteps(0));

        // Then
        assertEquals("Invalid step count 0; expected 1 or more", error.getMessage());
    }
}
