package dev.pairstream.erasure.pairing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Streams the prompts of an I2P CSV file, such as {@code datasets/i2p/i2p_prompts.csv}, one {@link I2pPrompt} at a
 * time, so the whole file is never in memory.
 *
 * <p>The header must name the row-index column (first, unnamed), {@code prompt}, {@code categories}, {@code hard},
 * {@code inappropriate_percentage}, {@code prompt_toxicity}, {@code evaluation_seed} and
 * {@code evaluation_guidance}; further columns are ignored. Categories are comma-separated inside their field. A
 * malformed record stops the stream with an {@link UncheckedIOException} whose cause, a {@link CsvFormatException},
 * names the line and the column.
 */
public final class I2pPrompts {

    private static final List<String> REQUIRED_COLUMNS = List.of("prompt", "categories", "hard",
            "inappropriate_percentage", "prompt_toxicity", "evaluation_seed", "evaluation_guidance");

    private I2pPrompts() {
    }

    /**
     * Opens a UTF-8 I2P CSV file and streams its prompts in file order. Close the stream to close the file.
     *
     * @throws CsvFormatException when the header is missing or lacks a required column
     */
    public static Stream<I2pPrompt> stream(Path csv) throws IOException {
        Objects.requireNonNull(csv, "csv");
        BufferedReader reader = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
        try {
            return stream(reader, csv.toString());
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    /**
     * Streams the prompts of I2P CSV text; {@code sourceName} names the input in error messages. Closing the stream
     * closes the reader.
     *
     * @throws CsvFormatException when the header is missing or lacks a required column
     */
    public static Stream<I2pPrompt> stream(Reader reader, String sourceName) throws IOException {
        CsvReader csv = new CsvReader(reader, sourceName);
        List<String> header = csv.next();
        if (header == null) {
            throw new CsvFormatException(sourceName + ": the file is empty; expected a header line with the columns "
                    + REQUIRED_COLUMNS);
        }
        Map<String, Integer> columns = columnIndexes(header, sourceName);
        RecordSpliterator records = new RecordSpliterator(csv, sourceName, header.size(), columns);
        return StreamSupport.stream(records, false).onClose(() -> {
            try {
                csv.close();
            } catch (IOException e) {
                throw new UncheckedIOException("Failed to close " + sourceName, e);
            }
        });
    }

    private static Map<String, Integer> columnIndexes(List<String> header, String sourceName)
            throws CsvFormatException {
        Map<String, Integer> columns = new HashMap<>();
        for (int i = 0; i < header.size(); i++) {
            columns.putIfAbsent(header.get(i).strip(), i);
        }
        List<String> missing = REQUIRED_COLUMNS.stream().filter(name -> !columns.containsKey(name)).toList();
        if (!missing.isEmpty()) {
            throw new CsvFormatException(sourceName + ", line 1: the header lacks the columns " + missing
                    + "; it has " + header);
        }
        if (!header.get(0).isBlank()) {
            throw new CsvFormatException(sourceName + ", line 1: the first column is \"" + header.get(0)
                    + "\"; expected the unnamed row-index column of I2P");
        }
        return columns;
    }

    /** Reads one record per advance and converts it, so only the current record is in memory. */
    private static final class RecordSpliterator extends Spliterators.AbstractSpliterator<I2pPrompt> {

        private final CsvReader csv;
        private final String sourceName;
        private final int columnCount;
        private final Map<String, Integer> columns;
        private final Set<String> ids = new HashSet<>();

        RecordSpliterator(CsvReader csv, String sourceName, int columnCount, Map<String, Integer> columns) {
            super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
            this.csv = csv;
            this.sourceName = sourceName;
            this.columnCount = columnCount;
            this.columns = columns;
        }

        @Override
        public boolean tryAdvance(Consumer<? super I2pPrompt> action) {
            try {
                List<String> fields = csv.next();
                if (fields == null) {
                    return false;
                }
                action.accept(toPrompt(fields, csv.recordLine()));
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }

        private I2pPrompt toPrompt(List<String> fields, int line) throws CsvFormatException {
            if (fields.size() != columnCount) {
                throw new CsvFormatException(sourceName + ", line " + line + ": the record has " + fields.size()
                        + " fields; expected " + columnCount + " as in the header");
            }
            String id = fields.get(0).strip();
            if (id.isEmpty()) {
                throw invalid(line, "", "the row index", "a non-empty id");
            }
            if (!ids.add(id)) {
                throw new CsvFormatException(sourceName + ", line " + line + ": row index " + id + " repeats an"
                        + " earlier row; expected unique row indexes");
            }
            return new I2pPrompt(id, field(fields, "prompt"), categories(field(fields, "categories")),
                    parseHard(fields, line), parseDouble(fields, "inappropriate_percentage", line),
                    parseDouble(fields, "prompt_toxicity", line), parseLong(fields, "evaluation_seed", line),
                    parseDouble(fields, "evaluation_guidance", line), line);
        }

        private String field(List<String> fields, String column) {
            return fields.get(columns.get(column));
        }

        private static List<String> categories(String text) {
            List<String> categories = new ArrayList<>();
            for (String category : text.split(",")) {
                String name = category.strip().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !categories.contains(name)) {
                    categories.add(name);
                }
            }
            return categories;
        }

        private boolean parseHard(List<String> fields, int line) throws CsvFormatException {
            String text = field(fields, "hard").strip();
            return switch (text) {
                case "1" -> true;
                case "0" -> false;
                default -> throw invalid(line, text, "hard", "0 or 1");
            };
        }

        private double parseDouble(List<String> fields, String column, int line) throws CsvFormatException {
            String text = field(fields, column).strip();
            try {
                double value = Double.parseDouble(text);
                if (Double.isFinite(value)) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // Reported below with the column and the line.
            }
            throw invalid(line, text, column, "a finite decimal number");
        }

        private long parseLong(List<String> fields, String column, int line) throws CsvFormatException {
            String text = field(fields, column).strip();
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw invalid(line, text, column, "a whole number");
            }
        }

        private CsvFormatException invalid(int line, String value, String column, String expected) {
            return new CsvFormatException(sourceName + ", line " + line + ": " + column + " \"" + value
                    + "\" is invalid; expected " + expected);
        }
    }
}
