package dev.pairstream.erasure.emoji;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Loads the emoji images of a prepared data folder, checking each against the manifest. */
public final class EmojiImages {

    private EmojiImages() {
    }

    /**
     * Loads every catalog concept's image from a data folder that {@link EmojiAssets#prepare} filled.
     *
     * @return the images by concept id, in catalog order
     * @throws IOException when the folder was prepared for another package, or a file is missing or altered
     */
    public static Map<String, EmojiImage> load(ConceptCatalog catalog, Path dataDirectory) throws IOException {
        DataManifest manifest = DataManifest.read(dataDirectory);
        if (!manifest.integrity().equals(catalog.source().integrity())) {
            throw new IOException("Data folder " + dataDirectory + " was prepared from package digest "
                    + manifest.integrity() + ", but the catalog pins " + catalog.source().integrity()
                    + ". Run ./pair data --force to prepare it again.");
        }
        Map<String, EmojiImage> images = new LinkedHashMap<>();
        for (Concept concept : catalog.concepts()) {
            String relative = AssetExtractor.IMAGE_FOLDER + "/" + concept.imageFileName();
            String expected = manifest.files().get(relative);
            if (expected == null) {
                throw new IOException("Data folder " + dataDirectory + " has no image for concept \"" + concept.id()
                        + "\" (" + relative + "). Run ./pair data to prepare it.");
            }
            Path file = dataDirectory.resolve(relative);
            String actual = DataManifest.sha256(file);
            if (!expected.equals(actual)) {
                throw new IOException("Data file " + file + " has SHA-256 " + actual + " but the manifest records "
                        + expected + ". Run ./pair data --force to prepare the folder again.");
            }
            images.put(concept.id(), EmojiImage.read(file));
        }
        return Collections.unmodifiableMap(images);
    }
}
