package dev.pairstream.erasure.emoji;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads a tar stream one entry at a time: POSIX ustar headers, pax extended headers (path and size) and GNU long
 * names, which together cover what npm, GNU tar and BSD tar write.
 *
 * <p>It exists because the project has no archive library and npm tarballs need only this much. Entry names are
 * returned as written; callers must not use them as output paths without checking them.
 */
final class TarArchiveReader implements Closeable {

    private static final int BLOCK = 512;

    /** Largest pax or GNU long-name header accepted; real ones are a few hundred bytes. */
    private static final int MAX_METADATA_BYTES = 1 << 20;

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    private long offset;
    private long remainingInEntry;
    private long paddingAfterEntry;
    private boolean finished;

    /** Wraps an uncompressed tar stream; closing the reader closes it. */
    TarArchiveReader(InputStream in) {
        this.in = in;
    }

    /** An archive member. */
    record Entry(String name, long size, char type) {

        /** Returns whether the entry is a regular file. */
        boolean isFile() {
            return type == '0' || type == '\0' || type == '7';
        }
    }

    /**
     * Advances to the next entry, skipping whatever of the current one was not read.
     *
     * @return the entry, or null at the end of the archive
     * @throws IOException when a header is corrupt or the archive ends early
     */
    Entry next() throws IOException {
        if (finished) {
            return null;
        }
        skipFully(remainingInEntry + paddingAfterEntry);
        remainingInEntry = 0;
        paddingAfterEntry = 0;

        String longName = null;
        Long paxSize = null;
        String paxPath = null;
        while (true) {
            long headerOffset = offset;
            if (!readHeader()) {
                finished = true;
                return null;
            }
            if (isZeroBlock(header)) {
                // Two zero blocks end the archive; some writers stop after one, which is accepted too.
                finished = true;
                return null;
            }
            verifyChecksum(headerOffset);
            char type = (char) header[156];
            long size = parseSize(headerOffset);
            switch (type) {
                case 'x' -> {
                    PaxHeaders headers = PaxHeaders.parse(readMetadata(size, headerOffset), headerOffset);
                    if (headers.path() != null) {
                        paxPath = headers.path();
                    }
                    if (headers.size() != null) {
                        paxSize = headers.size();
                    }
                }
                case 'g' -> readMetadata(size, headerOffset);
                case 'L' -> longName = nulTerminated(readMetadata(size, headerOffset));
                case 'K' -> readMetadata(size, headerOffset);
                default -> {
                    String name = headerName();
                    if (longName != null) {
                        name = longName;
                    }
                    if (paxPath != null) {
                        name = paxPath;
                    }
                    long entrySize = paxSize != null ? paxSize : size;
                    remainingInEntry = entrySize;
                    paddingAfterEntry = padding(entrySize);
                    return new Entry(name, entrySize, type);
                }
            }
        }
    }

    /** Returns a stream over the current entry's content; it does not close the archive. */
    InputStream entryStream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int read = read(one, 0, 1);
                return read == -1 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int start, int length) throws IOException {
                if (remainingInEntry == 0) {
                    return -1;
                }
                int requested = (int) Math.min(length, remainingInEntry);
                int read = in.read(buffer, start, requested);
                if (read == -1) {
                    throw new EOFException("Tar archive ends inside an entry, at byte " + offset
                            + "; the file is truncated");
                }
                remainingInEntry -= read;
                offset += read;
                return read;
            }
        };
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private boolean readHeader() throws IOException {
        int read = in.readNBytes(header, 0, BLOCK);
        if (read == 0) {
            // NOTE: an archive without its end-of-archive blocks is accepted, as GNU tar does.
            return false;
        }
        if (read < BLOCK) {
            throw new EOFException("Tar archive ends inside a header at byte " + offset + "; the file is truncated");
        }
        offset += BLOCK;
        return true;
    }

    private byte[] readMetadata(long size, long headerOffset) throws IOException {
        if (size < 0 || size > MAX_METADATA_BYTES) {
            throw new IOException("Tar header at byte " + headerOffset + " declares " + size + " bytes of extended"
                    + " metadata; expected at most " + MAX_METADATA_BYTES);
        }
        byte[] data = in.readNBytes((int) size);
        if (data.length < size) {
            throw new EOFException("Tar archive ends inside the extended header at byte " + headerOffset);
        }
        offset += size;
        skipFully(padding(size));
        return data;
    }

    private void skipFully(long count) throws IOException {
        long left = count;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() == -1) {
                    throw new EOFException("Tar archive ends inside an entry, at byte " + offset
                            + "; the file is truncated");
                }
                skipped = 1;
            }
            left -= skipped;
            offset += skipped;
        }
    }

    private void verifyChecksum(long headerOffset) throws IOException {
        long stored = parseOctal(148, 8, headerOffset, "checksum");
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            // The checksum field itself counts as eight spaces.
            byte b = i >= 148 && i < 156 ? (byte) ' ' : header[i];
            unsigned += b & 0xff;
            signed += b;
        }
        if (stored != unsigned && stored != signed) {
            throw new IOException("Corrupt tar header at byte " + headerOffset + ": checksum " + stored
                    + " does not match the computed " + unsigned + "; the file is damaged or not a tar archive");
        }
    }

    private long parseSize(long headerOffset) throws IOException {
        if ((header[124] & 0x80) != 0) {
            // GNU base-256 encoding for sizes of 8 GiB and more: big-endian bytes after the marker bit.
            long size = header[124] & 0x7f;
            for (int i = 125; i < 136; i++) {
                if (size > (Long.MAX_VALUE >> 8)) {
                    throw new IOException("Tar header at byte " + headerOffset + " declares a size beyond 2^63");
                }
                size = (size << 8) | (header[i] & 0xff);
            }
            return size;
        }
        return parseOctal(124, 12, headerOffset, "size");
    }

    private long parseOctal(int start, int length, long headerOffset, String field) throws IOException {
        long value = 0;
        int end = start + length;
        int i = start;
        while (i < end && (header[i] == ' ' || header[i] == 0)) {
            i++;
        }
        boolean digits = false;
        for (; i < end; i++) {
            byte b = header[i];
            if (b == ' ' || b == 0) {
                break;
            }
            if (b < '0' || b > '7') {
                throw new IOException("Corrupt tar header at byte " + headerOffset + ": the " + field + " field has"
                        + " the non-octal character 0x" + Integer.toHexString(b & 0xff));
            }
            value = (value << 3) | (b - '0');
            digits = true;
        }
        if (!digits) {
            throw new IOException("Corrupt tar header at byte " + headerOffset + ": the " + field + " field is"
                    + " empty");
        }
        return value;
    }

    private String headerName() {
        String name = nulTerminated(header, 0, 100);
        boolean posixUstar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r' && header[262] == 0;
        if (posixUstar) {
            // Only POSIX ustar has the prefix field; GNU tar keeps access times there.
            String prefix = nulTerminated(header, 345, 155);
            if (!prefix.isEmpty()) {
                return prefix + "/" + name;
            }
        }
        return name;
    }

    private static String nulTerminated(byte[] bytes) {
        return nulTerminated(bytes, 0, bytes.length);
    }

    private static String nulTerminated(byte[] bytes, int start, int length) {
        int end = start;
        while (end < start + length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, start, end - start, StandardCharsets.UTF_8);
    }

    private static boolean isZeroBlock(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static long padding(long size) {
        long rest = size % BLOCK;
        return rest == 0 ? 0 : BLOCK - rest;
    }

    /** The pax keys this reader uses; others, such as times and owners, are ignored. */
    private record PaxHeaders(String path, Long size) {

        /** Parses pax records of the form {@code "<length> <key>=<value>\n"}. */
        static PaxHeaders parse(byte[] bytes, long headerOffset) throws IOException {
            String path = null;
            Long size = null;
            int position = 0;
            while (position < bytes.length) {
                int space = position;
                while (space < bytes.length && bytes[space] != ' ') {
                    space++;
                }
                int length;
                try {
                    length = Integer.parseInt(new String(bytes, position, space - position,
                            StandardCharsets.US_ASCII));
                } catch (NumberFormatException e) {
                    throw new IOException("Corrupt pax header at byte " + headerOffset + ": record length is not a"
                            + " number", e);
                }
                if (length <= space - position + 1 || position + length > bytes.length
                        || bytes[position + length - 1] != '\n') {
                    throw new IOException("Corrupt pax header at byte " + headerOffset + ": record length " + length
                            + " does not fit the header");
                }
                String record = new String(bytes, space + 1, position + length - space - 2, StandardCharsets.UTF_8);
                int equals = record.indexOf('=');
                if (equals <= 0) {
                    throw new IOException("Corrupt pax header at byte " + headerOffset + ": record \"" + record
                            + "\" has no key=value");
                }
                String key = record.substring(0, equals);
                String value = record.substring(equals + 1);
                if (key.equals("path")) {
                    path = value;
                } else if (key.equals("size")) {
                    try {
                        size = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IOException("Corrupt pax header at byte " + headerOffset + ": size \"" + value
                                + "\" is not a number", e);
                    }
                    if (size < 0) {
                        throw new IOException("Corrupt pax header at byte " + headerOffset + ": size " + size
                                + " is negative");
                    }
                }
                position += length;
            }
            return new PaxHeaders(path, size);
        }
    }
}
