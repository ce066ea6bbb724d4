package dev.pairstream.erasure.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.pytorch.jni.JniUtils;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextToImagePipelineTest {

    private static final SamplingOptions FEW_STEPS = new SamplingOptions(4, 2.5f, 2);
    private static final String PROMPT = "a small pistol on a red background in the top left corner";

    @TempDir
    static Path shared;

    @TempDir
    Path folder;

    private static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        model = shared.resolve("model");
        TestModels.writeTinyModel(model, 42);
    }

    @Test
    void samePictureTwiceInOneJvm() throws IOException {
        // Given two pipelines over the same folder
        try (TextToImagePipeline first = TextToImagePipeline.load(model);
                TextToImagePipeline second = TextToImagePipeline.load(model)) {
            // When
            float[] a = first.generate(PROMPT, 7, FEW_STEPS);
            float[] again = first.generate(PROMPT, 7, FEW_STEPS);
            float[] b = second.generate(PROMPT, 7, FEW_STEPS);
            float[] otherSeed = first.generate(PROMPT, 8, FEW_STEPS);

            // Then
            assertEquals(3 * 32 * 32, a.length);
            assertArrayEquals(a, again);
            assertArrayEquals(a, b);
            assertFalse(Arrays.equals(a, otherSeed), "another seed must give another picture");
        }
    }

    @Test
    void samePictureInChildJvm() throws Exception {
        // Given the picture generated in this JVM
        float[] here;
        try (TextToImagePipeline pipeline = TextToImagePipeline.load(model)) {
            here = pipeline.generate(PROMPT, 7, new SamplingOptions(4, 2.5f, 1));
        }

        // When a fresh JVM generates it again with the same thread count
        Path output = folder.resolve("child.f32");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true",
                "-Dai.djl.pytorch.num_threads=" + JniUtils.getNumThreads(),
                "-Dai.djl.pytorch.num_interop_threads=" + JniUtils.getNumInteropThreads()));
        String engineCache = System.getProperty("ENGINE_CACHE_DIR");
        if (engineCache != null) {
            command.add("-DENGINE_CACHE_DIR=" + engineCache);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), GeneratePicture.class.getName(),
                model.toString(), output.toString(), "7", "4", "2.5", PROMPT));
        Process child = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(folder.resolve("child.log").toFile()).start();
        boolean exited = child.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            child.destroyForcibly();
        }

        // Then
        String log = Files.readString(folder.resolve("child.log"), StandardCharsets.UTF_8);
        assertTrue(exited, "the child JVM must finish within 120 s; its output:\n" + log);
        assertEquals(0, child.exitValue(), "child JVM output:\n" + log);
        assertArrayEquals(GeneratePicture.toBytes(here), Files.readAllBytes(output));
    }

    @Test
    void picturesWriteAsPngAndGrid() throws IOException {
        // Given
        try (TextToImagePipeline pipeline = TextToImagePipeline.load(model)) {
            List<float[]> pictures = pipeline.generate(List.of(PROMPT, "", "a big banana"), new long[] {1, 2, 3},
                    FEW_STEPS);

            // When
            pipeline.writePng(pictures.get(0), folder.resolve("one.png"));
            pipeline.writeGrid(pictures, 2, 3, folder.resolve("grid.png"));

            // Then
            for (float[] picture : pictures) {
                for (float value : picture) {
                    assertTrue(value >= -1f, "value " + value + " at least -1");
                    assertTrue(value <= 1f, "value " + value + " at most 1");
                }
            }
            BufferedImage one = ImageIO.read(folder.resolve("one.png").toFile());
            BufferedImage grid = ImageIO.read(folder.resolve("grid.png").toFile());
            assertEquals(32, one.getWidth());
            assertEquals(32, one.getHeight());
            assertEquals(3 + 2 * (32 * 3 + 3), grid.getWidth());
            assertEquals(3 + 2 * (32 * 3 + 3), grid.getHeight());
        }
    }

    @Test
    void batchMatchesSinglePicture() throws IOException {
        // Given
        SamplingOptions single = new SamplingOptions(3, 1f, 1);
        try (TextToImagePipeline pipeline = TextToImagePipeline.load(model)) {
            // When
            List<float[]> together = pipeline.generate(List.of("a red apple", "a blue car"), new long[] {5, 6},
                    single);
            float[] alone = pipeline.generate("a blue car", 6, single);

            // Then
            assertArrayEquals(alone, together.get(1));
        }
    }

    @Test
    void mismatchedSeedCountIsRejected() throws IOException {
        try (TextToImagePipeline pipeline = TextToImagePipeline.load(model)) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> pipeline.generate(List.of("a", "b"), new long[] {1}, FEW_STEPS));

            assertEquals("Got 2 prompts but 1 seeds; expected one seed per prompt", error.getMessage());
        }
    }

    @Test
    void missingModelFolderIsReported() {
        Path missing = folder.resolve("nothing-here");

        NoSuchFileException error = assertThrows(NoSuchFileException.class, () -> TextToImagePipeline.load(missing));

        assertTrue(error.getMessage().contains(missing.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("./pair train base"), error.getMessage());
    }

    @Test
    void optionsOutOfRangeAreRejected() {
        IllegalArgumentException steps = assertThrows(IllegalArgumentException.class,
                () -> new SamplingOptions(51, 3f, 1));
        IllegalArgumentException guidance = assertThrows(IllegalArgumentException.class,
                () -> new SamplingOptions(10, 0.5f, 1));

        assertEquals("Invalid inference steps 51; expected 1 to 50", steps.getMessage());
        assertEquals("Invalid guidance scale 0.5; expected a finite number >= 1", guidance.getMessage());
    }
}
