package dev.pairstream.erasure.pairing;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Streams the records of RFC 4180 CSV text: comma-separated fields, fields in double quotes that may contain
 * commas, line breaks and doubled quotes, and records ended by CRLF, LF or the end of the input.
 *
 * <p>Parsing is strict: a quote inside an unquoted field, text after a closing quote, or a quote left open at the
 * end of the input raise a {@link CsvFormatException} that names the line. Not thread-safe.
 */
public final class CsvReader implements AutoCloseable {

    private final Reader reader;
    private final String sourceName;
    private final char[] buffer = new char[8192];
    private int length;
    private int position;
    private int line = 1;
    private int recordLine;
    private boolean finished;

    /**
     * Creates a reader over character input; {@code sourceName} names the input in error messages. The caller
     * should buffer nothing: this class buffers itself.
     */
    public CsvReader(Reader reader, String sourceName) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.sourceName = Objects.requireNonNull(sourceName, "sourceName");
    }

    /**
     * Reads the next record.
     *
     * @return the fields of the record, or null at the end of the input
     * @throws CsvFormatException when the record is malformed
     */
    public List<String> next() throws IOException {
        if (finished || peek() < 0) {
            finished = true;
            return null;
        }
        recordLine = line;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        while (true) {
            int c = read();
            if (c == '"' && field.isEmpty()) {
                readQuoted(field);
                c = read();
                if (c != ',' && c != '\n' && c != '\r' && c >= 0) {
                    throw error("unexpected character '" + (char) c + "' after a closing quote; expected a comma or"
                            + " the end of the line");
                }
            } else if (c == '"') {
                throw error("unexpected quote inside an unquoted field \"" + field + "\"; quote the whole field and"
                        + " double the quotes inside it");
            }
            if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' || c == '\n' || c < 0) {
                if (c == '\r' && peek() == '\n') {
                    read();
                }
                fields.add(field.toString());
                return fields;
            } else {
                field.append((char) c);
            }
        }
    }

    /** Returns the line on which the record last returned by {@link #next()} starts, counting from 1. */
    public int recordLine() {
        return recordLine;
    }

    /** Closes the underlying reader. */
    @Override
    public void close() throws IOException {
        reader.close();
    }

    /** Reads a quoted field after its opening quote, up to and including its closing quote. */
    private void readQuoted(StringBuilder field) throws IOException {
        int startLine = line;
        while (true) {
            int c = read();
            if (c < 0) {
                throw new CsvFormatException(sourceName + ": the quoted field that starts on line " + startLine
                        + " is never closed; expected a closing quote before the end of the input");
            }
            if (c == '"') {
                if (peek() == '"') {
                    read();
                    field.append('"');
                } else {
                    return;
                }
            } else {
                field.append((char) c);
            }
        }
    }

    private int peek() throws IOException {
        if (position == length && !fill()) {
            return -1;
        }
        return buffer[position];
    }

    private int read() throws IOException {
        int c = peek();
        if (c >= 0) {
            position++;
            // A CR counts as a line end only when no LF follows, so CRLF is one line.
            if (c == '\n' || (c == '\r' && peek() != '\n')) {
                line++;
            }
        }
        return c;
    }

    private boolean fill() throws IOException {
        int count;
        do {
            count = reader.read(buffer, 0, buffer.length);
        } while (count == 0);
        if (count < 0) {
            return false;
        }
        length = count;
        position = 0;
        return true;
    }

    private CsvFormatException error(String problem) {
        return new CsvFormatException(sourceName + ", line " + line + " (record starting on line " + recordLine
                + "): " + problem);
    }
}
