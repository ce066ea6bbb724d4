package dev.pairstream.erasure.detector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saves, loads and runs an untrained tiny detector, and feeds the loader damaged folders. */
class ConceptDetectorTest {

    private static final ConceptCatalog CATALOG = ConceptCatalog.loadDefault();

    @TempDir
    Path folder;

    private ConceptDetector detector;
    private Path saved;

    @BeforeEach
    void createAndSave() throws IOException {
        DetectorConfig config = DetectorConfig.untrained(CATALOG, TinyWorld.architecture(),
                new InputNormalization(List.of(0.1, -0.2, 0.0), List.of(0.5, 0.6, 0.7)));
        detector = ConceptDetector.create(config, 11L);
        saved = folder.resolve("detector");
        detector.save(saved);
    }

    @AfterEach
    void close() {
        detector.close();
    }

    /** Returns {@code count} pictures of uniform random values in [-1, 1]. */
    private static List<float[]> randomPictures(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<float[]> pictures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] picture = new float[3 * 32 * 32];
            for (int v = 0; v < picture.length; v++) {
                picture[v] = (float) random.nextDouble(-1, 1);
            }
            pictures.add(picture);
        }
        return pictures;
    }

    /** Rewrites the saved weights after an edit of the decoded tensor list. */
    private void editWeights(UnaryOperator<NDList> edit) throws IOException {
        Path weights = saved.resolve(ConceptDetector.WEIGHTS_FILE);
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager()) {
            NDList tensors = NDList.decode(manager, new ByteArrayInputStream(Files.readAllBytes(weights)));
            NDList edited = edit.apply(tensors);
            Files.write(weights, SafetensorsFiles.encode(edited));
        }
    }

    private static NDList without(NDList tensors, String name) {
        NDList remaining = new NDList();
        for (NDArray array : tensors) {
            if (!array.getName().equals(name)) {
                remaining.add(array);
            }
        }
        return remaining;
    }

    @Test
    void roundTripGivesIdenticalDetections() throws IOException {
        // Given
        List<float[]> pictures = randomPictures(5, 1L);
        List<Detection> before = detector.detectBatch(pictures);

        // When
        try (ConceptDetector loaded = ConceptDetector.load(saved, CATALOG)) {
            // Then
            assertEquals(before, loaded.detectBatch(pictures));
            assertEquals(detector.version(), loaded.version());
            assertEquals(detector.config(), loaded.config());
        }
    }

    @Test
    void detectionIsTopClassOfProbabilities() {
        // Given
        float[] picture = randomPictures(1, 2L).get(0);

        // When
        Detection detection = detector.detect(picture);

        // Then
        float[] probabilities = detection.probabilities();
        assertEquals(CATALOG.concepts().size(), probabilities.length);
        int best = 0;
        double sum = 0;
        for (int c = 0; c < probabilities.length; c++) {
            sum += probabilities[c];
            if (probabilities[c] > probabilities[best]) {
                best = c;
            }
        }
        assertEquals(1.0, sum, 1e-5);
        assertEquals(CATALOG.concepts().get(best).id(), detection.conceptId());
        assertEquals(probabilities[best], detection.probability());
    }

    @Test
    void featuresAreBitIdenticalOnRepeat() {
        // Given
        List<float[]> pictures = randomPictures(3, 3L);

        // When
        float[][] first = detector.features(pictures);
        float[][] second = detector.features(pictures);

        // Then
        assertEquals(3, first.length);
        for (int i = 0; i < first.length; i++) {
            assertEquals(8, first[i].length);
            assertArrayEquals(first[i], second[i], "picture " + i);
        }
    }

    @Test
    void batchLongerThanChunkMatchesSinglePictures() {
        // Given
        List<float[]> pictures = randomPictures(ConceptDetector.MAX_BATCH + 3, 4L);

        // When
        List<Detection> batch = detector.detectBatch(pictures);

        // Then
        assertEquals(pictures.size(), batch.size());
        int last = pictures.size() - 1;
        assertEquals(detector.detect(pictures.get(last)).conceptId(), batch.get(last).conceptId());
        assertArrayEquals(detector.detect(pictures.get(last)).probabilities(), batch.get(last).probabilities(),
                1e-6f);
    }

    @Test
    void pictureOfWrongLengthIsRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> detector.detect(new float[100]));

        // Then
        assertThat(error.getMessage()).contains("100 values").contains("expected 3072");
    }

    @Test
    void pictureWithNaNIsRejected() {
        // Given
        float[] picture = new float[3 * 32 * 32];
        picture[17] = Float.NaN;

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> detector.features(List.of(new float[3 * 32 * 32], picture)));

        // Then
        assertThat(error.getMessage()).contains("Picture 1").contains("index 17");
    }

    @Test
    void missingFolderIsReported() {
        // Given
        Path missing = folder.resolve("nowhere");

        // When
        DetectorFormatException error = assertThrows(DetectorFormatException.class,
                () -> ConceptDetector.load(missing));

        // Then
        assertEquals(missing, error.file());
        assertThat(error.getMessage()).contains(missing.toString()).contains("not found");
    }

    @Test
    void missingWeightsFileIsReported() throws IOException {
        // Given
        Path weights = saved.resolve(ConceptDetector.WEIGHTS_FILE);
        Files.delete(weights);

        // When
        DetectorFormatException error = assertThrows(DetectorFormatException.class,
                () -> ConceptDetector.load(saved));

        // Then
        assertEquals(weights, error.file());
        assertThat(error.getMessage()).contains(weights.toString()).contains("file not found");
    }

    @Test
    void missingConfigFileIsReported() throws IOException {
        // Given
        Path config = saved.resolve(DetectorConfig.FILE_NAME);
        Files.delete(config);

        // When
        DetectorFormatException error = assertThrows(DetectorFormatException.class,
                () -> ConceptDetector.load(saved));

        // Then
        assertEquals(config, error.file());
        assertThat(error.getMessage()).contains("file not found");
    }

    @Test
    void truncatedWeightsAreReported() throws IOException {
        // Given
        Path weights = saved.resolve(ConceptDetector.WEIGHTS_FILE);
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length - 100));

        // When
        DetectorFormatException error = assertThrows(DetectorFormatException.class,
                () -> ConceptDetector.load(saved));

        // Then
        assertEquals(weights, error.file());
        assertThat(error.getMessage()).contains(weights.toString()).contains("truncated");
    }

    @Test
    void weightsCutInsideHeaderAreReported() throws IOException {
        // Given
        Path weights = saved.resolve(ConceptDetector.WEIGHTS_FILE);
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, 20));

        // When
        DetectorFormatException error = assertThrows(DetectorFormatException.class,
                () -> ConceptDetector.load(saved));

        // Then
        assertThat(error.getMessage()).contains(weights.toString()).contains("truncated");
    }

    @Test
    void garbageWeightsAreReported() throws IOException {
        // Given
        Path weights = saved.resolve(ConceptDetector.WEIGHTS_FILE);
        byte[] garbage = new byte[4096];
        new SplittableRandom(5L).nextBytes(garbage);
        Files.write(weights, garbage);

        // When
        DetectorFormatException error = assertThrows(DetectorFormatException.class,
                () -> ConceptDetector.load(saved));

        // Then
        assertEquals(weights, error.file());
        assertThat(error.getMessage()).contains("not in safetensors format");
    }

    @Test
    void tensorOfWrongShapeIsNamed() throws IOException {
        // Given: classifier.bias with 3 values instead of one per class
        editWeights(tensors -> {
            NDList edited = without(tensors, "classifier.bias");
            NDArray wrong = tensors.get(0).getManager().zeros(new Shape(3));
            wrong.setName("classifier.bias");
            edited.add(wrong);
            return edited;
        });

        // When
        DetectorFormatException error = assertThrows(DetectorFormatException.class,
                () -> ConceptDetector.load(saved));

        // Then
        assertEquals("classifier.bias", error.tensor());
        assertEquals(saved.resolve(ConceptDetector.WEIGHTS_FILE), error.file());
        assertThat(error.getMessage()).contains("classifier.bias").contains("(3)")
                .contains("(" + CATALOG.concepts().size() + ")");
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        // Given
        editWeights(tensors -> without(tensors, "stages.1.bn.running_var"));

        // When
        DetectorFormatException error = assertThrows(DetectorFormatException.class,
                () -> ConceptDetector.load(saved));

        // Then
        assertEquals("stages.1.bn.running_var", error.tensor());
        assertThat(error.getMessage()).contains("stages.1.bn.running_var").contains("missing");
    }

    @Test
    void nonFiniteWeightIsNamed() throws IOException {
        // Given
        editWeights(tensors -> {
            NDList edited = without(tensors, "stages.0.conv.weight");
            NDArray weight = tensors.get("stages.0.conv.weight");
            float[] values = weight.toFloatArray();
            values[5] = Float.POSITIVE_INFINITY;
            NDArray broken = weight.getManager().create(values, weight.getShape());
            broken.setName("stages.0.conv.weight");
            edited.add(broken);
            return edited;
        });

        // When
        DetectorFormatException error = assertThrows(DetectorFormatException.class,
                () -> ConceptDetector.load(saved));

        // Then
        assertEquals("stages.0.conv.weight", error.tensor());
        assertThat(error.getMessage()).contains("Infinity").contains("flat index 5");
    }

    @Test
    void configForWiderNetworkNamesMisshapenTensor() throws IOException {
        // Given: the config claims 16 channels in the last stage, the weights have 8
        Path config = saved.resolve(DetectorConfig.FILE_NAME);
        ObjectNode tree = (ObjectNode) DetectorJson.MAPPER.readTree(config.toFile());
        ((ObjectNode) tree.get("architecture")).putArray("stageChannels").add(4).add(16);
        Files.write(config, DetectorJson.MAPPER.writeValueAsBytes(tree));

        // When
        DetectorFormatException error = assertThrows(DetectorFormatException.class,
                () -> ConceptDetector.load(saved));

        // Then
        assertEquals("stages.1.conv.weight", error.tensor());
        assertThat(error.getMessage()).contains("(8, 4, 3, 3)").contains("(16, 4, 3, 3)");
    }

    @Test
    void invalidConfigNamesField() throws IOException {
        // Given
        Path config = saved.resolve(DetectorConfig.FILE_NAME);
        ObjectNode tree = (ObjectNode) DetectorJson.MAPPER.readTree(config.toFile());
        ((ObjectNode) tree.get("architecture")).put("kernelSize", 4);
        Files.write(config, DetectorJson.MAPPER.writeValueAsBytes(tree));

        // When
        DetectorFormatException error = assertThrows(DetectorFormatException.class,
                () -> ConceptDetector.load(saved));

        // Then
        assertEquals(config, error.file());
        assertThat(error.getMessage()).contains("architecture.kernelSize is 4");
    }

    @Test
    void malformedConfigJsonIsReported() throws IOException {
        // Given
        Path config = saved.resolve(DetectorConfig.FILE_NAME);
        Files.writeString(config, "{\"format\": ");

        // When
        DetectorFormatException error = assertThrows(DetectorFormatException.class,
                () -> ConceptDetector.load(saved));

        // Then
        assertEquals(config, error.file());
        assertThat(error.getMessage()).contains("invalid config JSON");
    }

    @Test
    void otherCatalogVersionIsRejected() throws IOException {
        // Given
        Path config = saved.resolve(DetectorConfig.FILE_NAME);
        ObjectNode tree = (ObjectNode) DetectorJson.MAPPER.readTree(config.toFile());
        tree.put("catalogVersion", "9.9.9");
        Files.write(config, DetectorJson.MAPPER.writeValueAsBytes(tree));

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ConceptDetector.load(saved, CATALOG));

        // Then
        assertThat(error.getMessage()).contains("catalog 9.9.9").contains("version " + CATALOG.version())
                .contains("./pair train detector");
    }

    @Test
    void closedDetectorRejectsUse() {
        // Given
        detector.close();

        // When
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> detector.detect(new float[3 * 32 * 32]));

        // Then
        assertThat(error.getMessage()).contains("closed");
    }
}
