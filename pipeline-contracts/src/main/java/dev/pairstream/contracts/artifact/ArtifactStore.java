package dev.pairstream.contracts.artifact;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Content-addressed store for the large payloads that records reference by {@link ArtifactRef} instead of
 * carrying them (claim check). Implementations verify the digest and size of every read.
 */
public interface ArtifactStore {

    /** Largest artifact that {@link #read(ArtifactRef)} returns as one array, in bytes. */
    long MAX_READ_BYTES = Integer.MAX_VALUE - 8;

    /**
     * Stores the bytes of {@code content} until its end and returns their reference. Storing content that is
     * already stored returns an equal reference (apart from the media type) and keeps one copy. The caller
     * closes {@code content}.
     *
     * @param mediaType media type of the content, for example {@code image/png}
     * @throws IllegalArgumentException when {@code mediaType} is not a media type
     */
    ArtifactRef put(InputStream content, String mediaType) throws IOException;

    /**
     * Stores {@code content} and returns its reference.
     *
     * @see #put(InputStream, String)
     */
    default ArtifactRef put(byte[] content, String mediaType) throws IOException {
        return put(new ByteArrayInputStream(content), mediaType);
    }

    /**
     * Opens the content of an artifact for reading. The stream checks the size and SHA-256 digest as it reads
     * and throws {@link ArtifactIntegrityException} from {@code read} when they differ from the reference, at
     * the latest when it reaches the end. A caller that stops before the end gets no such check.
     *
     * @throws java.nio.file.NoSuchFileException when the store has no artifact with this digest
     * @throws ArtifactIntegrityException        when the stored size already differs from the reference
     * @throws IllegalArgumentException          when the reference does not belong to this kind of store
     */
    InputStream open(ArtifactRef ref) throws IOException;

    /**
     * Reads the whole content of an artifact, verified against its digest and size.
     *
     * @throws IllegalArgumentException when the artifact is larger than {@link #MAX_READ_BYTES}; use
     *                                  {@link #open(ArtifactRef)} for it
     */
    default byte[] read(ArtifactRef ref) throws IOException {
        if (ref.sizeBytes() > MAX_READ_BYTES) {
            throw new IllegalArgumentException("Artifact " + ref.uri() + " has " + ref.sizeBytes()
                    + " bytes, more than read() returns (" + MAX_READ_BYTES + "); stream it with open()");
        }
        // One array of the expected size, so the content is held in memory once.
        byte[] content = new byte[(int) ref.sizeBytes()];
        try (InputStream in = open(ref)) {
            int read = in.readNBytes(content, 0, content.length);
            // Reading past the end makes the stream verify the digest, and reports surplus bytes.
            if (in.read() != -1 || read != content.length) {
                throw new IOException("Artifact " + ref.uri() + " ended after " + read + " of " + ref.sizeBytes()
                        + " bytes without an integrity error");
            }
        }
        return content;
    }

    /**
     * Reads the whole content of an artifact and discards it, to verify its digest and size, for example before
     * handing {@link #localPath(ArtifactRef)} to a library.
     *
     * @throws ArtifactIntegrityException when the content does not match the reference
     */
    default void verify(ArtifactRef ref) throws IOException {
        try (InputStream in = open(ref)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    /** Returns whether the store contains an artifact with the digest and size of {@code ref}, without hashing it. */
    boolean exists(ArtifactRef ref) throws IOException;

    /**
     * Returns the local file that contains the artifact, when the store keeps artifacts in local files and this one
     * exists. Reading the file directly skips verification; call {@link #verify(ArtifactRef)} first.
     */
    default Optional<Path> localPath(ArtifactRef ref) throws IOException {
        return Optional.empty();
    }
}
