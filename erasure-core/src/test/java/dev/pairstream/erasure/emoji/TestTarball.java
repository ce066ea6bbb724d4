package dev.pairstream.erasure.emoji;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes small tar archives for tests, byte by byte from the POSIX ustar layout, so the reader under test is
 * checked against an independent writer.
 */
final class TestTarball {

    private final ByteArrayOutputStream tar = new ByteArrayOutputStream();

    /** Adds a regular file; names over 100 bytes get a pax extended header carrying the path. */
    TestTarball file(String name, byte[] content) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100) {
            byte[] pax = paxRecord("path", name);
            writeHeader("PaxHeader/long", pax.length, 'x');
            writeData(pax);
            writeHeader("placeholder-name", content.length, '0');
        } else {
            writeHeader(name, content.length, '0');
        }
        writeData(content);
        return this;
    }

    /** Adds a regular file as text. */
    TestTarball file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Adds a regular file whose long name comes in a GNU 'L' header, the way GNU tar writes it. */
    TestTarball gnuLongNameFile(String name, byte[] content) {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        writeHeader("././@LongLink", nameBytes.length, 'L');
        writeData(nameBytes);
        writeHeader(name.substring(0, 99), content.length, '0');
        writeData(content);
        return this;
    }

    /** Adds a directory entry. */
    TestTarball directory(String name) {
        writeHeader(name, 0, '5');
        return this;
    }

    /** Returns the archive with its two end-of-archive blocks. */
    byte[] tarBytes() {
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        copy.writeBytes(tar.toByteArray());
        copy.writeBytes(new byte[1024]);
        return copy.toByteArray();
    }

    /** Returns the archive compressed with gzip, like an npm tarball. */
    byte[] gzipBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(tarBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes the gzip-compressed archive to a file and returns the file. */
    Path writeGzip(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, gzipBytes());
        return file;
    }

    private void writeHeader(String name, long size, char type) {
        byte[] header = new byte[512];
        put(header, 0, name, 100);
        put(header, 100, "0000644", 8);
        put(header, 108, "0000000", 8);
        put(header, 116, "0000000", 8);
        put(header, 124, String.format("%011o", size), 12);
        put(header, 136, "00000000000", 12);
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        header[156] = (byte) type;
        put(header, 257, "ustar", 6);
        put(header, 263, "00", 2);
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, String.format("%06o", sum), 7);
        header[155] = ' ';
        tar.writeBytes(header);
    }

    private void writeData(byte[] content) {
        tar.writeBytes(content);
        int rest = content.length % 512;
        if (rest != 0) {
            tar.writeBytes(new byte[512 - rest]);
        }
    }

    private static void put(byte[] header, int offset, String text, int length) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, header, offset, Math.min(bytes.length, length));
    }

    /** Builds one pax record, whose leading decimal length counts the whole record including itself. */
    private static byte[] paxRecord(String key, String value) {
        int body = (" " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8).length;
        int length = body + 1;
        while (String.valueOf(length).length() + body != length) {
            length++;
        }
        return (length + " " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
