package dev.pairstream.erasure.pretrain;

import dev.pairstream.erasure.emoji.CaptionGenerator;
import dev.pairstream.erasure.emoji.CaptionSplit;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.EmojiRenderer;
import dev.pairstream.erasure.emoji.Scene;
import dev.pairstream.erasure.emoji.SceneSampler;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The pictures and captions a base model trains on: each scene rendered once, and a fixed pool of captions per scene
 * written from the catalog's TRAIN templates and phrases.
 *
 * <p>Caption {@code k} of scene {@code i} depends only on the caption seed, {@code i} and {@code k}, so the pool is
 * the same in every run with the same seed. Instances are immutable and safe for concurrent use.
 */
public final class TrainingSet {

    private final String catalogVersion;
    private final List<Scene> scenes;
    private final int width;
    private final int height;
    private final int valuesPerPicture;
    private final float[] pictures;
    private final String[] captions;
    private final int captionsPerScene;
    private final String digest;

    private TrainingSet(String catalogVersion, List<Scene> scenes, int width, int height, float[] pictures,
            String[] captions, int captionsPerScene) {
        this.catalogVersion = catalogVersion;
        this.scenes = List.copyOf(scenes);
        this.width = width;
        this.height = height;
        this.valuesPerPicture = 3 * width * height;
        this.pictures = pictures;
        this.captions = captions;
        this.captionsPerScene = captionsPerScene;
        this.digest = computeDigest();
    }

    /**
     * Renders every scene of the catalog: each concept on each colour, at each size and position.
     *
     * @see #render(ConceptCatalog, EmojiRenderer, List, int, long)
     */
    public static TrainingSet wholeCatalog(ConceptCatalog catalog, EmojiRenderer renderer, int captionsPerScene,
            long captionSeed) {
        return render(catalog, renderer, new SceneSampler(catalog, 0).allScenes(), captionsPerScene, captionSeed);
    }

    /**
     * Renders the given scenes and writes their caption pools.
     *
     * @param captionsPerScene captions per scene, at least 1
     * @param captionSeed      seed of the caption pools
     * @throws IllegalArgumentException when there are no scenes, the pool size is below 1 or the renderer has no image
     *                                  for a scene's concept
     */
    public static TrainingSet render(ConceptCatalog catalog, EmojiRenderer renderer, List<Scene> scenes,
            int captionsPerScene, long captionSeed) {
        Objects.requireNonNull(catalog, "catalog");
        Objects.requireNonNull(renderer, "renderer");
        Objects.requireNonNull(scenes, "scenes");
        if (scenes.isEmpty()) {
            throw new IllegalArgumentException("No scenes to train on; expected at least one");
        }
        if (captionsPerScene < 1) {
            throw new IllegalArgumentException("Invalid captions per scene " + captionsPerScene
                    + "; expected at least 1");
        }
        int width = catalog.canvas().width();
        int height = catalog.canvas().height();
        int valuesPerPicture = 3 * width * height;
        float[] pictures = new float[Math.multiplyExact(scenes.size(), valuesPerPicture)];
        String[] captions = new String[Math.multiplyExact(scenes.size(), captionsPerScene)];
        for (int i = 0; i < scenes.size(); i++) {
            Scene scene = scenes.get(i);
            renderer.render(scene).copyValues(pictures, i * valuesPerPicture);
            for (int k = 0; k < captionsPerScene; k++) {
                CaptionGenerator generator = new CaptionGenerator(catalog, Seeds.mix(captionSeed, i, k));
                captions[i * captionsPerScene + k] = generator.caption(scene, CaptionSplit.TRAIN);
            }
        }
        return new TrainingSet(catalog.version(), scenes, width, height, pictures, captions, captionsPerScene);
    }

    /** Returns the version of the catalog the scenes come from. */
    public String catalogVersion() {
        return catalogVersion;
    }

    /** Returns the number of scenes. */
    public int size() {
        return scenes.size();
    }

    /** Returns the scenes in training-set order. */
    public List<Scene> scenes() {
        return scenes;
    }

    /** Returns the picture width in pixels. */
    public int width() {
        return width;
    }

    /** Returns the picture height in pixels. */
    public int height() {
        return height;
    }

    /** Returns the number of values in one CHW picture, {@code 3 * height * width}. */
    public int valuesPerPicture() {
        return valuesPerPicture;
    }

    /** Returns the size of each scene's caption pool. */
    public int captionsPerScene() {
        return captionsPerScene;
    }

    /** Returns the number of captions over all scenes. */
    public int captionCount() {
        return captions.length;
    }

    /** Copies the CHW picture of scene {@code index}, values in [-1, 1], into {@code target} at {@code offset}. */
    public void copyPicture(int index, float[] target, int offset) {
        System.arraycopy(pictures, Math.multiplyExact(index, valuesPerPicture), target, offset, valuesPerPicture);
    }

    /** Returns caption {@code k} of scene {@code index}. */
    public String caption(int index, int k) {
        if (k < 0 || k >= captionsPerScene) {
            throw new IndexOutOfBoundsException("Caption " + k + " of scene " + index + " does not exist; each"
                    + " scene has " + captionsPerScene);
        }
        return captions[index * captionsPerScene + k];
    }

    /** Returns the caption with a flat index, {@code scene * captionsPerScene + k}. */
    public String caption(int flatIndex) {
        return captions[flatIndex];
    }

    /**
     * Returns a SHA-256 over the catalog version, the scenes, their captions and their pixels, which a resumed run compares to
     * make sure it trains on the same data.
     */
    public String digest() {
        return digest;
    }

    private String computeDigest() {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(catalogVersion.getBytes(StandardCharsets.UTF_8));
            List<String> parts = new ArrayList<>();
            for (Scene scene : scenes) {
                parts.add(scene.conceptId() + "/" + scene.colourId() + "/" + scene.sizeId() + "/"
                        + scene.positionId());
            }
            for (String part : parts) {
                sha256.update((byte) '\n');
                sha256.update(part.getBytes(StandardCharsets.UTF_8));
            }
            for (String caption : captions) {
                sha256.update((byte) '\n');
                sha256.update(caption.getBytes(StandardCharsets.UTF_8));
            }
            ByteBuffer bytes = ByteBuffer.allocate(4 * valuesPerPicture).order(ByteOrder.LITTLE_ENDIAN);
            for (int offset = 0; offset < pictures.length; offset += valuesPerPicture) {
                bytes.clear();
                bytes.asFloatBuffer().put(pictures, offset, valuesPerPicture);
                sha256.update(bytes.array());
            }
            return HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The Java runtime has no SHA-256", e);
        }
    }
}
