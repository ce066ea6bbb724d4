package dev.pairstream.erasure.pairing;

import java.util.Arrays;
import java.util.Objects;

/**
 * Character-level Levenshtein distance: the fewest single-character insertions, deletions and substitutions that
 * turn one text into another, counted over Unicode code points so an emoji counts as one character.
 *
 * <p>A minimal edit of a long prompt changes a few characters, so the computation strips the common prefix and
 * suffix and then runs Ukkonen's banded dynamic programme with a band that doubles until it holds the distance. The
 * time is O((n + m) * d) for lengths n, m and distance d, not O(n * m).
 */
public final class EditDistance {

    private static final int INFINITY = Integer.MAX_VALUE / 2;

    private EditDistance() {
    }

    /**
     * Computes the Levenshtein distance between two texts over code points.
     *
     * @throws NullPointerException when a text is null
     */
    public static int levenshtein(String source, String target) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        int[] a = source.codePoints().toArray();
        int[] b = target.codePoints().toArray();

        int prefix = 0;
        while (prefix < a.length && prefix < b.length && a[prefix] == b[prefix]) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < a.length - prefix && suffix < b.length - prefix
                && a[a.length - 1 - suffix] == b[b.length - 1 - suffix]) {
            suffix++;
        }
        a = Arrays.copyOfRange(a, prefix, a.length - suffix);
        b = Arrays.copyOfRange(b, prefix, b.length - suffix);
        if (a.length == 0 || b.length == 0) {
            return Math.max(a.length, b.length);
        }

        // Every alignment of cost <= band stays within |i - j| <= band, so a result within the band is exact.
        int band = Math.max(1, Math.abs(a.length - b.length));
        while (true) {
            int distance = banded(a, b, band);
            if (distance <= band) {
                return distance;
            }
            band *= 2;
        }
    }

    /** Returns the distance if it is at most {@code band}, otherwise some value greater than {@code band}. */
    private static int banded(int[] a, int[] b, int band) {
        int n = a.length;
        int m = b.length;
        if (Math.abs(n - m) > band) {
            return band + 1;
        }
        int[] previous = new int[m + 1];
        int[] current = new int[m + 1];
        int firstHigh = Math.min(m, band);
        for (int j = 0; j <= firstHigh; j++) {
            previous[j] = j;
        }
        if (firstHigh < m) {
            previous[firstHigh + 1] = INFINITY;
        }
        for (int i = 1; i <= n; i++) {
            int low = Math.max(0, i - band);
            int high = Math.min(m, i + band);
            if (low > 0) {
                current[low - 1] = INFINITY;
            }
            for (int j = low; j <= high; j++) {
                if (j == 0) {
                    current[0] = i;
                    continue;
                }
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                int deletion = previous[j] + 1;
                int insertion = current[j - 1] + 1;
                current[j] = Math.min(substitution, Math.min(deletion, insertion));
            }
            if (high < m) {
                current[high + 1] = INFINITY;
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return Math.min(previous[m], band + 1);
    }
}
