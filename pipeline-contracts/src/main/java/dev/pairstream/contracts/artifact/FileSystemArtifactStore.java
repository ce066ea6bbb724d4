package dev.pairstream.contracts.artifact;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Artifact store in a local directory, addressed by content.
 *
 * <p>Layout: the artifact with digest {@code abcdef…} is the file {@code <root>/sha256/ab/abcdef…}; its URI is
 * {@code artifact://sha256/abcdef…}, independent of the root, so that services that mount the same directory
 * at different paths share references. Writes go to a temporary file under {@code <root>/tmp} while the digest
 * is computed, are flushed to disk, and are then renamed into place with an atomic move. Readers therefore
 * never see a partial file, and concurrent writers of the same content are safe: each renames a complete copy
 * onto the same name. {@code <root>/tmp} must be on the same file system as {@code <root>/sha256}.
 *
 * <p>Every read verifies size and digest while streaming, so a large artifact is never buffered whole for it.
 */
public final class FileSystemArtifactStore implements ArtifactStore {

    private static final Logger LOG = LoggerFactory.getLogger(FileSystemArtifactStore.class);

    private final Path root;
    private final Path blobs;
    private final Path tmp;

    /**
     * Creates a store in {@code root}. Directories are created on the first write, so the root need not exist
     * yet.
     */
    public FileSystemArtifactStore(Path root) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.blobs = this.root.resolve("sha256");
        this.tmp = this.root.resolve("tmp");
    }

    /** Returns the root directory of the store. */
    public Path root() {
        return root;
    }

    @Override
    public ArtifactRef put(InputStream content, String mediaType) throws IOException {
        Objects.requireNonNull(content, "content");
        if (!ArtifactRef.isMediaType(mediaType)) {
            throw new IllegalArgumentException(
                    "mediaType must be a media type such as 'image/png' but was '" + mediaType + "'");
        }
        Files.createDirectories(tmp);
        Path temporary = Files.createTempFile(tmp, "put-", ".partial");
        try {
            MessageDigest digest = Sha256.newDigest();
            long size = copyAndSync(content, temporary, digest);
            String sha256 = Sha256.hex(digest);
            Path target = blobPath(sha256);
            Files.createDirectories(target.getParent());
            // Replacing an existing copy is harmless because it has the same content, and it repairs a copy
            // that was damaged on disk.
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(target.getParent());
            LOG.debug("Stored artifact sha256 {} ({} bytes) at {}", sha256, size, target);
            return ArtifactRef.of(sha256, size, mediaType);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    @Override
    public InputStream open(ArtifactRef ref) throws IOException {
        Path path = pathOf(ref);
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null,
                    "artifact " + ref.uri() + " is not in the store at " + root);
        }
        InputStream in = Channels.newInputStream(channel);
        try {
            long storedSize = channel.size();
            if (storedSize != ref.sizeBytes()) {
                // Fail before the caller consumes anything, but still name the digest of what is stored.
                MessageDigest digest = Sha256.newDigest();
                long hashed = Sha256.update(digest, in);
                throw new ArtifactIntegrityException(
                        ref.uri(), ref.sha256(), Sha256.hex(digest), ref.sizeBytes(), hashed);
            }
            return new VerifyingInputStream(in, ref);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    @Override
    public boolean exists(ArtifactRef ref) throws IOException {
        Path path = pathOf(ref);
        return Files.isRegularFile(path) && Files.size(path) == ref.sizeBytes();
    }

    @Override
    public Optional<Path> localPath(ArtifactRef ref) throws IOException {
        Path path = pathOf(ref);
        return Files.isRegularFile(path) ? Optional.of(path) : Optional.empty();
    }

    /**
     * Returns the file that holds, or would hold, the artifact.
     *
     * @throws IllegalArgumentException when the reference has no {@code artifact://sha256/} URI
     */
    public Path pathOf(ArtifactRef ref) {
        Objects.requireNonNull(ref, "ref");
        if (!ref.isContentAddressed()) {
            throw new IllegalArgumentException("Artifact " + ref.uri() + " is not in a file-system artifact store:"
                    + " expected a URI starting with " + ArtifactRef.URI_PREFIX);
        }
        return blobPath(ref.sha256());
    }

    private Path blobPath(String sha256) {
        if (!ArtifactRef.isSha256Hex(sha256)) {
            throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits but was '" + sha256 + "'");
        }
        return blobs.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    private static long copyAndSync(InputStream content, Path target, MessageDigest digest) throws IOException {
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE)) {
            OutputStream out = Channels.newOutputStream(channel);
            byte[] buffer = new byte[Sha256.BUFFER_BYTES];
            long size = 0;
            int read;
            while ((read = content.read(buffer)) != -1) {
                digest.update(buffer, 0, read);
                out.write(buffer, 0, read);
                size += read;
            }
            // The rename must not become durable before the content it points to.
            channel.force(true);
            return size;
        }
    }

    // Makes the rename durable. Some platforms cannot open a directory as a channel; the rename then relies on the
    // file system's own ordering.
    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            LOG.debug("Could not sync directory {}: {}", directory, e.toString());
        }
    }
}
