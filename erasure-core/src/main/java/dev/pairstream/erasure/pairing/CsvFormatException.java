package dev.pairstream.erasure.pairing;

import java.io.IOException;

/** Malformed CSV input: the message names the source, the line and what was expected there. */
public class CsvFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message that names the source and the line. */
    public CsvFormatException(String message) {
        super(message);
    }
}
