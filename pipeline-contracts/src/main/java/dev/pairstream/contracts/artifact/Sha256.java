package dev.pairstream.contracts.artifact;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers. */
final class Sha256 {

    static final int BUFFER_BYTES = 64 * 1024;

    private Sha256() {
    }

    /** Creates a SHA-256 digest, which every Java platform must provide. */
    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /** Formats a digest as lowercase hex. */
    static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Feeds the rest of {@code in} into {@code digest} and returns the number of bytes read. */
    static long update(MessageDigest digest, InputStream in) throws IOException {
        byte[] buffer = new byte[BUFFER_BYTES];
        long total = 0;
        int read;
        while ((read = in.read(buffer)) != -1) {
            digest.update(buffer, 0, read);
            total += read;
        }
        return total;
    }
}
