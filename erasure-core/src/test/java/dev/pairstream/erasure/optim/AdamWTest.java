package dev.pairstream.erasure.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdamWTest {

    private static final AdamWOptions OPTIONS = new AdamWOptions(0.9, 0.999, 1e-8, 0.01);

    @TempDir
    Path folder;

    private Engine engine;
    private NDManager root;

    @BeforeEach
    void openManager() {
        engine = PyTorchRuntime.engine();
        root = engine.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        root.close();
    }

    private Map<String, NDArray> parameters(float[] weight, float[] bias) {
        Map<String, NDArray> parameters = new LinkedHashMap<>();
        parameters.put("layer.weight", root.create(weight, new Shape(weight.length)));
        parameters.put("layer.bias", root.create(bias, new Shape(bias.length)));
        parameters.values().forEach(p -> p.setRequiresGradient(true));
        return parameters;
    }

    /** Runs PyTorch's AdamW arithmetic for one scalar over successive gradients, in double precision. */
    private static double adamW(double parameter, double[] gradients, double learningRate, boolean decayed) {
        double m = 0;
        double v = 0;
        double p = parameter;
        for (int t = 1; t <= gradients.length; t++) {
            double g = gradients[t - 1];
            if (decayed) {
                p -= learningRate * 0.01 * p;
            }
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            double mHat = m / (1 - Math.pow(0.9, t));
            double vHat = v / (1 - Math.pow(0.999, t));
            p -= learningRate * mHat / (Math.sqrt(vHat) + 1e-8);
        }
        return p;
    }

    @Test
    void twoStepsMatchHandComputedUpdate() {
        // Given weights that take decay and a bias that does not, and two rounds of known gradients
        Map<String, NDArray> parameters = parameters(new float[] {1.0f, -2.0f}, new float[] {0.5f});
        try (AdamW optimizer = new AdamW(parameters, OPTIONS, name -> name.endsWith(".weight"), root)) {
            // When
            Gradients.set(engine, parameters, Map.of("layer.weight", new float[] {0.5f, -1.0f},
                    "layer.bias", new float[] {2.0f}));
            optimizer.step(0.1);
            Gradients.set(engine, parameters, Map.of("layer.weight", new float[] {0.1f, 0.3f},
                    "layer.bias", new float[] {-4.0f}));
            optimizer.step(0.05);

            // Then: the learning rate may change between steps, so each step's rate is applied in turn
            float[] weight = parameters.get("layer.weight").toFloatArray();
            float[] bias = parameters.get("layer.bias").toFloatArray();
            assertEquals(expectedTwoSteps(1.0, 0.5, 0.1, true), weight[0], 1e-6);
            assertEquals(expectedTwoSteps(-2.0, -1.0, 0.3, true), weight[1], 1e-6);
            assertEquals(expectedTwoSteps(0.5, 2.0, -4.0, false), bias[0], 1e-6);
            assertEquals(2, optimizer.stepCount());
        }
    }

    /** AdamW over two steps with learning rates 0.1 then 0.05. */
    private static double expectedTwoSteps(double start, double firstGradient, double secondGradient,
            boolean decayed) {
        double m = 0.1 * firstGradient;
        double v = 0.001 * firstGradient * firstGradient;
        double p = decayed ? start - 0.1 * 0.01 * start : start;
        p -= 0.1 * (m / 0.1) / (Math.sqrt(v / 0.001) + 1e-8);

        if (decayed) {
            p -= 0.05 * 0.01 * p;
        }
        m = 0.9 * m + 0.1 * secondGradient;
        v = 0.999 * v + 0.001 * secondGradient * secondGradient;
        double mHat = m / (1 - 0.81);
        double vHat = v / (1 - 0.999 * 0.999);
        return p - 0.05 * mHat / (Math.sqrt(vHat) + 1e-8);
    }

    @Test
    void firstStepMovesByLearningRate() {
        // Given: on step 1 the bias-corrected ratio m / sqrt(v) is sign(g), whatever the gradient's size
        Map<String, NDArray> parameters = parameters(new float[] {0f, 0f, 0f}, new float[] {0f});
        try (AdamW optimizer = new AdamW(parameters, new AdamWOptions(0.9, 0.999, 1e-8, 0), name -> true, root)) {
            Gradients.set(engine, parameters, Map.of("layer.weight", new float[] {1e-3f, -50f, 7f},
                    "layer.bias", new float[] {0.2f}));

            // When
            optimizer.step(0.01);

            // Then
            assertArrayEquals(new float[] {-0.01f, 0.01f, -0.01f}, parameters.get("layer.weight").toFloatArray(),
                    1e-6f);
            assertEquals(adamW(0, new double[] {0.2}, 0.01, false), parameters.get("layer.bias").getFloat(), 1e-7);
        }
    }

    @Test
    void savedStateResumesIdentically() throws IOException {
        // Given two optimizers over equal parameters, the first after one step, saved and loaded into the second
        Map<String, NDArray> first = parameters(new float[] {0.3f, 0.7f}, new float[] {-0.1f});
        Map<String, NDArray> second = parameters(new float[] {0.3f, 0.7f}, new float[] {-0.1f});
        Map<String, float[]> gradients = Map.of("layer.weight", new float[] {0.4f, -0.2f},
                "layer.bias", new float[] {1.5f});
        try (AdamW original = new AdamW(first, OPTIONS, name -> true, root);
                AdamW resumed = new AdamW(second, OPTIONS, name -> true, root)) {
            Gradients.set(engine, first, gradients);
            original.step(0.01);
            original.save(folder);
            second.get("layer.weight").set(first.get("layer.weight").toFloatArray());
            second.get("layer.bias").set(first.get("layer.bias").toFloatArray());

            // When
            resumed.load(folder);
            Gradients.set(engine, first, gradients);
            Gradients.set(engine, second, gradients);
            original.step(0.01);
            resumed.step(0.01);

            // Then
            assertEquals(2, resumed.stepCount());
            assertArrayEquals(first.get("layer.weight").toFloatArray(), second.get("layer.weight").toFloatArray());
            assertArrayEquals(first.get("layer.bias").toFloatArray(), second.get("layer.bias").toFloatArray());
            assertArrayEquals(original.secondMoments().get("layer.weight").toFloatArray(),
                    resumed.secondMoments().get("layer.weight").toFloatArray());
        }
    }

    @Test
    void loadRejectsOtherHyperParameters() throws IOException {
        // Given
        Map<String, NDArray> parameters = parameters(new float[] {1f}, new float[] {1f});
        try (AdamW saved = new AdamW(parameters, OPTIONS, name -> true, root);
                AdamW other = new AdamW(parameters, new AdamWOptions(0.8, 0.999, 1e-8, 0.01), name -> true, root)) {
            saved.save(folder);

            // When
            IOException error = assertThrows(IOException.class, () -> other.load(folder));

            // Then
            assertTrue(error.getMessage().contains("beta1=0.9"), error.getMessage());
            assertTrue(error.getMessage().contains("beta1=0.8"), error.getMessage());
        }
    }

    @Test
    void stepWithoutGradientIsRejected() {
        // Given parameters that never went through a backward pass
        Map<String, NDArray> parameters = new LinkedHashMap<>();
        parameters.put("w", root.create(new float[] {1f}));
        try (AdamW optimizer = new AdamW(parameters, OPTIONS, name -> true, root)) {
            // When
            IllegalStateException error = assertThrows(IllegalStateException.class, () -> optimizer.step(0.1));

            // Then
            assertEquals("Parameter w has no gradient; mark it as requiring gradients and run a backward pass"
                    + " before the optimizer step", error.getMessage());
            assertEquals(0, optimizer.stepCount());
        }
    }

    @Test
    void invalidOptionsAreRejected() {
        IllegalArgumentException beta = assertThrows(IllegalArgumentException.class,
                () -> new AdamWOptions(1.0, 0.999, 1e-8, 0));
        IllegalArgumentException epsilon = assertThrows(IllegalArgumentException.class,
                () -> new AdamWOptions(0.9, 0.999, 0, 0));
        IllegalArgumentException decay = assertThrows(IllegalArgumentException.class,
                () -> new AdamWOptions(0.9, 0.999, 1e-8, -1));

        assertEquals("Invalid AdamW beta1 1.0; expected a number in [0, 1)", beta.getMessage());
        assertEquals("Invalid AdamW epsilon 0.0; expected a finite number > 0", epsilon.getMessage());
        assertEquals("Invalid AdamW weightDecay -1.0; expected a finite number >= 0", decay.getMessage());
    }
}
