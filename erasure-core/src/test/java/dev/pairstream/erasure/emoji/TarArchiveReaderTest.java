package dev.pairstream.erasure.emoji;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class TarArchiveReaderTest {

    private static Map<String, String> readAll(byte[] tar) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        try (TarArchiveReader reader = new TarArchiveReader(new ByteArrayInputStream(tar))) {
            TarArchiveReader.Entry entry;
            while ((entry = reader.next()) != null) {
                if (entry.isFile()) {
                    files.put(entry.name(), new String(reader.entryStream().readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
        return files;
    }

    @Test
    void readsFilesInOrder() throws Exception {
        // Given
        String big = "x".repeat(1500);
        byte[] tar = new TestTarball()
                .directory("package/")
                .file("package/LICENSE", "MIT")
                .file("package/img/google/64/1f52b.png", big)
                .file("package/README.md", "")
                .tarBytes();

        // When
        Map<String, String> files = readAll(tar);

        // Then
        assertEquals(Map.of("package/LICENSE", "MIT", "package/img/google/64/1f52b.png", big,
                "package/README.md", ""), files);
        assertEquals("[package/LICENSE, package/img/google/64/1f52b.png, package/README.md]",
                files.keySet().toString());
    }

    @Test
    void unreadEntriesAreSkipped() throws Exception {
        // Given
        byte[] tar = new TestTarball().file("a", "a".repeat(700)).file("b", "second").tarBytes();

        // When
        try (TarArchiveReader reader = new TarArchiveReader(new ByteArrayInputStream(tar))) {
            TarArchiveReader.Entry first = reader.next();
            reader.entryStream().readNBytes(10);
            TarArchiveReader.Entry second = reader.next();

            // Then
            assertEquals(new TarArchiveReader.Entry("a", 700, '0'), first);
            assertEquals("b", second.name());
            assertEquals("second", new String(reader.entryStream().readAllBytes(), StandardCharsets.UTF_8));
            assertNull(reader.next());
        }
    }

    @Test
    void paxAndGnuLongNamesAreRead() throws Exception {
        // Given
        String paxName = "package/" + "deep/".repeat(30) + "pax.txt";
        String gnuName = "package/" + "other/".repeat(25) + "gnu.txt";
        byte[] tar = new TestTarball()
                .file(paxName, "from pax")
                .gnuLongNameFile(gnuName, "from gnu".getBytes(StandardCharsets.UTF_8))
                .file("short", "plain")
                .tarBytes();

        // When
        Map<String, String> files = readAll(tar);

        // Then
        assertEquals(Map.of(paxName, "from pax", gnuName, "from gnu", "short", "plain"), files);
    }

    @Test
    void readsThroughGzip() throws Exception {
        // Given
        byte[] gzip = new TestTarball().file("package/emoji.json", "[]").gzipBytes();

        // When
        try (TarArchiveReader reader = new TarArchiveReader(new GZIPInputStream(new ByteArrayInputStream(gzip)))) {
            TarArchiveReader.Entry entry = reader.next();

            // Then
            assertEquals("package/emoji.json", entry.name());
            assertTrue(entry.isFile());
            assertEquals("[]", new String(reader.entryStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void corruptHeaderIsRejected() {
        // Given: a flipped byte in the second header's name breaks its checksum
        byte[] tar = new TestTarball().file("a", "1").file("b", "2").tarBytes();
        tar[1024] = 'z';

        // When
        IOException error = assertThrows(IOException.class, () -> readAll(tar));

        // Then
        assertThat(error.getMessage()).contains("Corrupt tar header at byte 1024").contains("checksum");
    }

    @Test
    void truncatedArchiveIsRejected() {
        // Given
        byte[] whole = new TestTarball().file("a", "b".repeat(2000)).tarBytes();
        byte[] truncated = Arrays.copyOf(whole, 1200);

        // When
        IOException error = assertThrows(IOException.class, () -> readAll(truncated));

        // Then
        assertThat(error.getMessage()).contains("truncated");
    }

    @Test
    void nonFileEntriesAreReportedAsSuch() throws Exception {
        // Given
        byte[] tar = new TestTarball().directory("package/img/").tarBytes();

        // When
        try (TarArchiveReader reader = new TarArchiveReader(new ByteArrayInputStream(tar))) {
            TarArchiveReader.Entry entry = reader.next();

            // Then
            assertEquals("package/img/", entry.name());
            assertFalse(entry.isFile());
        }
    }
}
