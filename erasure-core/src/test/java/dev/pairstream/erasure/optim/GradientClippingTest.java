package dev.pairstream.erasure.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GradientClippingTest {

    private Engine engine;
    private NDManager root;
    private Map<String, NDArray> parameters;

    @BeforeEach
    void openManager() {
        engine = PyTorchRuntime.engine();
        root = engine.newBaseManager();
        parameters = new LinkedHashMap<>();
        parameters.put("a", root.zeros(new ai.djl.ndarray.types.Shape(2)));
        parameters.put("b", root.zeros(new ai.djl.ndarray.types.Shape(1)));
        parameters.values().forEach(p -> p.setRequiresGradient(true));
    }

    @AfterEach
    void closeManager() {
        root.close();
    }

    private float[] gradient(String name) {
        try (NDArray gradient = parameters.get(name).getGradient()) {
            return gradient.toFloatArray();
        }
    }

    @Test
    void normAboveLimitScalesEveryGradient() {
        // Given gradients (3, 4) and (12), global norm sqrt(9 + 16 + 144) = 13
        Gradients.set(engine, parameters, Map.of("a", new float[] {3f, 4f}, "b", new float[] {12f}));

        // When
        double norm = GradientClipping.clipByGlobalNorm(parameters, 6.5);

        // Then: scaled by 6.5 / 13
        assertEquals(13.0, norm, 1e-5);
        assertArrayEquals(new float[] {1.5f, 2f}, gradient("a"), 1e-5f);
        assertArrayEquals(new float[] {6f}, gradient("b"), 1e-5f);
    }

    @Test
    void normBelowLimitLeavesGradients() {
        // Given
        Gradients.set(engine, parameters, Map.of("a", new float[] {0.3f, 0.4f}, "b", new float[] {0f}));

        // When
        double norm = GradientClipping.clipByGlobalNorm(parameters, 1.0);

        // Then
        assertEquals(0.5, norm, 1e-6);
        assertArrayEquals(new float[] {0.3f, 0.4f}, gradient("a"));
    }

    @Test
    void nonFiniteGradientIsReportedByName() {
        // Given
        Gradients.set(engine, parameters, Map.of("a", new float[] {1f, 1f}, "b", new float[] {Float.NaN}));

        // When
        double norm = GradientClipping.clipByGlobalNorm(parameters, 1.0);
        GradientClipping.GradientInspection inspection = GradientClipping.inspect(parameters);

        // Then
        assertTrue(Double.isNaN(norm), "norm " + norm);
        assertEquals(Optional.of("b"), inspection.firstNonFinite());
        assertArrayEquals(new float[] {1f, 1f}, gradient("a"), "gradients stay as they were");
    }

    @Test
    void inspectionSumsInDoublePrecision() {
        // Given gradients (3, 4) and (12)
        Gradients.set(engine, parameters, Map.of("a", new float[] {3f, 4f}, "b", new float[] {12f}));

        // When
        GradientClipping.GradientInspection inspection = GradientClipping.inspect(parameters);

        // Then
        assertEquals(13.0, inspection.norm());
        assertEquals(Optional.empty(), inspection.firstNonFinite());
    }

    @Test
    void clipToGivenNormScalesGradients() {
        // Given
        Gradients.set(engine, parameters, Map.of("a", new float[] {3f, 4f}, "b", new float[] {12f}));

        // When
        GradientClipping.clipToNorm(parameters, 13.0, 1.3);

        // Then: scaled by 1.3 / 13
        assertArrayEquals(new float[] {0.3f, 0.4f}, gradient("a"), 1e-6f);
        assertArrayEquals(new float[] {1.2f}, gradient("b"), 1e-6f);
    }
}
