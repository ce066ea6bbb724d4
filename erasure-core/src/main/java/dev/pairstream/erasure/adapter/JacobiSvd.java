package dev.pairstream.erasure.adapter;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The thin singular value decomposition {@code M = U * diag(S) * V^T} of a dense matrix, in double precision with
 * one-sided Jacobi rotations (Hestenes' method).
 *
 * <p>DJL 0.36 has no SVD operator in its {@code NDArray} or engine API, so FiDoRA's initialization does it here. The
 * one-sided Jacobi method needs nothing but plane rotations, gives the singular values to high relative accuracy
 * without forming {@code M^T M} (which would square the condition number), and is deterministic. It costs
 * {@code O(m * n^2)} per sweep for an {@code m x n} matrix with {@code m >= n}, and typically converges in 6 to 10
 * sweeps, which suits the {@code [64..1280, 384..768]} attention weights it decomposes.
 */
final class JacobiSvd {

    /**
     * The unit roundoff of double precision. A pair of columns counts as orthogonal once the cosine of their angle is
     * at most the column length times this, which is about the rounding error of their computed inner product. A
     * smaller threshold could keep the sweeps rotating on rounding noise.
     */
    private static final double UNIT_ROUNDOFF = Math.ulp(1.0);
    /** Jacobi sweeps converge quadratically, so a matrix still rotating after this many sweeps signals NaN data. */
    private static final int MAX_SWEEPS = 100;

    /**
     * The factors of a thin SVD with {@code k = min(rows, columns)}.
     *
     * @param u              {@code [rows][k]}, orthonormal columns; a column of a zero singular value is zero
     * @param singularValues {@code [k]}, non-negative and in descending order
     * @param v              {@code [columns][k]}, orthonormal columns
     */
    record Result(double[][] u, double[] singularValues, double[][] v) {
    }

    private JacobiSvd() {
    }

    /**
     * Decomposes a matrix given as {@code [rows][columns]}.
     *
     * <p>Each pair of singular vectors has its sign fixed so that the entry of largest magnitude in the column of
     * {@code V} is positive (the first such entry on ties), so the signs do not depend on the order of rotations.
     *
     * @throws IllegalArgumentException when the matrix is empty, ragged or contains a NaN or infinite value
     * @throws IllegalStateException    when the rotations do not converge within {@value #MAX_SWEEPS} sweeps
     */
    static Result decompose(double[][] matrix) {
        int rows = matrix.length;
        if (rows == 0 || matrix[0].length == 0) {
            throw new IllegalArgumentException("Cannot decompose an empty matrix");
        }
        int columns = matrix[0].length;
        for (int row = 0; row < rows; row++) {
            if (matrix[row].length != columns) {
                throw new IllegalArgumentException("Matrix row " + row + " has " + matrix[row].length
                        + " entries; expected " + columns + " like row 0");
            }
            for (int column = 0; column < columns; column++) {
                if (!Double.isFinite(matrix[row][column])) {
                    throw new IllegalArgumentException("Matrix entry [" + row + "][" + column + "] is "
                            + matrix[row][column] + "; expected a finite number");
                }
            }
        }
        // The rotations orthogonalize the columns of a tall matrix, so a wide one is decomposed as its transpose:
        // M^T = U' S V'^T gives M = V' S U'^T.
        boolean transposed = rows < columns;
        int tall = transposed ? columns : rows;
        int narrow = transposed ? rows : columns;
        double[][] work = new double[narrow][tall];
        for (int row = 0; row < rows; row++) {
            for (int column = 0; column < columns; column++) {
                if (transposed) {
                    work[row][column] = matrix[row][column];
                } else {
                    work[column][row] = matrix[row][column];
                }
            }
        }
        double[][] rotations = new double[narrow][narrow];
        for (int index = 0; index < narrow; index++) {
            rotations[index][index] = 1.0;
        }
        orthogonalizeColumns(work, rotations);

        double[] norms = new double[narrow];
        for (int index = 0; index < narrow; index++) {
            norms[index] = Math.sqrt(dot(work[index], work[index]));
        }
        Integer[] order = IntStream.range(0, narrow).boxed().toArray(Integer[]::new);
        // A stable sort keeps equal singular values in column order, so the result stays deterministic.
        Arrays.sort(order, Comparator.comparingDouble((Integer index) -> norms[index]).reversed());

        double[][] left = new double[tall][narrow];
        double[][] right = new double[narrow][narrow];
        double[] singularValues = new double[narrow];
        for (int rank = 0; rank < narrow; rank++) {
            int source = order[rank];
            double sigma = norms[source];
            singularValues[rank] = sigma;
            for (int index = 0; index < tall; index++) {
                left[index][rank] = sigma > 0 ? work[source][index] / sigma : 0.0;
            }
            for (int index = 0; index < narrow; index++) {
                right[index][rank] = rotations[source][index];
            }
        }
        Result result = transposed ? new Result(right, singularValues, left)
                : new Result(left, singularValues, right);
        fixSigns(result);
        return result;
    }

    /**
     * Flips each pair of singular vectors so that the entry of largest magnitude in the column of V is positive, or
     * in the column of U when that column of V is zero.
     */
    private static void fixSigns(Result result) {
        for (int rank = 0; rank < result.singularValues().length; rank++) {
            double sign = signOfLargest(result.v(), rank);
            if (sign == 0) {
                sign = signOfLargest(result.u(), rank);
            }
            if (sign < 0) {
                negateColumn(result.u(), rank);
                negateColumn(result.v(), rank);
            }
        }
    }

    /**
     * Rotates pairs of columns until every pair is orthogonal, applying the same rotations to the columns of
     * {@code rotations}, which starts as the identity and ends as V.
     */
    private static void orthogonalizeColumns(double[][] columns, double[][] rotations) {
        int count = columns.length;
        double tolerance = columns[0].length * UNIT_ROUNDOFF;
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            boolean rotated = false;
            for (int first = 0; first < count - 1; first++) {
                for (int second = first + 1; second < count; second++) {
                    double alpha = dot(columns[first], columns[first]);
                    double beta = dot(columns[second], columns[second]);
                    double gamma = dot(columns[first], columns[second]);
                    if (gamma == 0 || Math.abs(gamma) <= tolerance * Math.sqrt(alpha * beta)) {
                        continue;
                    }
                    rotated = true;
                    // The tangent of the angle that zeroes the inner product is a root of t^2 + 2 zeta t - 1 = 0.
                    // The smaller root keeps the angle within pi/4, the standard choice for cyclic Jacobi sweeps.
                    double zeta = (beta - alpha) / (2 * gamma);
                    double tangent = Math.signum(zeta == 0 ? 1 : zeta) / (Math.abs(zeta) + Math.hypot(1, zeta));
                    double cosine = 1 / Math.hypot(1, tangent);
                    double sine = cosine * tangent;
                    rotate(columns[first], columns[second], cosine, sine);
                    rotate(rotations[first], rotations[second], cosine, sine);
                }
            }
            if (!rotated) {
                return;
            }
        }
        throw new IllegalStateException("Jacobi SVD did not converge within " + MAX_SWEEPS + " sweeps for a "
                + columns[0].length + " x " + count + " matrix");
    }

    private static void rotate(double[] first, double[] second, double cosine, double sine) {
        for (int index = 0; index < first.length; index++) {
            double x = first[index];
            double y = second[index];
            first[index] = cosine * x - sine * y;
            second[index] = sine * x + cosine * y;
        }
    }

    private static double dot(double[] first, double[] second) {
        double sum = 0;
        for (int index = 0; index < first.length; index++) {
            sum += first[index] * second[index];
        }
        return sum;
    }

    /** Returns the sign of the first entry of largest magnitude in a column, or 0 for a zero column. */
    private static double signOfLargest(double[][] matrix, int column) {
        int largest = 0;
        for (int row = 1; row < matrix.length; row++) {
            if (Math.abs(matrix[row][column]) > Math.abs(matrix[largest][column])) {
                largest = row;
            }
        }
        return Math.signum(matrix[largest][column]);
    }

    private static void negateColumn(double[][] matrix, int column) {
        for (double[] row : matrix) {
            row[column] = -row[column];
        }
    }
}
