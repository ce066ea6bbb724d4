package dev.pairstream.erasure.emoji;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the catalog's emoji PNGs and the licence texts out of the package tarball into the data folder, checks
 * them against the package's emoji list, and writes the manifest.
 *
 * <p>Files are first written to a staging folder inside the data folder and moved into place only when all of them
 * are present and valid. The old manifest is removed before the first move and the new one written after the
 * last, so a data folder with a manifest is always complete.
 */
final class AssetExtractor {

    /** Data-folder subfolder for the emoji PNGs. */
    static final String IMAGE_FOLDER = "img";

    /** Data-folder subfolder for the licence texts. */
    static final String LICENCE_FOLDER = "licence";

    /** Largest emoji list accepted; emoji-datasource 16.0.0 ships 1.3 MB. */
    private static final int MAX_METADATA_BYTES = 64 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(AssetExtractor.class);

    private final ConceptCatalog catalog;
    private final Path dataDirectory;

    AssetExtractor(ConceptCatalog catalog, Path dataDirectory) {
        this.catalog = catalog;
        this.dataDirectory = dataDirectory;
    }

    /** Returns the data-folder path, relative with {@code /} separators, of each tarball entry to extract. */
    Map<String, String> extractionTargets() {
        PackageSource source = catalog.source();
        Map<String, String> targets = new LinkedHashMap<>();
        for (Concept concept : catalog.concepts()) {
            targets.put(source.imagePath(concept), IMAGE_FOLDER + "/" + concept.imageFileName());
        }
        for (String licence : source.licenceFiles()) {
            targets.put(licence, LICENCE_FOLDER + "/" + licence.substring(licence.lastIndexOf('/') + 1));
        }
        return targets;
    }

    /** A finished extraction: the manifest written and the bytes extracted. */
    record Result(DataManifest manifest, long bytes) {
    }

    /**
     * Extracts the target entries of a gzip-compressed tarball.
     *
     * @throws IOException when the tarball is damaged, lacks an image or licence file, its emoji list disagrees
     *                     with the catalog, or a PNG does not decode at the catalog's image size
     */
    Result extract(Path tarball) throws IOException {
        Files.createDirectories(dataDirectory);
        Path staging = Files.createTempDirectory(dataDirectory, ".staging-");
        try {
            Map<String, String> targets = extractionTargets();
            Map<String, String> hashes = new TreeMap<>();
            byte[] metadata = readTarball(tarball, targets, staging, hashes);
            checkComplete(targets, hashes, metadata);
            checkMetadata(metadata);
            checkImages(staging);
            long bytes = install(staging, hashes);
            PackageSource source = catalog.source();
            DataManifest manifest = new DataManifest(catalog.version(), source.packageName(), source.version(),
                    source.integrity(), hashes);
            manifest.write(dataDirectory);
            LOG.info("Extracted {} files ({} bytes) from {} into {}", hashes.size(), bytes, tarball, dataDirectory);
            return new Result(manifest, bytes);
        } finally {
            Folders.deleteQuietly(staging);
        }
    }

    /** Streams the tarball once, writing target entries to staging; returns the emoji list, or null if absent. */
    private byte[] readTarball(Path tarball, Map<String, String> targets, Path staging, Map<String, String> hashes)
            throws IOException {
        String metadataFile = catalog.source().metadataFile();
        byte[] metadata = null;
        try (InputStream file = Files.newInputStream(tarball);
                InputStream gzip = new GZIPInputStream(new BufferedInputStream(file, 1 << 16), 1 << 16);
                TarArchiveReader tar = new TarArchiveReader(gzip)) {
            TarArchiveReader.Entry entry;
            while ((entry = tar.next()) != null) {
                if (!entry.isFile()) {
                    continue;
                }
                if (entry.name().equals(metadataFile)) {
                    if (entry.size() > MAX_METADATA_BYTES) {
                        throw new IOException(metadataFile + " is " + entry.size() + " bytes; expected at most "
                                + MAX_METADATA_BYTES);
                    }
                    metadata = tar.entryStream().readAllBytes();
                    continue;
                }
                String relative = targets.get(entry.name());
                if (relative != null) {
                    hashes.put(relative, copy(tar.entryStream(), staging.resolve(relative)));
                }
            }
        } catch (IOException e) {
            throw new IOException("Failed to read the package tarball " + tarball + ": " + e.getMessage()
                    + ". The file is damaged or is not a gzip-compressed tar archive; delete it and fetch it again.",
                    e);
        }
        return metadata;
    }

    private static String copy(InputStream content, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        MessageDigest digest = DataManifest.newSha256();
        try (DigestInputStream in = new DigestInputStream(content, digest);
                OutputStream out = Files.newOutputStream(target)) {
            in.transferTo(out);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private void checkComplete(Map<String, String> targets, Map<String, String> hashes, byte[] metadata)
            throws IOException {
        PackageSource source = catalog.source();
        List<String> missing = new ArrayList<>();
        for (Concept concept : catalog.concepts()) {
            String path = source.imagePath(concept);
            if (!hashes.containsKey(targets.get(path))) {
                missing.add("concept \"" + concept.id() + "\" (" + concept.unified() + ", expected " + path + ")");
            }
        }
        for (String licence : source.licenceFiles()) {
            if (!hashes.containsKey(targets.get(licence))) {
                missing.add("licence file " + licence);
            }
        }
        if (metadata == null) {
            missing.add("emoji list " + source.metadataFile());
        }
        if (!missing.isEmpty()) {
            throw new IOException("The package " + source.packageSpec() + " lacks " + missing.size() + " file"
                    + (missing.size() == 1 ? "" : "s") + " the catalog needs: " + String.join("; ", missing)
                    + ". Fix the catalog's code points or pin a package version that has them.");
        }
    }

    /**
     * Checks each concept against the package's emoji list: the code point sequence must be listed, under the
     * image file name the catalog derives from it.
     */
    private void checkMetadata(byte[] metadata) throws IOException {
        String metadataFile = catalog.source().metadataFile();
        JsonNode list;
        try {
            list = new ObjectMapper().readTree(metadata);
        } catch (JacksonException e) {
            throw new IOException("Invalid " + metadataFile + " in " + catalog.source().packageSpec() + ": "
                    + e.getOriginalMessage(), e);
        }
        if (list == null || !list.isArray()) {
            throw new IOException("Invalid " + metadataFile + " in " + catalog.source().packageSpec()
                    + ": expected a JSON array of emoji");
        }
        Map<String, JsonNode> byUnified = new HashMap<>();
        Map<String, JsonNode> byNonQualified = new HashMap<>();
        for (JsonNode emoji : list) {
            byUnified.put(emoji.path("unified").asText(), emoji);
            if (emoji.hasNonNull("non_qualified")) {
                byNonQualified.put(emoji.get("non_qualified").asText(), emoji);
            }
        }
        List<String> problems = new ArrayList<>();
        for (Concept concept : catalog.concepts()) {
            JsonNode emoji = byUnified.get(concept.unified());
            if (emoji == null) {
                JsonNode qualified = byNonQualified.get(concept.unified());
                problems.add("concept \"" + concept.id() + "\": " + concept.unified() + " is not listed"
                        + (qualified == null ? "" : "; the package lists it as "
                        + qualified.path("unified").asText() + " (image " + qualified.path("image").asText() + ")"));
            } else if (!concept.imageFileName().equals(emoji.path("image").asText())) {
                problems.add("concept \"" + concept.id() + "\": the package names its image "
                        + emoji.path("image").asText() + ", not " + concept.imageFileName());
            }
        }
        if (!problems.isEmpty()) {
            throw new IOException("The catalog disagrees with " + metadataFile + " of "
                    + catalog.source().packageSpec() + ": " + String.join("; ", problems));
        }
    }

    private void checkImages(Path staging) throws IOException {
        int size = catalog.source().imageSize();
        for (Concept concept : catalog.concepts()) {
            Path png = staging.resolve(IMAGE_FOLDER).resolve(concept.imageFileName());
            BufferedImage image = ImageIO.read(png.toFile());
            if (image == null) {
                throw new IOException("The image of concept \"" + concept.id() + "\" ("
                        + catalog.source().imagePath(concept) + ") is not a readable PNG");
            }
            if (image.getWidth() != size || image.getHeight() != size) {
                throw new IOException("The image of concept \"" + concept.id() + "\" ("
                        + catalog.source().imagePath(concept) + ") is " + image.getWidth() + "x"
                        + image.getHeight() + "; the catalog expects " + size + "x" + size);
            }
        }
    }

    /** Moves the staged files into the data folder and removes PNGs that the new manifest does not list. */
    private long install(Path staging, Map<String, String> hashes) throws IOException {
        Files.deleteIfExists(dataDirectory.resolve(DataManifest.FILE_NAME));
        long bytes = 0;
        for (String relative : hashes.keySet()) {
            Path source = staging.resolve(relative);
            Path target = dataDirectory.resolve(relative);
            Files.createDirectories(target.getParent());
            bytes += Files.size(source);
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        Path images = dataDirectory.resolve(IMAGE_FOLDER);
        try (DirectoryStream<Path> pngs = Files.newDirectoryStream(images, "*.png")) {
            for (Path png : pngs) {
                if (!hashes.containsKey(IMAGE_FOLDER + "/" + png.getFileName())) {
                    LOG.info("Removing {}, which the catalog no longer uses", png);
                    Files.delete(png);
                }
            }
        }
        return bytes;
    }
}
