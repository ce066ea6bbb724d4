package dev.pairstream.erasure.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DoRA layer (Liu et al. 2024, "DoRA: Weight-Decomposed Low-Rank Adaptation"): the weight is
 * {@code m * V / ||V||} with the direction {@code V = W + s * B * A}, the magnitude {@code m [out]} and the L2 norm
 * of each output row of V, as PEFT computes it for a Linear layer.
 *
 * <p>The row norm is a constant in the backward pass, as section 4.3 of the paper suggests and PEFT's
 * {@code DoraLinearLayer} does, so gradients reach A and B only through V. A row of V that is all zero gives a NaN
 * weight, as in PEFT, which adds no epsilon either.
 */
public final class DoraLayer extends AdapterLayer {

    private final NDArray magnitude;

    /**
     * Creates a layer on the model's stored weight.
     *
     * @param modulePath the diffusers path of the Linear layer
     * @param loraA      {@code A [r, in]}, float32
     * @param loraB      {@code B [out, r]}, float32
     * @param magnitude  {@code m [out]}, float32
     * @param scaling    s, PEFT's {@code lora_alpha / r}
     * @throws IllegalArgumentException when the shapes do not fit together or s is not a finite number > 0
     */
    public DoraLayer(String modulePath, NDArray loraA, NDArray loraB, NDArray magnitude, float scaling) {
        this(modulePath, loraA, loraB, magnitude, scaling, null);
    }

    DoraLayer(String modulePath, NDArray loraA, NDArray loraB, NDArray magnitude, float scaling,
            ResidualBase residualBase) {
        super(modulePath, loraA, loraB, scaling, residualBase);
        requireShape(modulePath + MAGNITUDE_SUFFIX, magnitude, new Shape(outFeatures()));
        this.magnitude = magnitude;
    }

    /** Returns the magnitude vector {@code m [out]}, one value per output row. */
    public NDArray magnitude() {
        return magnitude;
    }

    @Override
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> parameters = new LinkedHashMap<>();
        parameters.put(modulePath() + LORA_A_SUFFIX, loraA());
        parameters.put(modulePath() + LORA_B_SUFFIX, loraB());
        parameters.put(modulePath() + MAGNITUDE_SUFFIX, magnitude);
        return parameters;
    }

    @Override
    NDArray fromDirection(NDArray direction, NDManager step) {
        NDArray rowNorm = direction.norm(new int[] {1}, true).stopGradient();
        // The reshaped view is a new array in the adapter's manager. Moving it to the step manager keeps that manager
        // from growing with every forward pass, and the view still passes gradients back to the magnitude.
        NDArray magnitudeColumn = magnitude.reshape(outFeatures(), 1);
        magnitudeColumn.attach(step);
        return magnitudeColumn.div(rowNorm).mul(direction);
    }
}
