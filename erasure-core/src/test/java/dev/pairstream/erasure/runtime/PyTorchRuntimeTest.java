package dev.pairstream.erasure.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PyTorchRuntimeTest {

    @Test
    void shouldLoadPyTorchOfflineFromClasspathNatives() throws IOException {
        // Given: Surefire points ENGINE_CACHE_DIR at an empty folder under target/ and sets ai.djl.offline=true

        // When
        PyTorchRuntime.RuntimeInfo info = PyTorchRuntime.describe();

        // Then: the natives were extracted from the classpath jar, since offline mode forbids any download
        assertEquals("PyTorch", info.engineName());
        assertEquals("2.7.1", info.engineVersion());
        assertTrue(info.offline(), "ai.djl.offline must be true in tests");
        Path expectedCache = Path.of(System.getProperty("ENGINE_CACHE_DIR"), "pytorch");
        assertEquals(expectedCache.toAbsolutePath().normalize(), info.nativesDirectory().toAbsolutePath().normalize());
        try (Stream<Path> files = Files.walk(info.nativesDirectory())) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().equals("libtorch_cpu.so")),
                    "libtorch_cpu.so should be extracted under " + info.nativesDirectory());
        }
    }

    @Test
    void shouldComputeLinearLayerGradientsMatchingHandDerivation() {
        // Given: y = x·Wᵀ + b and L = ½·Σ y², so ∂L/∂W = yᵀ·x and ∂L/∂b = Σ_rows y
        float[] x = {1f, 2f, -1f, 0.5f, 3f, -2f};       // [2, 3]
        float[] w = {0.1f, -0.2f, 0.3f, 0.4f, 0.5f, -0.6f}; // [2, 3]
        float[] b = {0.05f, -0.1f};                          // [2]
        double[][] y = new double[2][2];
        for (int i = 0; i < 2; i++) {
            for (int o = 0; o < 2; o++) {
                double sum = b[o];
                for (int k = 0; k < 3; k++) {
                    sum += (double) x[i * 3 + k] * w[o * 3 + k];
                }
                y[i][o] = sum;
            }
        }
        float[] expectedWeightGradient = new float[6];
        float[] expectedBiasGradient = new float[2];
        double expectedLoss = 0;
        for (int o = 0; o < 2; o++) {
            for (int k = 0; k < 3; k++) {
                double sum = 0;
                for (int i = 0; i < 2; i++) {
                    sum += y[i][o] * x[i * 3 + k];
                }
                expectedWeightGradient[o * 3 + k] = (float) sum;
            }
            expectedBiasGradient[o] = (float) (y[0][o] + y[1][o]);
            expectedLoss += 0.5 * (y[0][o] * y[0][o] + y[1][o] * y[1][o]);
        }

        Engine engine = PyTorchRuntime.engine();
        try (NDManager manager = engine.newBaseManager()) {
            NDArray input = manager.create(x, new Shape(2, 3));
            NDArray weight = manager.create(w, new Shape(2, 3));
            NDArray bias = manager.create(b, new Shape(2));
            weight.setRequiresGradient(true);
            bias.setRequiresGradient(true);

            // When: one forward and one backward pass
            float loss;
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray output = input.matMul(weight.transpose()).add(bias); // [2, 3]·[3, 2] -> [2, 2]
                NDArray lossArray = output.square().sum().mul(0.5f);
                loss = lossArray.getFloat();
                collector.backward(lossArray);
            }

            // Then
            assertEquals(expectedLoss, loss, 1e-5);
            assertArrayEquals(expectedWeightGradient, weight.getGradient().toFloatArray(), 1e-5f);
            assertArrayEquals(expectedBiasGradient, bias.getGradient().toFloatArray(), 1e-5f);
        }
    }
}
