package dev.pairstream.erasure.fisher;

import java.util.Arrays;
import java.util.Locale;

/** The half of a concept's picture pairs that a Fisher estimate was computed on. */
public enum PairHalf {

    /** The pictures that show the concept to erase; their estimate is F_u. */
    UNSAFE,
    /** The matching pictures with the concept replaced by a safe one; their estimate is F_s. */
    SAFE;

    /** Returns the lower-case name used in files and messages, {@code unsafe} or {@code safe}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses the lower-case name that {@link #id()} returns.
     *
     * @throws IllegalArgumentException when the text is neither {@code unsafe} nor {@code safe}
     */
    public static PairHalf fromId(String id) {
        for (PairHalf half : values()) {
            if (half.id().equals(id)) {
                return half;
            }
        }
        throw new IllegalArgumentException("Invalid pair half \"" + id + "\"; expected one of "
                + Arrays.stream(values()).map(PairHalf::id).toList());
    }
}
