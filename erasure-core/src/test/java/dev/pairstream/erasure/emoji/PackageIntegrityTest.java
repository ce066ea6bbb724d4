package dev.pairstream.erasure.emoji;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackageIntegrityTest {

    /** SHA-512 of "abc", the test vector of FIPS 180-2, appendix C.1. */
    private static final String SHA512_OF_ABC = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

    @TempDir
    Path folder;

    @Test
    void computeMatchesTheStandardTestVector() throws Exception {
        // Given
        Path file = Files.writeString(folder.resolve("abc.txt"), "abc");
        String expected = "sha512-" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(SHA512_OF_ABC));

        // When
        PackageIntegrity integrity = PackageIntegrity.compute(file, "sha512");

        // Then
        assertEquals(expected, integrity.toString());
        assertEquals(PackageIntegrity.parse(expected), integrity);
    }

    @Test
    void matchingTarballIsAccepted() throws Exception {
        // Given
        byte[] gzip = new TestTarball().file("package/README.md", "hello").gzipBytes();
        Path tarball = Files.write(folder.resolve("pkg.tgz"), gzip);
        String pinned = "sha512-" + Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-512").digest(gzip));

        // When / Then
        assertDoesNotThrow(() -> PackageIntegrity.parse(pinned).verify(tarball));
    }

    @Test
    void mismatchIsRejectedNamingBothDigests() throws Exception {
        // Given
        byte[] gzip = new TestTarball().file("package/README.md", "hello").gzipBytes();
        Path tarball = Files.write(folder.resolve("pkg.tgz"), gzip);
        String actual = "sha512-" + Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-512").digest(gzip));
        String pinned = "sha512-" + Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-512").digest("something else".getBytes(StandardCharsets.UTF_8)));

        // When
        IntegrityException error = assertThrows(IntegrityException.class,
                () -> PackageIntegrity.parse(pinned).verify(tarball));

        // Then
        assertEquals(pinned, error.expected());
        assertEquals(actual, error.actual());
        assertThat(error.getMessage()).contains(pinned, actual, tarball.toString());
    }

    @Test
    void malformedIntegrityIsRejected() {
        // Given / When / Then
        assertThat(assertThrows(IllegalArgumentException.class, () -> PackageIntegrity.parse("md5-AAAA"))
                .getMessage()).contains("md5");
        assertThat(assertThrows(IllegalArgumentException.class, () -> PackageIntegrity.parse("sha512-AAAA"))
                .getMessage()).contains("64 bytes");
        assertThat(assertThrows(IllegalArgumentException.class, () -> PackageIntegrity.parse("sha512-***"))
                .getMessage()).contains("base64");
        assertThat(assertThrows(IllegalArgumentException.class, () -> PackageIntegrity.parse("nodash"))
                .getMessage()).contains("nodash");
    }
}
