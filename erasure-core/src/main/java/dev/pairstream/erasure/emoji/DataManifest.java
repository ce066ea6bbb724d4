package dev.pairstream.erasure.emoji;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The record of a prepared data folder: which catalog and package it came from, and the SHA-256 of every file.
 *
 * @param catalogVersion version of the catalog that chose the files
 * @param packageName    npm package the files came from
 * @param packageVersion its exact version
 * @param integrity      the tarball's SRI digest, as the catalog pins it
 * @param files          relative path with {@code /} separators, such as {@code img/1f52b.png}, to lower-case hex
 *                       SHA-256, sorted by path
 */
public record DataManifest(String catalogVersion, String packageName, String packageVersion, String integrity,
        Map<String, String> files) {

    /** Name of the manifest inside the data folder. */
    public static final String FILE_NAME = "manifest.json";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public DataManifest {
        Objects.requireNonNull(catalogVersion, "catalogVersion");
        Objects.requireNonNull(packageName, "packageName");
        Objects.requireNonNull(packageVersion, "packageVersion");
        Objects.requireNonNull(integrity, "integrity");
        files = Collections.unmodifiableMap(new TreeMap<>(files));
    }

    /**
     * Reads the manifest of a data folder.
     *
     * @throws NoSuchFileException when the folder has no manifest, so it was never prepared
     */
    public static DataManifest read(Path dataDirectory) throws IOException {
        Path file = dataDirectory.resolve(FILE_NAME);
        try {
            return MAPPER.readValue(file.toFile(), DataManifest.class);
        } catch (JacksonException e) {
            throw new IOException("Invalid data manifest " + file + ": " + e.getOriginalMessage()
                    + ". Prepare the data again with ./pair data --force.", e);
        } catch (IOException e) {
            if (!Files.exists(file)) {
                throw new NoSuchFileException(file.toString(), null, "no data manifest; prepare the data with"
                        + " ./pair data");
            }
            throw e;
        }
    }

    /** Writes the manifest into a data folder, replacing any earlier one in a single rename. */
    public void write(Path dataDirectory) throws IOException {
        Path target = dataDirectory.resolve(FILE_NAME);
        Path temporary = Files.createTempFile(dataDirectory, ".manifest-", ".json");
        try {
            MAPPER.writeValue(temporary.toFile(), this);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Returns the lower-case hex SHA-256 of a file. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest = newSha256();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int read;
            while ((read = in.read(buffer)) != -1) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256, so this is a broken runtime.
            throw new IllegalStateException("The Java runtime lacks the SHA-256 message digest", e);
        }
    }
}
