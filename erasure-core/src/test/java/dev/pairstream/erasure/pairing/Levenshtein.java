package dev.pairstream.erasure.pairing;

/** The textbook quadratic Levenshtein distance over code points, as an independent reference for tests. */
final class Levenshtein {

    private Levenshtein() {
    }

    static int naive(String source, String target) {
        int[] a = source.codePoints().toArray();
        int[] b = target.codePoints().toArray();
        int[][] d = new int[a.length + 1][b.length + 1];
        for (int i = 0; i <= a.length; i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length; j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length; i++) {
            for (int j = 1; j <= b.length; j++) {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1));
            }
        }
        return d[a.length][b.length];
    }
}
