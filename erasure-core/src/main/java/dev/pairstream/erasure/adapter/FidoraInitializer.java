package dev.pairstream.erasure.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.model.UNetWeights;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Initializes an adapter from Fisher information (FiDoRA). The low-rank factors start as the best rank-r
 * approximation of each base weight in a metric that weights every output row. The weight grows with how much more
 * the row matters to the unsafe concept than to safe content.
 *
 * <p>For a layer with base weight {@code W0 [out, in]} and diagonal Fisher tensors {@code F_u} (unsafe) and
 * {@code F_s} (safe) of the same shape:
 * <ol>
 *   <li>the importance is {@code I = F_u / (F_s + eps)} and the row weight {@code rho_i = sqrt(sum_j I_ij)};</li>
 *   <li>{@code diag(rho) * W0 = U S V^T} is truncated to rank r;</li>
 *   <li>{@code A = (V sqrt(S))^T / sqrt(s)} and {@code B = diag(1/rho) U sqrt(S) / sqrt(s)}, so that
 *       {@code s * B * A = diag(1/rho) U_r S_r V_r^T};</li>
 *   <li>the layer's base becomes {@code W_res = W0 - s * B * A}, and the DoRA magnitude starts as the row norms of
 *       {@code W0}, so the adapted model equals the base model before training.</li>
 * </ol>
 * The initial {@code A} and {@code B} are kept, so {@link Adapter#exportForBase} can write the trained adapter as a
 * plain PEFT adapter on {@code W0}.
 */
public final class FidoraInitializer {

    /**
     * The smallest row weight relative to the largest one of the same layer. A row whose weight falls below it, such
     * as a row with zero unsafe Fisher information, is raised to it, so that {@code 1/rho} in B stays finite and
     * {@code diag(rho)} has a condition number of at most 1e6.
     */
    public static final double MIN_ROW_WEIGHT_RATIO = 1e-6;

    /** The provenance value of {@link Adapter#INITIALIZATION_KEY} for adapters this class creates. */
    public static final String INITIALIZATION = "fidora";

    private static final Logger LOG = LoggerFactory.getLogger(FidoraInitializer.class);
    private static final String WEIGHT_SUFFIX = ".weight";

    private FidoraInitializer() {
    }

    /**
     * Creates a FiDoRA-initialized adapter on the layers that {@code config}'s target modules select.
     *
     * @param config       the adapter settings (rank r, alpha, DoRA or LoRA, target modules)
     * @param base         the weights of the model to adapt
     * @param unsafeFisher the diagonal Fisher information on the unsafe half, keyed by module path, each shaped like
     *                     the layer's weight {@code [out, in]}; entries for other modules are ignored
     * @param safeFisher   the same for the safe half
     * @param epsilon      the damping added to the safe Fisher information, a finite number > 0
     * @param parent       the manager under which the adapter's manager is created
     * @throws IllegalArgumentException when a target layer has no Fisher tensor, a Fisher tensor has another shape or
     *                                  a negative or non-finite value, a layer's importance is zero in every row, or
     *                                  the rank exceeds a layer's smaller side
     */
    public static Adapter initialize(AdapterConfig config, UNetWeights base, Map<String, NDArray> unsafeFisher,
            Map<String, NDArray> safeFisher, double epsilon, NDManager parent) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(unsafeFisher, "unsafeFisher");
        Objects.requireNonNull(safeFisher, "safeFisher");
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("Invalid Fisher epsilon " + epsilon + "; expected a finite number > 0");
        }
        List<String> paths = TargetModules.select(base.layout(), config.targetModules());
        List<String> missing = new ArrayList<>();
        for (String path : paths) {
            if (!unsafeFisher.containsKey(path) || !safeFisher.containsKey(path)) {
                missing.add(path);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("No Fisher information for target modules " + missing
                    + "; both the unsafe and the safe Fisher map need an entry for every one of " + paths);
        }

        NDManager manager = parent.newSubManager();
        try {
            Map<String, AdapterLayer> layers = new LinkedHashMap<>();
            for (String path : paths) {
                NDArray weight = base.get(path + WEIGHT_SUFFIX);
                Adapter.requireRankFits(config.rank(), path, weight.getShape());
                layers.put(path, initializeLayer(config, path, weight, unsafeFisher.get(path), safeFisher.get(path),
                        epsilon, manager));
            }
            AdapterConfig recorded = config.withProvenance(Map.of(Adapter.INITIALIZATION_KEY, INITIALIZATION,
                    "fisher_epsilon", Double.toString(epsilon),
                    "min_row_weight_ratio", Double.toString(MIN_ROW_WEIGHT_RATIO)));
            Adapter adapter = new Adapter(recorded, manager, layers);
            LOG.info("Initialized FiDoRA {} adapter on {} layers (r={}, alpha={}, eps={})",
                    config.useDora() ? "DoRA" : "LoRA", layers.size(), config.rank(), config.alpha(), epsilon);
            return adapter;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static AdapterLayer initializeLayer(AdapterConfig config, String path, NDArray weight,
            NDArray unsafeFisher, NDArray safeFisher, double epsilon, NDManager manager) {
        Shape shape = weight.getShape();
        int out = Math.toIntExact(shape.get(0));
        int in = Math.toIntExact(shape.get(1));
        int rank = config.rank();
        double scaling = config.scaling();
        double[] baseWeight = toDoubles(weight.toFloatArray());
        double[] unsafe = fisherValues("unsafe", path, unsafeFisher, shape);
        double[] safe = fisherValues("safe", path, safeFisher, shape);
        double[] rowWeights = rowWeights(path, unsafe, safe, epsilon, out, in);

        double[][] weighted = new double[out][in];
        for (int row = 0; row < out; row++) {
            for (int column = 0; column < in; column++) {
                weighted[row][column] = rowWeights[row] * baseWeight[row * in + column];
            }
        }
        JacobiSvd.Result svd = JacobiSvd.decompose(weighted);

        float[] loraA = new float[rank * in];
        float[] loraB = new float[out * rank];
        double inverseRootScaling = 1 / Math.sqrt(scaling);
        for (int k = 0; k < rank; k++) {
            double rootSigma = Math.sqrt(svd.singularValues()[k]);
            for (int column = 0; column < in; column++) {
                loraA[k * in + column] = (float) (svd.v()[column][k] * rootSigma * inverseRootScaling);
            }
            for (int row = 0; row < out; row++) {
                loraB[row * rank + k] = (float) (svd.u()[row][k] * rootSigma * inverseRootScaling / rowWeights[row]);
            }
        }

        // W_res is computed in double from the float32 factors the layer will hold, so that W_res + s * B * A in
        // float32 rounds back to W0 up to float32 rounding.
        float[] residual = new float[out * in];
        float[] magnitude = new float[out];
        for (int row = 0; row < out; row++) {
            double squaredNorm = 0;
            for (int column = 0; column < in; column++) {
                double product = 0;
                for (int k = 0; k < rank; k++) {
                    product += (double) loraB[row * rank + k] * loraA[k * in + column];
                }
                double original = baseWeight[row * in + column];
                residual[row * in + column] = (float) (original - scaling * product);
                squaredNorm += original * original;
            }
            magnitude[row] = (float) Math.sqrt(squaredNorm);
        }

        Shape aShape = new Shape(rank, in);
        Shape bShape = new Shape(out, rank);
        AdapterLayer.ResidualBase residualBase = new AdapterLayer.ResidualBase(manager.create(residual, shape),
                manager.create(loraA, aShape), manager.create(loraB, bShape));
        NDArray trainableA = manager.create(loraA, aShape);
        NDArray trainableB = manager.create(loraB, bShape);
        float layerScaling = (float) scaling;
        return config.useDora()
                ? new DoraLayer(path, trainableA, trainableB, manager.create(magnitude, new Shape(out)), layerScaling,
                        residualBase)
                : new LoraLayer(path, trainableA, trainableB, layerScaling, residualBase);
    }

    /** Returns {@code rho_i = sqrt(sum_j F_u / (F_s + eps))}, with rows below the floor raised to it. */
    private static double[] rowWeights(String path, double[] unsafe, double[] safe, double epsilon, int out, int in) {
        double[] weights = new double[out];
        double largest = 0;
        for (int row = 0; row < out; row++) {
            double importance = 0;
            for (int column = 0; column < in; column++) {
                int index = row * in + column;
                importance += unsafe[index] / (safe[index] + epsilon);
            }
            weights[row] = Math.sqrt(importance);
            largest = Math.max(largest, weights[row]);
        }
        if (!(largest > 0) || Double.isInfinite(largest)) {
            throw new IllegalArgumentException("Fisher importance of " + path + " is " + largest
                    + " in its largest row; expected a finite number > 0 (is the unsafe Fisher information of this"
                    + " layer all zero?)");
        }
        double floor = largest * MIN_ROW_WEIGHT_RATIO;
        int raised = 0;
        for (int row = 0; row < out; row++) {
            if (weights[row] < floor) {
                weights[row] = floor;
                raised++;
            }
        }
        if (raised > 0) {
            LOG.warn("FiDoRA raised the row weight of {} of {} rows of {} to {} ({} times the largest row), because"
                    + " their Fisher importance is below it", raised, out, path, floor, MIN_ROW_WEIGHT_RATIO);
        }
        return weights;
    }

    private static double[] fisherValues(String half, String path, NDArray fisher, Shape expected) {
        if (fisher == null || !fisher.getShape().equals(expected)) {
            throw new IllegalArgumentException("The " + half + " Fisher tensor of " + path + " has shape "
                    + (fisher == null ? "null" : fisher.getShape()) + "; expected the weight's shape " + expected);
        }
        if (fisher.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("The " + half + " Fisher tensor of " + path + " has dtype "
                    + fisher.getDataType() + "; expected float32");
        }
        double[] values = toDoubles(fisher.toFloatArray());
        for (int index = 0; index < values.length; index++) {
            if (!(values[index] >= 0) || Double.isInfinite(values[index])) {
                throw new IllegalArgumentException("The " + half + " Fisher tensor of " + path + " has value "
                        + values[index] + " at flat index " + index + "; expected finite values >= 0");
            }
        }
        return values;
    }

    private static double[] toDoubles(float[] values) {
        double[] result = new double[values.length];
        for (int index = 0; index < values.length; index++) {
            result[index] = values[index];
        }
        return result;
    }
}
