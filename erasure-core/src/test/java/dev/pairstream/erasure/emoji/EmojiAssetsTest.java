package dev.pairstream.erasure.emoji;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prepares the data folder from tarballs the test builds itself, placed in the cache. The npm command points at a
 * file that does not exist, so any attempt to run npm fails the test instead of reaching the network.
 */
class EmojiAssetsTest {

    private static final List<String> NO_NPM = List.of("/nonexistent/npm-must-not-run");

    @TempDir
    Path folder;

    /** The PNG written for each concept: a solid 64x64 square whose colour encodes the concept's index. */
    private final Map<String, byte[]> pngs = new LinkedHashMap<>();

    private static int colourOf(int index) {
        return 0xff000000 | (index * 4 << 16) | (255 - index * 4) << 8 | 0x40;
    }

    private static byte[] png(int argb) throws IOException {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, argb);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    /** Builds a package tarball for the default catalog's concepts, leaving out the given concept ids. */
    private TestTarball packageTarball(Set<String> withoutImages, Set<String> unlistedInMetadata) throws IOException {
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        ArrayNode emojiList = TestCatalogs.MAPPER.createArrayNode();
        emojiList.addObject().put("unified", "0023-FE0F-20E3").put("image", "0023-fe0f-20e3.png");
        TestTarball tarball = new TestTarball()
                .file("package/CHANGES.md", "changes")
                .file("package/LICENSE", "The MIT License (MIT)")
                .file("package/README.md", "Google images are available under the Apache License 2.0.")
                .file("package/img/google/64/0023-fe0f-20e3.png", png(0xff000000));
        List<Concept> concepts = catalog.concepts();
        for (int i = 0; i < concepts.size(); i++) {
            Concept concept = concepts.get(i);
            byte[] image = png(colourOf(i));
            pngs.put(concept.id(), image);
            if (!withoutImages.contains(concept.id())) {
                tarball.file("package/img/google/64/" + concept.unified().toLowerCase() + ".png", image);
            }
            if (!unlistedInMetadata.contains(concept.id())) {
                emojiList.addObject().put("unified", concept.unified())
                        .put("image", concept.unified().toLowerCase() + ".png");
            }
        }
        return tarball.file("package/emoji.json", emojiList.toString());
    }

    /** Puts the tarball in the cache and returns a catalog that pins its digest. */
    private ConceptCatalog cacheTarball(TestTarball tarball, Path cache) throws Exception {
        byte[] gzip = tarball.gzipBytes();
        Files.createDirectories(cache);
        Files.write(cache.resolve("emoji-datasource-google-16.0.0.tgz"), gzip);
        String integrity = "sha512-" + Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-512").digest(gzip));
        return TestCatalogs.withIntegrity(integrity);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void cachedTarballIsReusedAndExtracted() throws Exception {
        // Given
        Path cache = folder.resolve("cache");
        Path data = folder.resolve("data");
        ConceptCatalog catalog = cacheTarball(packageTarball(Set.of(), Set.of()), cache);
        EmojiAssets assets = new EmojiAssets(catalog, cache, data, NO_NPM, Duration.ofSeconds(5));

        // When
        PreparedData prepared = assets.prepare(false);

        // Then
        int conceptCount = catalog.concepts().size();
        assertTrue(prepared.tarballFromCache());
        assertFalse(prepared.upToDate());
        assertEquals(conceptCount + 2, prepared.filesExtracted());
        assertEquals(Files.size(cache.resolve("emoji-datasource-google-16.0.0.tgz")), prepared.tarballBytes());
        try (Stream<Path> images = Files.list(data.resolve("img"))) {
            assertEquals(conceptCount, images.count());
        }
        assertEquals("The MIT License (MIT)", Files.readString(data.resolve("licence/LICENSE")));
        assertTrue(Files.exists(data.resolve("licence/README.md")));
        assertFalse(Files.exists(data.resolve("img/0023-fe0f-20e3.png")));
        assertFalse(Files.exists(data.resolve("CHANGES.md")));
    }

    @Test
    void manifestRecordsSha256OfEveryFile() throws Exception {
        // Given
        Path cache = folder.resolve("cache");
        Path data = folder.resolve("data");
        ConceptCatalog catalog = cacheTarball(packageTarball(Set.of(), Set.of()), cache);

        // When
        new EmojiAssets(catalog, cache, data, NO_NPM, Duration.ofSeconds(5)).prepare(false);
        DataManifest manifest = DataManifest.read(data);

        // Then
        assertEquals(catalog.source().integrity(), manifest.integrity());
        assertEquals("1.0.0", manifest.catalogVersion());
        assertEquals(sha256(pngs.get("pistol")), manifest.files().get("img/1f52b.png"));
        assertEquals(sha256(pngs.get("dagger")), manifest.files().get("img/1f5e1-fe0f.png"));
        assertEquals(sha256("The MIT License (MIT)".getBytes()), manifest.files().get("licence/LICENSE"));
        assertEquals(catalog.concepts().size() + 2, manifest.files().size());
    }

    @Test
    void preparedFolderIsLeftAloneUnlessForced() throws Exception {
        // Given
        Path cache = folder.resolve("cache");
        Path data = folder.resolve("data");
        ConceptCatalog catalog = cacheTarball(packageTarball(Set.of(), Set.of()), cache);
        EmojiAssets assets = new EmojiAssets(catalog, cache, data, NO_NPM, Duration.ofSeconds(5));
        assets.prepare(false);

        // When
        PreparedData second = assets.prepare(false);
        PreparedData forced = assets.prepare(true);

        // Then
        assertTrue(second.upToDate());
        assertNull(second.tarball());
        assertEquals(0, second.filesExtracted());
        assertFalse(forced.upToDate());
        assertEquals(catalog.concepts().size() + 2, forced.filesExtracted());
    }

    @Test
    void alteredDataFileIsDetectedAndReplaced() throws Exception {
        // Given
        Path cache = folder.resolve("cache");
        Path data = folder.resolve("data");
        ConceptCatalog catalog = cacheTarball(packageTarball(Set.of(), Set.of()), cache);
        EmojiAssets assets = new EmojiAssets(catalog, cache, data, NO_NPM, Duration.ofSeconds(5));
        assets.prepare(false);
        Files.write(data.resolve("img/1f52b.png"), new byte[] {1, 2, 3});

        // When
        boolean preparedBefore = assets.isPrepared();
        IOException loadError = assertThrows(IOException.class, () -> EmojiImages.load(catalog, data));
        PreparedData repaired = assets.prepare(false);

        // Then
        assertFalse(preparedBefore);
        assertThat(loadError.getMessage()).contains("1f52b.png").contains(sha256(new byte[] {1, 2, 3}));
        assertFalse(repaired.upToDate());
        assertEquals(sha256(pngs.get("pistol")), sha256(Files.readAllBytes(data.resolve("img/1f52b.png"))));
    }

    @Test
    void imagesLoadFromThePreparedFolder() throws Exception {
        // Given
        Path cache = folder.resolve("cache");
        Path data = folder.resolve("data");
        ConceptCatalog catalog = cacheTarball(packageTarball(Set.of(), Set.of()), cache);
        new EmojiAssets(catalog, cache, data, NO_NPM, Duration.ofSeconds(5)).prepare(false);

        // When
        Map<String, EmojiImage> images = EmojiImages.load(catalog, data);

        // Then
        assertEquals(catalog.concepts().stream().map(Concept::id).toList(), List.copyOf(images.keySet()));
        EmojiImage pistol = images.get("pistol");
        assertEquals(64, pistol.width());
        assertEquals(colourOf(0), pistol.argb(10, 10));
        assertEquals(colourOf(2), images.get("dagger").argb(63, 63));
    }

    @Test
    void missingEmojiIsRejectedNamingIt() throws Exception {
        // Given
        Path cache = folder.resolve("cache");
        Path data = folder.resolve("data");
        ConceptCatalog catalog = cacheTarball(packageTarball(Set.of("pistol", "coffin"), Set.of()), cache);
        EmojiAssets assets = new EmojiAssets(catalog, cache, data, NO_NPM, Duration.ofSeconds(5));

        // When
        IOException error = assertThrows(IOException.class, () -> assets.prepare(false));

        // Then
        assertThat(error.getMessage())
                .contains("concept \"pistol\" (1F52B, expected package/img/google/64/1f52b.png)")
                .contains("concept \"coffin\" (26B0-FE0F, expected package/img/google/64/26b0-fe0f.png)");
        assertFalse(Files.exists(data.resolve(DataManifest.FILE_NAME)));
        try (Stream<Path> leftovers = Files.list(data)) {
            assertEquals(Set.of(), leftovers.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        }
    }

    @Test
    void emojiMissingFromPackageListIsRejected() throws Exception {
        // Given
        Path cache = folder.resolve("cache");
        Path data = folder.resolve("data");
        ConceptCatalog catalog = cacheTarball(packageTarball(Set.of(), Set.of("skull")), cache);
        EmojiAssets assets = new EmojiAssets(catalog, cache, data, NO_NPM, Duration.ofSeconds(5));

        // When
        IOException error = assertThrows(IOException.class, () -> assets.prepare(false));

        // Then
        assertThat(error.getMessage()).contains("concept \"skull\": 1F480 is not listed").contains("emoji.json");
    }

    @Test
    void corruptCachedTarballIsFetchedAgain() throws Exception {
        // Given: the cached copy differs from the pinned digest, and npm cannot run
        Path cache = folder.resolve("cache");
        ConceptCatalog catalog = cacheTarball(packageTarball(Set.of(), Set.of()), cache);
        Path cached = cache.resolve("emoji-datasource-google-16.0.0.tgz");
        Files.write(cached, new byte[] {0x1f, (byte) 0x8b, 0});
        EmojiAssets assets = new EmojiAssets(catalog, cache, folder.resolve("data"), NO_NPM, Duration.ofSeconds(5));

        // When
        IOException error = assertThrows(IOException.class, assets::fetchTarball);

        // Then
        assertThat(error.getMessage()).contains("Failed to start /nonexistent/npm-must-not-run");
        assertFalse(Files.exists(cached));
        try (Stream<Path> leftovers = Files.list(cache)) {
            assertEquals(0, leftovers.count());
        }
    }

    @Test
    void damagedTarballIsRejected() throws Exception {
        // Given: a tarball whose digest the catalog pins, but whose gzip stream is cut short
        byte[] whole = packageTarball(Set.of(), Set.of()).gzipBytes();
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length / 2);
        Path tarball = Files.write(folder.resolve("cut.tgz"), cut);
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        AssetExtractor extractor = new AssetExtractor(catalog, folder.resolve("data"));

        // When
        IOException error = assertThrows(IOException.class, () -> extractor.extract(tarball));

        // Then
        assertThat(error.getMessage()).contains("Failed to read the package tarball " + tarball)
                .contains("delete it and fetch it again");
    }

    @Test
    void notATarballIsRejected() throws Exception {
        // Given
        Path tarball = Files.writeString(folder.resolve("text.tgz"), "this is not gzip");
        AssetExtractor extractor = new AssetExtractor(ConceptCatalog.loadDefault(), folder.resolve("data"));

        // When
        IOException error = assertThrows(IOException.class, () -> extractor.extract(tarball));

        // Then
        assertThat(error.getMessage()).contains("Not in GZIP format");
    }

    @Test
    void scopedPackageTarballName() {
        // Given
        String json = TestCatalogs.edited(tree -> ((ObjectNode) tree.get("source"))
                .put("package", "@emoji/data-google"));

        // When
        PackageSource source = ConceptCatalog.parse(json, "test").source();

        // Then
        assertEquals("emoji-data-google-16.0.0.tgz", source.tarballFileName());
        assertEquals("@emoji/data-google@16.0.0", source.packageSpec());
    }
}
