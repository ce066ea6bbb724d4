package dev.pairstream.contracts.artifact;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Stream over stored artifact bytes that hashes what it reads and, at the end, or as soon as it reads more bytes
 * than expected, compares digest and size with the reference.
 */
final class VerifyingInputStream extends FilterInputStream {

    private final ArtifactRef ref;
    private final MessageDigest digest = Sha256.newDigest();
    private long bytesRead;
    private boolean verified;
    // Kept so that reads after a failure fail the same way instead of hashing an already finished digest.
    private ArtifactIntegrityException failure;

    VerifyingInputStream(InputStream in, ArtifactRef ref) {
        super(in);
        this.ref = ref;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int read = read(one, 0, 1);
        return read == -1 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (verified) {
            return -1;
        }
        int read = in.read(buffer, offset, length);
        if (read == -1) {
            verifyAtEnd();
            return -1;
        }
        digest.update(buffer, offset, read);
        bytesRead += read;
        if (bytesRead > ref.sizeBytes()) {
            // Hash the rest so the error names the digest of the whole stored content.
            bytesRead += Sha256.update(digest, in);
            failure = new ArtifactIntegrityException(
                    ref.uri(), ref.sha256(), Sha256.hex(digest), ref.sizeBytes(), bytesRead);
            throw failure;
        }
        return read;
    }

    // Skipped bytes must still be hashed, so skip reads them.
    @Override
    public long skip(long count) throws IOException {
        byte[] buffer = new byte[(int) Math.min(Sha256.BUFFER_BYTES, Math.max(count, 1))];
        long skipped = 0;
        while (skipped < count) {
            int read = read(buffer, 0, (int) Math.min(buffer.length, count - skipped));
            if (read == -1) {
                break;
            }
            skipped += read;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readLimit) {
        // Not supported: re-reading bytes would hash them twice.
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark and reset are not supported by a verifying artifact stream");
    }

    private void verifyAtEnd() throws IOException {
        String actual = Sha256.hex(digest);
        if (bytesRead != ref.sizeBytes() || !actual.equals(ref.sha256())) {
            failure = new ArtifactIntegrityException(ref.uri(), ref.sha256(), actual, ref.sizeBytes(), bytesRead);
            throw failure;
        }
        verified = true;
    }
}
