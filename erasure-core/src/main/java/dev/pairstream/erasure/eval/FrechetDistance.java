package dev.pairstream.erasure.eval;

/**
 * Fréchet distance between two sets of feature vectors, each summarised by its mean and covariance as a Gaussian:
 * {@code ‖μ1 − μ2‖² + tr(Σ1 + Σ2 − 2 (Σ1^½ Σ2 Σ1^½)^½)}, the formula behind FID (Heusel et al., NeurIPS 2017).
 * The trace of the matrix square root is taken through the symmetric form {@code Σ1^½ Σ2 Σ1^½}, whose eigenvalues are
 * those of {@code Σ1 Σ2}, so a symmetric eigen-decomposition (cyclic Jacobi, in double precision) suffices.
 */
public final class FrechetDistance {

    private static final int MAX_SWEEPS = 100;

    private FrechetDistance() {
    }

    /**
     * Returns the Fréchet distance between two sets of vectors.
     *
     * @throws IllegalArgumentException when a set has fewer than two vectors or the widths differ
     */
    public static double between(float[][] first, float[][] second) {
        if (first.length < 2 || second.length < 2) {
            throw new IllegalArgumentException("The Fréchet distance needs at least two vectors per set; got "
                    + first.length + " and " + second.length);
        }
        int width = first[0].length;
        for (float[][] set : new float[][][] {first, second}) {
            for (float[] vector : set) {
                if (vector.length != width) {
                    throw new IllegalArgumentException("Feature vectors of " + vector.length + " values in a set of "
                            + width + "-value vectors");
                }
            }
        }
        double[] meanFirst = mean(first);
        double[] meanSecond = mean(second);
        double[][] covarianceFirst = covariance(first, meanFirst);
        double[][] covarianceSecond = covariance(second, meanSecond);

        double meanTerm = 0;
        for (int i = 0; i < width; i++) {
            double difference = meanFirst[i] - meanSecond[i];
            meanTerm += difference * difference;
        }
        double[][] rootFirst = squareRoot(covarianceFirst);
        double[][] inner = multiply(multiply(rootFirst, covarianceSecond), rootFirst);
        double traceRoot = 0;
        for (double eigenvalue : eigenvalues(inner)) {
            traceRoot += Math.sqrt(Math.max(eigenvalue, 0));
        }
        double trace = 0;
        for (int i = 0; i < width; i++) {
            trace += covarianceFirst[i][i] + covarianceSecond[i][i];
        }
        return Math.max(0, meanTerm + trace - 2 * traceRoot);
    }

    private static double[] mean(float[][] vectors) {
        double[] mean = new double[vectors[0].length];
        for (float[] vector : vectors) {
            for (int i = 0; i < mean.length; i++) {
                mean[i] += vector[i];
            }
        }
        for (int i = 0; i < mean.length; i++) {
            mean[i] /= vectors.length;
        }
        return mean;
    }

    /** Returns the unbiased sample covariance, as numpy's {@code cov} computes it. */
    private static double[][] covariance(float[][] vectors, double[] mean) {
        int width = mean.length;
        double[][] covariance = new double[width][width];
        for (float[] vector : vectors) {
            for (int i = 0; i < width; i++) {
                double a = vector[i] - mean[i];
                for (int j = i; j < width; j++) {
                    covariance[i][j] += a * (vector[j] - mean[j]);
                }
            }
        }
        for (int i = 0; i < width; i++) {
            for (int j = i; j < width; j++) {
                covariance[i][j] /= vectors.length - 1;
                covariance[j][i] = covariance[i][j];
            }
        }
        return covariance;
    }

    /** Returns the square root of a symmetric positive semi-definite matrix, negative eigenvalues clamped to 0. */
    static double[][] squareRoot(double[][] matrix) {
        int n = matrix.length;
        double[][] vectors = identity(n);
        double[][] diagonal = copy(matrix);
        jacobi(diagonal, vectors);
        double[][] root = new double[n][n];
        for (int k = 0; k < n; k++) {
            double scale = Math.sqrt(Math.max(diagonal[k][k], 0));
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    root[i][j] += vectors[i][k] * scale * vectors[j][k];
                }
            }
        }
        return root;
    }

    /** Returns the eigenvalues of a symmetric matrix. */
    static double[] eigenvalues(double[][] matrix) {
        int n = matrix.length;
        double[][] diagonal = copy(matrix);
        // The product of symmetric matrices is symmetric only up to rounding; symmetrise before the rotations.
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double average = (diagonal[i][j] + diagonal[j][i]) / 2;
                diagonal[i][j] = average;
                diagonal[j][i] = average;
            }
        }
        jacobi(diagonal, identity(n));
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = diagonal[i][i];
        }
        return values;
    }

    /**
     * Diagonalises a symmetric matrix in place by cyclic Jacobi rotations, accumulating the rotations into
     * {@code vectors}, whose columns become the eigenvectors.
     */
    private static void jacobi(double[][] a, double[][] vectors) {
        int n = a.length;
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double offDiagonal = 0;
            double scale = 0;
            for (int i = 0; i < n; i++) {
                scale += a[i][i] * a[i][i];
                for (int j = i + 1; j < n; j++) {
                    offDiagonal += a[i][j] * a[i][j];
                }
            }
            if (offDiagonal <= 1e-30 * Math.max(scale, 1e-300)) {
                return;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] == 0) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = vectors[k][p];
                        double vkq = vectors[k][q];
                        vectors[k][p] = c * vkp - s * vkq;
                        vectors[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
    }

    private static double[][] multiply(double[][] left, double[][] right) {
        int n = left.length;
        int m = right[0].length;
        int inner = right.length;
        double[][] product = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < inner; k++) {
                double value = left[i][k];
                if (value == 0) {
                    continue;
                }
                for (int j = 0; j < m; j++) {
                    product[i][j] += value * right[k][j];
                }
            }
        }
        return product;
    }

    private static double[][] identity(int n) {
        double[][] identity = new double[n][n];
        for (int i = 0; i < n; i++) {
            identity[i][i] = 1;
        }
        return identity;
    }

    private static double[][] copy(double[][] matrix) {
        double[][] copy = new double[matrix.length][];
        for (int i = 0; i < matrix.length; i++) {
            copy[i] = matrix[i].clone();
        }
        return copy;
    }
}
