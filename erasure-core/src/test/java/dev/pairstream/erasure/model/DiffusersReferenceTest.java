package dev.pairstream.erasure.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compares the forward pass with outputs that Hugging Face diffusers computed for the same checkpoints and inputs.
 *
 * <p>Each directory under {@code diffusers-reference/} holds a checkpoint ({@code config.json} and
 * {@code diffusion_pytorch_model.safetensors}), {@code inputs.safetensors} (sample, timesteps, context and
 * context_mask) and {@code expected.safetensors} with {@code output_masked} and {@code output_unmasked}. The expected
 * outputs come from diffusers 0.21.4's {@code UNet2DConditionModel} on Debian 12's PyTorch 1.13.1 package (which
 * reports its version as 1.13.0a0; CPU, float32), loaded with
 * {@code load_state_dict(strict=True)} and called with and without {@code encoder_attention_mask}; the
 * {@code __metadata__} of each expected file names that producer. {@code tiny} is {@link UNet2DConditionConfig#tiny()}
 * (1x1 convolution projections, as in Stable Diffusion 1.5). {@code linear-projection} covers linear projections, two
 * transformer layers per attention, a centered input, cosine-last timestep embedding with {@code freq_shift} 1, a
 * middle-block scale factor of 2 and {@code norm_eps} 1e-6. Biases and normalization parameters were perturbed away
 * from their zero and one initial values so that a wiring mistake cannot hide behind them.
 */
class DiffusersReferenceTest {

    /** Float32 results of two engines differ in summation order; 1e-5 is about 10x the observed difference. */
    private static final float TOLERANCE = 1e-5f;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tiny", "linear-projection"})
    void forwardMatchesDiffusersOutputs(String fixture) throws IOException, URISyntaxException {
        // Given
        Path directory = fixtureDirectory(fixture);
        try (NDManager root = PyTorchRuntime.engine().newBaseManager();
                UNet2DConditionModel model = UNet2DConditionModel.load(directory, root);
                NDManager step = root.newSubManager()) {
            UNet2DConditionConfig config = model.config();
            Map<String, NDArray> inputs = SafetensorsFile.readFloat32(directory.resolve("inputs.safetensors"),
                    inputShapes(config), step);
            Shape outputShape = new Shape(3, config.outChannels(), config.sampleSize(), config.sampleSize());
            Map<String, Shape> expectedShapes = new LinkedHashMap<>();
            expectedShapes.put("output_masked", outputShape);
            expectedShapes.put("output_unmasked", outputShape);
            Map<String, NDArray> expected = SafetensorsFile.readFloat32(directory.resolve("expected.safetensors"),
                    expectedShapes, step);

            // When
            NDArray masked = model.forward(inputs.get("sample"), inputs.get("timesteps"), inputs.get("context"),
                    inputs.get("context_mask"));
            NDArray unmasked = model.forward(inputs.get("sample"), inputs.get("timesteps"), inputs.get("context"),
                    null);

            // Then
            assertEquals(outputShape, masked.getShape());
            float maskedError = maxAbsDifference(expected.get("output_masked"), masked);
            float unmaskedError = maxAbsDifference(expected.get("output_unmasked"), unmasked);
            assertTrue(maskedError < TOLERANCE, fixture + " masked max |diffusers - ours| = " + maskedError);
            assertTrue(unmaskedError < TOLERANCE, fixture + " unmasked max |diffusers - ours| = " + unmaskedError);
        }
    }

    private static Map<String, Shape> inputShapes(UNet2DConditionConfig config) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("sample", new Shape(3, config.inChannels(), config.sampleSize(), config.sampleSize()));
        shapes.put("timesteps", new Shape(3));
        shapes.put("context", new Shape(3, 7, config.crossAttentionDim()));
        shapes.put("context_mask", new Shape(3, 7));
        return shapes;
    }

    private static float maxAbsDifference(NDArray expected, NDArray actual) {
        return expected.sub(actual).abs().max().getFloat();
    }

    private static Path fixtureDirectory(String fixture) throws URISyntaxException {
        URL config = DiffusersReferenceTest.class.getResource("diffusers-reference/" + fixture + "/config.json");
        if (config == null) {
            throw new IllegalStateException("Missing test resource diffusers-reference/" + fixture + "/config.json");
        }
        return Path.of(config.toURI()).getParent();
    }
}
