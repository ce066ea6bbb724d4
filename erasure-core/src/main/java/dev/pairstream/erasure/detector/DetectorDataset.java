package dev.pairstream.erasure.detector;

import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.EmojiRenderer;
import dev.pairstream.erasure.emoji.Scene;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Clean renders of a scene list with their class labels, split into training and validation scenes. The split
 * holds out a fixed fraction of each concept's scenes, chosen by a seed of its own, so that every training seed
 * is validated on the same scenes.
 */
final class DetectorDataset {

    /** Seed of the validation split; fixed so that the held-out scenes never depend on the training seed. */
    static final long VALIDATION_SPLIT_SEED = 0x5EED_0F_5917L;

    private final List<Scene> scenes;
    private final float[] pictures;
    private final int[] labels;
    private final int valueCount;
    private final int[] trainIndices;
    private final int[] validationIndices;

    private DetectorDataset(List<Scene> scenes, float[] pictures, int[] labels, int valueCount, int[] trainIndices,
            int[] validationIndices) {
        this.scenes = scenes;
        this.pictures = pictures;
        this.labels = labels;
        this.valueCount = valueCount;
        this.trainIndices = trainIndices;
        this.validationIndices = validationIndices;
    }

    /**
     * Renders every scene and splits the scenes.
     *
     * @param classIds           the class id list; each scene's concept must be in it
     * @param validationFraction fraction of each concept's scenes to hold out, rounded to the nearest whole
     *                           scene; a concept always keeps at least one training scene
     * @throws IllegalArgumentException when the list is empty, a scene repeats or a concept is not a class
     */
    static DetectorDataset render(ConceptCatalog catalog, EmojiRenderer renderer, List<Scene> scenes,
            List<String> classIds, double validationFraction) {
        if (scenes.isEmpty()) {
            throw new IllegalArgumentException("No scenes to train on; expected at least one");
        }
        if (scenes.stream().distinct().count() != scenes.size()) {
            throw new IllegalArgumentException("The scene list repeats a scene; expected each scene once");
        }
        int valueCount = catalog.canvas().valueCount();
        float[] pictures = new float[Math.multiplyExact(scenes.size(), valueCount)];
        int[] labels = new int[scenes.size()];
        Map<String, List<Integer>> byConcept = new LinkedHashMap<>();
        for (int i = 0; i < scenes.size(); i++) {
            Scene scene = scenes.get(i);
            int label = classIds.indexOf(scene.conceptId());
            if (label < 0) {
                throw new IllegalArgumentException("Scene " + scene + " shows \"" + scene.conceptId()
                        + "\", which is not one of the detector's classes " + classIds);
            }
            labels[i] = label;
            renderer.render(scene).copyValues(pictures, i * valueCount);
            byConcept.computeIfAbsent(scene.conceptId(), id -> new ArrayList<>()).add(i);
        }
        List<Integer> train = new ArrayList<>();
        List<Integer> validation = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> entry : byConcept.entrySet()) {
            List<Integer> indices = new ArrayList<>(entry.getValue());
            SplittableRandom random = RandomStreams.stream(VALIDATION_SPLIT_SEED, RandomStreams.VALIDATION_SPLIT,
                    entry.getKey().hashCode());
            for (int i = indices.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                indices.set(j, indices.set(i, indices.get(j)));
            }
            int heldOut = (int) Math.min(Math.round(validationFraction * indices.size()), indices.size() - 1L);
            validation.addAll(indices.subList(0, heldOut));
            train.addAll(indices.subList(heldOut, indices.size()));
        }
        return new DetectorDataset(List.copyOf(scenes), pictures, labels, valueCount, sorted(train),
                sorted(validation));
    }

    private static int[] sorted(List<Integer> indices) {
        int[] array = indices.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(array);
        return array;
    }

    /** Returns the scenes, in the order given. */
    List<Scene> scenes() {
        return scenes;
    }

    /** Returns the number of scenes. */
    int size() {
        return scenes.size();
    }

    /** Returns the number of values per picture. */
    int valueCount() {
        return valueCount;
    }

    /** Returns all pictures back to back, CHW each; the array is the dataset's own and must not be changed. */
    float[] pictures() {
        return pictures;
    }

    /** Returns a copy of one picture. */
    float[] picture(int index) {
        return Arrays.copyOfRange(pictures, index * valueCount, (index + 1) * valueCount);
    }

    /** Returns the class index of one scene. */
    int label(int index) {
        return labels[index];
    }

    /** Returns the indices of the training scenes, ascending; the array is the dataset's own. */
    int[] trainIndices() {
        return trainIndices;
    }

    /** Returns the indices of the held-out scenes, ascending; the array is the dataset's own. */
    int[] validationIndices() {
        return validationIndices;
    }

    /** Returns the training pictures back to back, for measuring the input normalisation. */
    float[] trainPictures() {
        float[] values = new float[trainIndices.length * valueCount];
        for (int i = 0; i < trainIndices.length; i++) {
            System.arraycopy(pictures, trainIndices[i] * valueCount, values, i * valueCount, valueCount);
        }
        return values;
    }

    /**
     * Returns a SHA-256 digest of the scene list, the split and the rendered pixels, so that a checkpoint is only
     * resumed on the data it was trained on.
     */
    String fingerprint() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < scenes.size(); i++) {
                Scene scene = scenes.get(i);
                digest.update((scene.conceptId() + "/" + scene.colourId() + "/" + scene.sizeId() + "/"
                        + scene.positionId() + "/" + labels[i] + "\n").getBytes(StandardCharsets.UTF_8));
            }
            digest.update(Arrays.toString(validationIndices).getBytes(StandardCharsets.UTF_8));
            byte[] buffer = new byte[4 * valueCount];
            for (int i = 0; i < scenes.size(); i++) {
                for (int v = 0; v < valueCount; v++) {
                    int bits = Float.floatToIntBits(pictures[i * valueCount + v]);
                    buffer[4 * v] = (byte) bits;
                    buffer[4 * v + 1] = (byte) (bits >>> 8);
                    buffer[4 * v + 2] = (byte) (bits >>> 16);
                    buffer[4 * v + 3] = (byte) (bits >>> 24);
                }
                digest.update(buffer);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JVM lacks SHA-256, which every Java platform must provide", e);
        }
    }
}
