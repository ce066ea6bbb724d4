package dev.pairstream.erasure.emoji;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

/**
 * A Subresource Integrity digest, the form npm records in {@code dist.integrity}: {@code sha512-} followed by the
 * base64 digest of the package tarball.
 */
public final class PackageIntegrity {

    /** The SRI algorithm names accepted, mapped to their Java names; npm writes sha512 for current packages. */
    private static final Map<String, String> ALGORITHMS = Map.of(
            "sha256", "SHA-256",
            "sha384", "SHA-384",
            "sha512", "SHA-512");

    private final String algorithm;
    private final byte[] digest;

    private PackageIntegrity(String algorithm, byte[] digest) {
        this.algorithm = algorithm;
        this.digest = digest;
    }

    /**
     * Parses one SRI entry such as {@code sha512-ZRex...3A==}.
     *
     * @throws IllegalArgumentException when the text is not one entry of sha256, sha384 or sha512 with a base64
     *                                  digest of the right length
     */
    public static PackageIntegrity parse(String sri) {
        if (sri == null || sri.isBlank()) {
            throw new IllegalArgumentException("missing integrity; expected an SRI string such as sha512-<base64>");
        }
        String text = sri.strip();
        int dash = text.indexOf('-');
        if (dash <= 0 || text.contains(" ")) {
            throw new IllegalArgumentException("invalid integrity \"" + sri + "\"; expected exactly one SRI entry"
                    + " such as sha512-<base64>");
        }
        String algorithm = text.substring(0, dash).toLowerCase(Locale.ROOT);
        String javaName = ALGORITHMS.get(algorithm);
        if (javaName == null) {
            throw new IllegalArgumentException("unsupported integrity algorithm \"" + algorithm + "\" in \"" + sri
                    + "\"; expected sha256, sha384 or sha512");
        }
        byte[] digest;
        try {
            digest = Base64.getDecoder().decode(text.substring(dash + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid base64 digest in integrity \"" + sri + "\": " + e.getMessage(),
                    e);
        }
        int expectedLength = newDigest(javaName).getDigestLength();
        if (digest.length != expectedLength) {
            throw new IllegalArgumentException("invalid integrity \"" + sri + "\": a " + algorithm + " digest has "
                    + expectedLength + " bytes, this one has " + digest.length);
        }
        return new PackageIntegrity(algorithm, digest);
    }

    /** Computes the digest of a file with the given SRI algorithm (sha256, sha384 or sha512). */
    public static PackageIntegrity compute(Path file, String algorithm) throws IOException {
        String javaName = ALGORITHMS.get(algorithm);
        if (javaName == null) {
            throw new IllegalArgumentException("unsupported integrity algorithm \"" + algorithm
                    + "\"; expected sha256, sha384 or sha512");
        }
        MessageDigest messageDigest = newDigest(javaName);
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int read;
            while ((read = in.read(buffer)) != -1) {
                messageDigest.update(buffer, 0, read);
            }
        }
        return new PackageIntegrity(algorithm, messageDigest.digest());
    }

    /**
     * Checks that a file has this digest.
     *
     * @throws IntegrityException when it differs, naming the file and both digests
     */
    public void verify(Path file) throws IOException {
        PackageIntegrity actual = compute(file, algorithm);
        if (!equals(actual)) {
            throw new IntegrityException(file, toString(), actual.toString());
        }
    }

    /** Returns the SRI algorithm name, such as {@code sha512}. */
    public String algorithm() {
        return algorithm;
    }

    /** Returns the SRI form, such as {@code sha512-ZRex...3A==}. */
    @Override
    public String toString() {
        return algorithm + "-" + Base64.getEncoder().encodeToString(digest);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PackageIntegrity that && algorithm.equals(that.algorithm)
                && MessageDigest.isEqual(digest, that.digest);
    }

    @Override
    public int hashCode() {
        return 31 * algorithm.hashCode() + Arrays.hashCode(digest);
    }

    private static MessageDigest newDigest(String javaName) {
        try {
            return MessageDigest.getInstance(javaName);
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256, SHA-384 and SHA-512, so this is a broken runtime.
            throw new IllegalStateException("The Java runtime lacks the " + javaName + " message digest", e);
        }
    }
}
