package dev.pairstream.erasure.emoji;

import java.io.IOException;
import java.nio.file.Path;

/** Signals that a downloaded file does not have the digest the catalog pins. */
public final class IntegrityException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String expected;
    private final String actual;

    /** Creates the exception for a file and both digests in SRI form. */
    public IntegrityException(Path file, String expected, String actual) {
        super("Integrity check failed for " + file + ": expected " + expected + " but the file has " + actual
                + ". The file is corrupt or is not the pinned package version; delete it and fetch it again.");
        this.file = file;
        this.expected = expected;
        this.actual = actual;
    }

    /** Returns the file that failed the check. */
    public Path file() {
        return file;
    }

    /** Returns the pinned digest, in SRI form. */
    public String expected() {
        return expected;
    }

    /** Returns the file's digest, in SRI form. */
    public String actual() {
        return actual;
    }
}
