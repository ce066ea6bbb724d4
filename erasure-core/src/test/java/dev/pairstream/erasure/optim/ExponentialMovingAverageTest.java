package dev.pairstream.erasure.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExponentialMovingAverageTest {

    @TempDir
    Path folder;

    private NDManager root;

    @BeforeEach
    void openManager() {
        root = PyTorchRuntime.engine().newBaseManager();
    }

    @AfterEach
    void closeManager() {
        root.close();
    }

    private Map<String, NDArray> weights(float... values) {
        Map<String, NDArray> weights = new LinkedHashMap<>();
        weights.put("w", root.create(values));
        return weights;
    }

    @Test
    void updateFollowsDecayFormula() {
        // Given an average of 2.0 with a fixed decay of 0.75
        Map<String, NDArray> weights = weights(2f, -4f);
        try (ExponentialMovingAverage average = new ExponentialMovingAverage(weights, 0.75, false, root)) {
            // When the weight moves to 6 and -8, then to 10 and 0
            weights.get("w").set(new float[] {6f, -8f});
            average.update();
            weights.get("w").set(new float[] {10f, 0f});
            average.update();

            // Then: 0.75 * 2 + 0.25 * 6 = 3, then 0.75 * 3 + 0.25 * 10 = 4.75; -4 -> -5 -> -3.75
            assertArrayEquals(new float[] {4.75f, -3.75f}, average.averages().get("w").toFloatArray(), 1e-6f);
            assertEquals(2, average.updateCount());
        }
    }

    @Test
    void warmupUsesSmallerDecayEarly() {
        // Given
        Map<String, NDArray> weights = weights(0f);
        try (ExponentialMovingAverage average = new ExponentialMovingAverage(weights, 0.999, true, root)) {
            // When
            weights.get("w").set(new float[] {1f});
            average.update();
            weights.get("w").set(new float[] {3f});
            average.update();

            // Then: update 0 keeps 1/10 of the average, update 1 keeps 2/11
            double afterFirst = 0.1 * 0 + 0.9 * 1;
            double afterSecond = 2.0 / 11 * afterFirst + 9.0 / 11 * 3;
            assertEquals(afterSecond, average.averages().get("w").getFloat(), 1e-6);
            assertEquals(0.1, average.decayAt(0), 1e-15);
            assertEquals(0.999, average.decayAt(1_000_000), 1e-15);
        }
    }

    @Test
    void averageIsACopyNotAView() {
        // Given
        Map<String, NDArray> weights = weights(1f);
        try (ExponentialMovingAverage average = new ExponentialMovingAverage(weights, 0.9, false, root)) {
            // When the weight changes without an update
            weights.get("w").set(new float[] {5f});

            // Then
            assertEquals(1f, average.averages().get("w").getFloat());
        }
    }

    @Test
    void saveAndLoadRestoreAveragesAndCount() throws IOException {
        // Given
        Map<String, NDArray> weights = weights(1f, 2f);
        try (ExponentialMovingAverage saved = new ExponentialMovingAverage(weights, 0.5, true, root);
                ExponentialMovingAverage restored = new ExponentialMovingAverage(weights, 0.5, true, root)) {
            weights.get("w").set(new float[] {3f, 3f});
            saved.update();
            saved.update();
            saved.save(folder);

            // When
            restored.load(folder);

            // Then
            assertEquals(2, restored.updateCount());
            assertArrayEquals(saved.averages().get("w").toFloatArray(), restored.averages().get("w").toFloatArray());
        }
    }

    @Test
    void copyToWritesAveragesIntoTarget() {
        // Given
        Map<String, NDArray> weights = weights(1f, 2f);
        Map<String, NDArray> target = new LinkedHashMap<>();
        target.put("w", root.zeros(new ai.djl.ndarray.types.Shape(2)));
        try (ExponentialMovingAverage average = new ExponentialMovingAverage(weights, 0.5, false, root)) {
            // When
            average.copyTo(target);

            // Then
            assertArrayEquals(new float[] {1f, 2f}, target.get("w").toFloatArray());
        }
    }

    @Test
    void decayOutOfRangeIsRejected() {
        Map<String, NDArray> weights = weights(1f);

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new ExponentialMovingAverage(weights, 1.0, false, root));

        assertEquals("Invalid EMA decay 1.0; expected a number in [0, 1)", error.getMessage());
    }
}
