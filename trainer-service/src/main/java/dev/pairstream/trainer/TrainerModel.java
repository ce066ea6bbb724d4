package dev.pairstream.trainer;

import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.pipeline.ModelFolder;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * The base model jobs train on, with its concept catalog (for the neutral prompts) and the digest of its UNet weights
 * (for the adapters' provenance). Closing it releases the model.
 */
public final class TrainerModel implements AutoCloseable {

    private final String baseModelId;
    private final TextToImagePipeline pipeline;
    private final ConceptCatalog catalog;
    private final String digest;

    private TrainerModel(String baseModelId, TextToImagePipeline pipeline, ConceptCatalog catalog, String digest) {
        this.baseModelId = baseModelId;
        this.pipeline = pipeline;
        this.catalog = catalog;
        this.digest = digest;
    }

    /**
     * Loads the model folder and the catalog, and hashes the UNet weights.
     *
     * @param catalogFile a catalog JSON file, or empty for the catalog built into erasure-core
     */
    public static TrainerModel load(String baseModelId, Path modelFolder, Optional<Path> catalogFile)
            throws IOException {
        Objects.requireNonNull(baseModelId, "baseModelId");
        ConceptCatalog catalog = catalogFile.isPresent() ? ConceptCatalog.load(catalogFile.get())
                : ConceptCatalog.loadDefault();
        String digest = "sha256:" + sha256(modelFolder.resolve(ModelFolder.UNET_FOLDER)
                .resolve("diffusion_pytorch_model.safetensors"));
        TextToImagePipeline pipeline = TextToImagePipeline.load(modelFolder);
        return new TrainerModel(baseModelId, pipeline, catalog, digest);
    }

    /** Returns the id the model is known by in records. */
    public String baseModelId() {
        return baseModelId;
    }

    /** Returns the text-to-image model. */
    public TextToImagePipeline pipeline() {
        return pipeline;
    }

    /** Returns the concept catalog. */
    public ConceptCatalog catalog() {
        return catalog;
    }

    /** Returns {@code sha256:<hex>} of the UNet weights file. */
    public String digest() {
        return digest;
    }

    @Override
    public void close() {
        pipeline.close();
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
