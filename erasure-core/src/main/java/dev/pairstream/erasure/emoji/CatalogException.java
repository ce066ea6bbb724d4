package dev.pairstream.erasure.emoji;

import java.util.List;

/** Signals that a concept catalog is unreadable or invalid; lists every problem found, each naming its field. */
public final class CatalogException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /** Creates the exception for a catalog source and its problems. */
    public CatalogException(String sourceName, List<String> problems) {
        super("Invalid concept catalog " + sourceName + " (" + problems.size() + " problem"
                + (problems.size() == 1 ? "" : "s") + "):\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Creates the exception for a catalog that could not be parsed at all. */
    public CatalogException(String sourceName, String problem, Throwable cause) {
        super("Invalid concept catalog " + sourceName + ": " + problem, cause);
        this.problems = List.of(problem);
    }

    /** Returns the problems, one sentence each, each starting with the path of the offending field. */
    public List<String> problems() {
        return problems;
    }
}
