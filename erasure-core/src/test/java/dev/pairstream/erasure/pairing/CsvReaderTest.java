package dev.pairstream.erasure.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvReaderTest {

    private static List<List<String>> readAll(String text) throws IOException {
        List<List<String>> records = new ArrayList<>();
        try (CsvReader reader = new CsvReader(new StringReader(text), "test.csv")) {
            for (List<String> record = reader.next(); record != null; record = reader.next()) {
                records.add(record);
            }
        }
        return records;
    }

    @Test
    void quotedFieldsKeepCommasQuotesAndLineBreaks() throws IOException {
        // Given
        String text = "id,prompt\r\n1,\"a knife, a gun\"\r\n2,\"she said \"\"hi\"\"\"\r\n3,\"two\nlines\"\r\n";

        // When
        List<List<String>> records = readAll(text);

        // Then
        assertEquals(List.of(
                List.of("id", "prompt"),
                List.of("1", "a knife, a gun"),
                List.of("2", "she said \"hi\""),
                List.of("3", "two\nlines")), records);
    }

    @Test
    void emptyFieldsAndMissingFinalLineBreak() throws IOException {
        // When
        List<List<String>> records = readAll("a,,\"\"\n,b,");

        // Then
        assertEquals(List.of(List.of("a", "", ""), List.of("", "b", "")), records);
    }

    @Test
    void recordLineCountsLinesInsideQuotes() throws IOException {
        // Given
        String text = "h\r\n\"x\ny\nz\"\r\nlast\r\n";

        // When
        try (CsvReader reader = new CsvReader(new StringReader(text), "test.csv")) {
            reader.next();
            reader.next();
            int quotedLine = reader.recordLine();
            reader.next();
            int lastLine = reader.recordLine();

            // Then
            assertEquals(2, quotedLine);
            assertEquals(5, lastLine);
            assertNull(reader.next());
        }
    }

    @Test
    void unclosedQuoteIsAnError() {
        // When
        CsvFormatException error = assertThrows(CsvFormatException.class, () -> readAll("a\n\"open\nfield"));

        // Then
        assertEquals("test.csv: the quoted field that starts on line 2 is never closed; expected a closing quote"
                + " before the end of the input", error.getMessage());
    }

    @Test
    void textAfterClosingQuoteIsAnError() {
        // When
        CsvFormatException error = assertThrows(CsvFormatException.class, () -> readAll("\"a\"b,c"));

        // Then
        assertEquals("test.csv, line 1 (record starting on line 1): unexpected character 'b' after a closing"
                + " quote; expected a comma or the end of the line", error.getMessage());
    }

    @Test
    void quoteInsideUnquotedFieldIsAnError() {
        // When
        CsvFormatException error = assertThrows(CsvFormatException.class, () -> readAll("ok\nab\"c"));

        // Then
        assertEquals("test.csv, line 2 (record starting on line 2): unexpected quote inside an unquoted field"
                + " \"ab\"; quote the whole field and double the quotes inside it", error.getMessage());
    }
}
