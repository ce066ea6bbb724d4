package dev.pairstream.erasure.train;

/** Solves {@code A X = B} for a symmetric positive definite {@code A} by a Cholesky factorisation in double precision. */
final class CholeskySolver {

    private CholeskySolver() {
    }

    /**
     * Returns {@code X} with {@code A X = B}.
     *
     * @throws IllegalArgumentException when {@code A} is not square, the sizes differ, or {@code A} is not positive
     *                                  definite
     */
    static double[][] solve(double[][] a, double[][] b) {
        int n = a.length;
        if (b.length != n) {
            throw new IllegalArgumentException("Cannot solve a " + n + "x" + n + " system for " + b.length + " rows");
        }
        double[][] lower = new double[n][n];
        for (int i = 0; i < n; i++) {
            if (a[i].length != n) {
                throw new IllegalArgumentException("The system matrix is not square: row " + i + " has "
                        + a[i].length + " values for " + n + " rows");
            }
            for (int j = 0; j <= i; j++) {
                double sum = a[i][j];
                for (int k = 0; k < j; k++) {
                    sum -= lower[i][k] * lower[j][k];
                }
                if (i == j) {
                    if (!(sum > 0)) {
                        throw new IllegalArgumentException("The system matrix is not positive definite (pivot " + i
                                + " is " + sum + ")");
                    }
                    lower[i][i] = Math.sqrt(sum);
                } else {
                    lower[i][j] = sum / lower[j][j];
                }
            }
        }
        int columns = b[0].length;
        double[][] x = new double[n][columns];
        for (int c = 0; c < columns; c++) {
            // Forward substitution L y = b, then back substitution Lᵀ x = y.
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                double sum = b[i][c];
                for (int k = 0; k < i; k++) {
                    sum -= lower[i][k] * y[k];
                }
                y[i] = sum / lower[i][i];
            }
            for (int i = n - 1; i >= 0; i--) {
                double sum = y[i];
                for (int k = i + 1; k < n; k++) {
                    sum -= lower[k][i] * x[k][c];
                }
                x[i][c] = sum / lower[i][i];
            }
        }
        return x;
    }
}
