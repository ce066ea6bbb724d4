package dev.pairstream.erasure.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Clipping of the global gradient norm, as PyTorch's {@code torch.nn.utils.clip_grad_norm_} with the L2 norm: when
 * the norm over all gradients exceeds the limit, every gradient is scaled by {@code maxNorm / (norm + 1e-6)}.
 */
public final class GradientClipping {

    /** The term PyTorch adds to the norm before dividing, so a norm just above the limit cannot overshoot. */
    public static final double NORM_EPSILON = 1e-6;

    private GradientClipping() {
    }

    /**
     * Scales the gradients in place when their global L2 norm exceeds {@code maxNorm}, and returns the norm before
     * clipping. A NaN or infinite norm leaves the gradients as they are and is returned, so the caller can stop.
     *
     * @param parameters arrays whose gradients are clipped together, keyed by name
     * @param maxNorm    the largest allowed global norm, a finite number greater than 0
     * @throws IllegalArgumentException when {@code maxNorm} is not a finite positive number
     * @throws IllegalStateException    when a parameter has no gradient
     */
    public static double clipByGlobalNorm(Map<String, NDArray> parameters, double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("Invalid max gradient norm " + maxNorm
                    + "; expected a finite number > 0");
        }
        double norm = globalNorm(parameters);
        if (Double.isFinite(norm)) {
            clipToNorm(parameters, norm, maxNorm);
        }
        return norm;
    }

    /**
     * Returns the L2 norm of all gradients taken together, {@code sqrt(sum of every squared gradient value)}, in one
     * synchronisation with the engine.
     *
     * @throws IllegalStateException when a parameter has no gradient
     */
    public static double globalNorm(Map<String, NDArray> parameters) {
        try (NDManager scope = scopeFor(parameters)) {
            NDList squaredSums = new NDList(parameters.size());
            for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                NDArray gradient = gradientOf(entry.getKey(), entry.getValue());
                gradient.attach(scope);
                squaredSums.add(gradient.square().sum());
            }
            return NDArrays.stack(squaredSums).sum().sqrt().getFloat();
        }
    }

    /**
     * Copies every gradient to the Java side and returns its global L2 norm, summed in double precision, with the name
     * of the first parameter, in map order, whose gradient contains NaN or an infinity. It costs one copy of all
     * gradients, so it is meant as a check after {@link #globalNorm} came out non-finite.
     *
     * @throws IllegalStateException when a parameter has no gradient
     */
    public static GradientInspection inspect(Map<String, NDArray> parameters) {
        double sumOfSquares = 0;
        String firstNonFinite = null;
        try (NDManager scope = scopeFor(parameters)) {
            for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                NDArray gradient = gradientOf(entry.getKey(), entry.getValue());
                gradient.attach(scope);
                for (float value : gradient.toFloatArray()) {
                    if (!Float.isFinite(value) && firstNonFinite == null) {
                        firstNonFinite = entry.getKey();
                    }
                    sumOfSquares += (double) value * value;
                }
            }
        }
        return new GradientInspection(Math.sqrt(sumOfSquares), Optional.ofNullable(firstNonFinite));
    }

    /**
     * Scales every gradient in place when {@code norm}, a global norm computed by the caller, exceeds {@code maxNorm},
     * with the factor of {@link #clipByGlobalNorm}.
     */
    public static void clipToNorm(Map<String, NDArray> parameters, double norm, double maxNorm) {
        if (!(norm > maxNorm)) {
            return;
        }
        float scale = (float) (maxNorm / (norm + NORM_EPSILON));
        try (NDManager scope = scopeFor(parameters)) {
            for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                NDArray gradient = gradientOf(entry.getKey(), entry.getValue());
                gradient.attach(scope);
                gradient.muli(scale);
            }
        }
    }

    /**
     * The result of {@link #inspect}.
     *
     * @param norm           the global L2 norm, NaN or infinite when a value is
     * @param firstNonFinite the first parameter whose gradient has a NaN or infinite value, if any
     */
    public record GradientInspection(double norm, Optional<String> firstNonFinite) {
    }

    private static NDArray gradientOf(String name, NDArray parameter) {
        if (!parameter.hasGradient()) {
            throw new IllegalStateException("Parameter " + name + " has no gradient; mark it as requiring gradients"
                    + " and run a backward pass first");
        }
        return parameter.getGradient();
    }

    private static NDManager scopeFor(Map<String, NDArray> parameters) {
        Objects.requireNonNull(parameters, "parameters");
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("No parameters to clip; expected at least one");
        }
        return parameters.values().iterator().next().getManager().newSubManager();
    }
}
