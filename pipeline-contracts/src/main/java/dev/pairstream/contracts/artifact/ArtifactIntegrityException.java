package dev.pairstream.contracts.artifact;

import java.io.IOException;

/**
 * Signals that the stored bytes of an artifact do not match its reference: another SHA-256 digest or another
 * size, because the file was altered, truncated or replaced.
 */
public class ArtifactIntegrityException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String uri;
    private final String expectedSha256;
    private final String actualSha256;
    private final long expectedSizeBytes;
    private final long actualSizeBytes;

    /** Creates the exception for the artifact at {@code uri}, naming both digests and sizes. */
    public ArtifactIntegrityException(
            String uri, String expectedSha256, String actualSha256, long expectedSizeBytes, long actualSizeBytes) {
        super("Artifact " + uri + " failed its integrity check: expected sha256 " + expectedSha256 + " ("
                + expectedSizeBytes + " bytes) but the stored content has sha256 " + actualSha256 + " ("
                + actualSizeBytes + " bytes)");
        this.uri = uri;
        this.expectedSha256 = expectedSha256;
        this.actualSha256 = actualSha256;
        this.expectedSizeBytes = expectedSizeBytes;
        this.actualSizeBytes = actualSizeBytes;
    }

    /** Returns the URI of the artifact. */
    public String uri() {
        return uri;
    }

    /** Returns the digest the reference expects. */
    public String expectedSha256() {
        return expectedSha256;
    }

    /** Returns the digest of the stored content. */
    public String actualSha256() {
        return actualSha256;
    }

    /** Returns the size the reference expects, in bytes. */
    public long expectedSizeBytes() {
        return expectedSizeBytes;
    }

    /** Returns the size of the stored content, in bytes. */
    public long actualSizeBytes() {
        return actualSizeBytes;
    }
}
