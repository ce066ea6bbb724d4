package dev.pairstream.erasure.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The low-rank state of one adapted Linear layer: {@code A [r, in]}, {@code B [out, r]} and the scaling s, with the
 * direction {@code W + s * B * A}. {@link LoraLayer} applies the direction as the weight, {@link DoraLayer} rescales
 * each of its rows to a trained magnitude.
 *
 * <p>W is the model's stored weight, unless the layer has a {@link ResidualBase} (FiDoRA initialization), which then
 * replaces the stored weight. The arrays belong to the owning {@link Adapter}'s manager.
 */
public abstract sealed class AdapterLayer permits LoraLayer, DoraLayer {

    /** The PEFT key suffix of the down projection A. */
    public static final String LORA_A_SUFFIX = ".lora_A.weight";
    /** The PEFT key suffix of the up projection B. */
    public static final String LORA_B_SUFFIX = ".lora_B.weight";
    /** The PEFT key suffix of DoRA's magnitude vector. */
    public static final String MAGNITUDE_SUFFIX = ".lora_magnitude_vector";

    /**
     * The fixed base weight of a FiDoRA-initialized layer, {@code W_res = W0 - s * B0 * A0}, with the initial
     * {@code A0} and {@code B0} that the export to a plain PEFT adapter subtracts again.
     *
     * @param weight       the base weight {@code [out, in]} that replaces the stored weight
     * @param initialLoraA {@code A0 [r, in]}, never trained
     * @param initialLoraB {@code B0 [out, r]}, never trained
     */
    public record ResidualBase(NDArray weight, NDArray initialLoraA, NDArray initialLoraB) {
        /** Checks that the three arrays are present. */
        public ResidualBase {
            Objects.requireNonNull(weight, "weight");
            Objects.requireNonNull(initialLoraA, "initialLoraA");
            Objects.requireNonNull(initialLoraB, "initialLoraB");
        }
    }

    private final String modulePath;
    private final NDArray loraA;
    private final NDArray loraB;
    private final float scaling;
    private final ResidualBase residualBase;

    AdapterLayer(String modulePath, NDArray loraA, NDArray loraB, float scaling, ResidualBase residualBase) {
        if (modulePath == null || modulePath.isBlank()) {
            throw new IllegalArgumentException("Adapter layer needs a non-blank module path, got " + modulePath);
        }
        this.modulePath = modulePath;
        this.loraA = requireMatrix(modulePath + LORA_A_SUFFIX, loraA);
        this.loraB = requireMatrix(modulePath + LORA_B_SUFFIX, loraB);
        if (loraA.getShape().get(0) != loraB.getShape().get(1)) {
            throw new IllegalArgumentException("Adapter layer " + modulePath + " has lora_A " + loraA.getShape()
                    + " and lora_B " + loraB.getShape() + "; expected A [r, in] and B [out, r] with the same r");
        }
        if (!Float.isFinite(scaling) || scaling <= 0) {
            throw new IllegalArgumentException("Adapter layer " + modulePath + " has scaling " + scaling
                    + "; expected a finite number > 0");
        }
        this.scaling = scaling;
        if (residualBase != null) {
            requireShape(modulePath + " residual base", residualBase.weight(),
                    new Shape(outFeatures(), inFeatures()));
            requireShape(modulePath + " initial lora_A", residualBase.initialLoraA(), loraA.getShape());
            requireShape(modulePath + " initial lora_B", residualBase.initialLoraB(), loraB.getShape());
        }
        this.residualBase = residualBase;
    }

    /** Returns the diffusers path of the adapted Linear layer. */
    public String modulePath() {
        return modulePath;
    }

    /** Returns the down projection {@code A [r, in]}. */
    public NDArray loraA() {
        return loraA;
    }

    /** Returns the up projection {@code B [out, r]}. */
    public NDArray loraB() {
        return loraB;
    }

    /** Returns the rank r. */
    public int rank() {
        return Math.toIntExact(loraA.getShape().get(0));
    }

    /** Returns the input width of the Linear layer. */
    public long inFeatures() {
        return loraA.getShape().get(1);
    }

    /** Returns the output width of the Linear layer. */
    public long outFeatures() {
        return loraB.getShape().get(0);
    }

    /** Returns the factor s that multiplies {@code B * A}. */
    public float scaling() {
        return scaling;
    }

    /** Returns the FiDoRA base that replaces the stored weight, if the layer has one. */
    public Optional<ResidualBase> residualBase() {
        return Optional.ofNullable(residualBase);
    }

    /**
     * Returns the trainable arrays keyed by their PEFT names ({@code <module>.lora_A.weight},
     * {@code <module>.lora_B.weight} and, for DoRA, {@code <module>.lora_magnitude_vector}).
     */
    public abstract Map<String, NDArray> parameters();

    /**
     * Computes the adapted weight {@code [out, in]} in {@code step}, recording the operations so that a backward pass
     * inside a {@code GradientCollector} reaches every trainable array that requires gradients.
     *
     * @param storedWeight the weight the model stores for this layer; ignored, apart from its shape, when the layer
     *                     has a residual base
     * @param step         the manager that owns the result and every intermediate array
     * @throws IllegalArgumentException when the stored weight is not {@code [out, in]}
     */
    public final NDArray adaptedWeight(NDArray storedWeight, NDManager step) {
        Shape expected = new Shape(outFeatures(), inFeatures());
        if (!storedWeight.getShape().equals(expected)) {
            throw new IllegalArgumentException("Stored weight of " + modulePath + " has shape "
                    + storedWeight.getShape() + " but the adapter layer expects " + expected);
        }
        NDArray base = residualBase == null ? storedWeight : residualBase.weight();
        // Each expression starts from an array of the step manager, because DJL puts a result in the manager of the
        // first operand. The scaling lives in the step manager too, so autograd can still read it in the backward pass.
        NDArray scalingArray = step.create(scaling);
        NDArray update = scalingArray.mul(loraB).matMul(loraA);
        return fromDirection(update.add(base), step);
    }

    /** Turns the direction {@code W + s * B * A}, an array of {@code step}, into the weight. */
    abstract NDArray fromDirection(NDArray direction, NDManager step);

    static NDArray requireMatrix(String name, NDArray array) {
        Objects.requireNonNull(array, name);
        if (array.getShape().dimension() != 2 || array.getShape().size() == 0) {
            throw new IllegalArgumentException("Adapter tensor " + name + " has shape " + array.getShape()
                    + "; expected a non-empty matrix");
        }
        requireFloat32(name, array);
        return array;
    }

    static void requireFloat32(String name, NDArray array) {
        if (array.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("Adapter tensor " + name + " has dtype " + array.getDataType()
                    + "; expected float32");
        }
    }

    static void requireShape(String name, NDArray array, Shape expected) {
        Objects.requireNonNull(array, name);
        if (!array.getShape().equals(expected)) {
            throw new IllegalArgumentException("Adapter tensor " + name + " has shape " + array.getShape()
                    + "; expected " + expected);
        }
        requireFloat32(name, array);
    }
}
