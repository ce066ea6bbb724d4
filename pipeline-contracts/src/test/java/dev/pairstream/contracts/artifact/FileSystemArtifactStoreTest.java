package dev.pairstream.contracts.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.contracts.SampleEvents;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemArtifactStoreTest {

    private static final long FIFTY_MEGABYTES = 50L * 1024 * 1024;

    @TempDir
    Path root;

    @Test
    void fiftyMegabyteBlobRoundTripsVerified() throws Exception {
        // Given a 50 MB stream that is generated on the fly, and its digest computed separately
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);
        String expectedSha256 = sha256Of(new PatternStream(FIFTY_MEGABYTES));

        // When
        ArtifactRef ref;
        try (InputStream content = new PatternStream(FIFTY_MEGABYTES)) {
            ref = store.put(content, "application/octet-stream");
        }

        // Then the reference pins the content and the file sits at its content address
        assertEquals(expectedSha256, ref.sha256());
        assertEquals(FIFTY_MEGABYTES, ref.sizeBytes());
        assertEquals("artifact://sha256/" + expectedSha256, ref.uri());
        Path expectedPath = root.resolve("sha256").resolve(expectedSha256.substring(0, 2)).resolve(expectedSha256);
        assertEquals(FIFTY_MEGABYTES, Files.size(expectedPath));
        assertTrue(store.exists(ref));

        // And streaming and whole reads both return the same bytes
        try (InputStream in = store.open(ref)) {
            assertEquals(expectedSha256, sha256Of(in));
        }
        byte[] whole = store.read(ref);
        assertEquals(FIFTY_MEGABYTES, whole.length);
        assertEquals(expectedSha256, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(whole)));
    }

    @Test
    void knownContentGetsItsStandardDigest() throws Exception {
        // Given
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);

        // When
        ArtifactRef abc = store.put("abc".getBytes(StandardCharsets.US_ASCII), "text/plain");
        ArtifactRef empty = store.put(new byte[0], "text/plain");

        // Then
        assertEquals(ArtifactRef.of(SampleEvents.SHA256_ABC, 3, "text/plain"), abc);
        assertEquals(ArtifactRef.of(SampleEvents.SHA256_EMPTY, 0, "text/plain"), empty);
        assertArrayEquals(new byte[0], store.read(empty));
    }

    @Test
    void alteredFileIsRejectedNamingBothDigests() throws Exception {
        // Given a stored artifact whose file is then changed in place, keeping its size
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);
        ArtifactRef ref = store.put("hello".getBytes(StandardCharsets.US_ASCII), "text/plain");
        Files.write(store.pathOf(ref), "jello".getBytes(StandardCharsets.US_ASCII));
        String alteredSha256 = sha256Of(new ByteArrayInputStream("jello".getBytes(StandardCharsets.US_ASCII)));

        // When
        ArtifactIntegrityException error = assertThrows(ArtifactIntegrityException.class, () -> store.read(ref));

        // Then
        assertEquals(ref.sha256(), error.expectedSha256());
        assertEquals(alteredSha256, error.actualSha256());
        assertEquals("Artifact " + ref.uri() + " failed its integrity check: expected sha256 " + ref.sha256()
                + " (5 bytes) but the stored content has sha256 " + alteredSha256 + " (5 bytes)", error.getMessage());
    }

    @Test
    void alteredFileFailsAtStreamEnd() throws Exception {
        // Given
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);
        ArtifactRef ref = store.put("hello".getBytes(StandardCharsets.US_ASCII), "text/plain");
        Files.write(store.pathOf(ref), "jello".getBytes(StandardCharsets.US_ASCII));

        // When
        try (InputStream in = store.open(ref)) {
            byte[] buffer = new byte[5];
            assertEquals(5, in.readNBytes(buffer, 0, 5));

            // Then the end of the stream reports the mismatch, and keeps reporting it
            ArtifactIntegrityException first = assertThrows(ArtifactIntegrityException.class, in::read);
            ArtifactIntegrityException second = assertThrows(ArtifactIntegrityException.class, in::read);
            assertEquals(first, second);
        }
    }

    @Test
    void truncatedFileIsRejectedOnOpen() throws Exception {
        // Given
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);
        ArtifactRef ref = store.put("abcdef".getBytes(StandardCharsets.US_ASCII), "text/plain");
        Files.write(store.pathOf(ref), "abc".getBytes(StandardCharsets.US_ASCII));

        // When
        ArtifactIntegrityException error = assertThrows(ArtifactIntegrityException.class, () -> store.open(ref));

        // Then
        assertEquals(ref.sha256(), error.expectedSha256());
        assertEquals(SampleEvents.SHA256_ABC, error.actualSha256());
        assertEquals(6, error.expectedSizeBytes());
        assertEquals(3, error.actualSizeBytes());
        assertEquals(ref.uri(), error.uri());
        assertFalse(store.exists(ref));
    }

    @Test
    void grownFileIsRejectedForSurplus() throws Exception {
        // Given a stream opened while the file still had the expected size
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);
        ArtifactRef ref = store.put("abc".getBytes(StandardCharsets.US_ASCII), "text/plain");
        try (InputStream in = store.open(ref)) {
            Files.write(store.pathOf(ref), "abcdef".getBytes(StandardCharsets.US_ASCII));

            // When
            ArtifactIntegrityException error = assertThrows(ArtifactIntegrityException.class, in::readAllBytes);

            // Then
            assertEquals(3, error.expectedSizeBytes());
            assertEquals(6, error.actualSizeBytes());
        }
    }

    @Test
    void putRepairsADamagedCopy() throws Exception {
        // Given
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);
        byte[] content = "hello".getBytes(StandardCharsets.US_ASCII);
        ArtifactRef ref = store.put(content, "text/plain");
        Files.write(store.pathOf(ref), "jello".getBytes(StandardCharsets.US_ASCII));

        // When
        store.put(content, "text/plain");

        // Then
        assertArrayEquals(content, store.read(ref));
    }

    @Test
    void identicalContentIsStoredOnce() throws Exception {
        // Given
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);
        byte[] content = "same bytes".getBytes(StandardCharsets.US_ASCII);

        // When
        ArtifactRef first = store.put(content, "text/plain");
        ArtifactRef second = store.put(content, "text/plain");

        // Then
        assertEquals(first, second);
        assertEquals(List.of(store.pathOf(first)), storedFiles());
        assertEquals(List.of(), leftoverTemporaryFiles());
    }

    @Test
    void concurrentWritersOfTheSameContentAreSafe() throws Exception {
        // Given eight writers that start together with the same 4 MB
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);
        long size = 4L * 1024 * 1024;
        String expectedSha256 = sha256Of(new PatternStream(size));
        int writers = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<ArtifactRef>> results = new ArrayList<>();
        try {
            Callable<ArtifactRef> write = () -> {
                start.await();
                try (InputStream content = new PatternStream(size)) {
                    return store.put(content, "application/octet-stream");
                }
            };
            for (int i = 0; i < writers; i++) {
                results.add(pool.submit(write));
            }

            // When
            start.countDown();

            // Then every writer gets the same reference and one verified copy remains
            for (Future<ArtifactRef> result : results) {
                assertEquals(ArtifactRef.of(expectedSha256, size, "application/octet-stream"),
                        result.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        ArtifactRef ref = ArtifactRef.of(expectedSha256, size, "application/octet-stream");
        store.verify(ref);
        assertEquals(List.of(store.pathOf(ref)), storedFiles());
        assertEquals(List.of(), leftoverTemporaryFiles());
    }

    @Test
    void failedWriteLeavesNothingBehind() throws Exception {
        // Given a stream that breaks after some bytes
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);
        InputStream broken = new InputStream() {
            private int served;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) == -1 ? -1 : one[0];
            }

            // Overridden because InputStream's default turns an error after the first byte into end of stream.
            @Override
            public int read(byte[] buffer, int offset, int count) throws IOException {
                if (served >= 1000) {
                    throw new IOException("connection reset");
                }
                int n = Math.min(count, 1000 - served);
                java.util.Arrays.fill(buffer, offset, offset + n, (byte) 'x');
                served += n;
                return n;
            }
        };

        // When
        IOException error = assertThrows(IOException.class, () -> store.put(broken, "text/plain"));

        // Then
        assertEquals("connection reset", error.getMessage());
        assertEquals(List.of(), storedFiles());
        assertEquals(List.of(), leftoverTemporaryFiles());
    }

    @Test
    void missingArtifactIsReportedWithItsUri() {
        // Given
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);
        ArtifactRef ref = ArtifactRef.of(SampleEvents.SHA256_ABC, 3, "text/plain");

        // When
        NoSuchFileException error = assertThrows(NoSuchFileException.class, () -> store.open(ref));

        // Then
        assertTrue(error.getMessage().contains("artifact " + ref.uri() + " is not in the store"), error.getMessage());
    }

    @Test
    void malformedDigestIsRejected() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ArtifactRef.of("not-a-digest", 3, "text/plain"));

        // Then
        assertEquals("ArtifactRef.sha256 must be 64 lowercase hex digits but was 'not-a-digest'", error.getMessage());
    }

    @Test
    void referenceOfAnotherStoreIsRejected() {
        // Given
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);
        ArtifactRef foreign = new ArtifactRef("s3://bucket/blob", SampleEvents.SHA256_ABC, 3, "text/plain");

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> store.open(foreign));

        // Then
        assertEquals("Artifact s3://bucket/blob is not in a file-system artifact store: expected a URI starting"
                + " with artifact://sha256/", error.getMessage());
    }

    @Test
    void invalidMediaTypeIsRejectedBeforeWriting() {
        // Given
        FileSystemArtifactStore store = new FileSystemArtifactStore(root);

        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> store.put(new byte[] {1}, "png"));

        // Then
        assertEquals("mediaType must be a media type such as 'image/png' but was 'png'", error.getMessage());
        assertFalse(Files.exists(root.resolve("tmp")));
    }

    private List<Path> storedFiles() throws IOException {
        Path blobs = root.resolve("sha256");
        if (!Files.exists(blobs)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(blobs)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private List<Path> leftoverTemporaryFiles() throws IOException {
        try (Stream<Path> files = Files.list(root.resolve("tmp"))) {
            return files.toList();
        }
    }

    private static String sha256Of(InputStream in) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 16];
        int read;
        while ((read = in.read(buffer)) != -1) {
            digest.update(buffer, 0, read);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Stream of pseudo-random bytes of a fixed length, generated without holding them. */
    private static final class PatternStream extends InputStream {
        private final long length;
        private long position;
        private long state = 0x9E3779B97F4A7C15L;

        PatternStream(long length) {
            this.length = length;
        }

        @Override
        public int read() {
            if (position >= length) {
                return -1;
            }
            position++;
            // xorshift64: cheap, deterministic and not compressible into a repeating block.
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            return (int) (state & 0xFF);
        }

        @Override
        public int read(byte[] buffer, int offset, int count) {
            if (position >= length) {
                return -1;
            }
            int n = (int) Math.min(count, length - position);
            for (int i = 0; i < n; i++) {
                buffer[offset + i] = (byte) read();
            }
            return n;
        }
    }
}
