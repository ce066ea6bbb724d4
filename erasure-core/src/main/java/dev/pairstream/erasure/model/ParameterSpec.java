package dev.pairstream.erasure.model;

import ai.djl.ndarray.types.Shape;
import java.util.Objects;

/**
 * One trainable tensor of the UNet: its diffusers state-dict name, its shape and the role that decides its initial
 * values.
 *
 * @param name  the diffusers name, such as {@code conv_in.weight}
 * @param shape the PyTorch shape: {@code [out, in, kh, kw]} for convolutions, {@code [out, in]} for linear layers
 * @param kind  the role of the tensor
 */
public record ParameterSpec(String name, Shape shape, Kind kind) {

    /** The role of a parameter tensor, which fixes its initialization. */
    public enum Kind {
        /** A {@code Conv2d} kernel, initialized like PyTorch's default (Kaiming-uniform, bound 1/sqrt(fan_in)). */
        CONV_WEIGHT,
        /** A {@code Linear} weight matrix, initialized like PyTorch's default (Kaiming-uniform, bound 1/sqrt(fan_in)). */
        LINEAR_WEIGHT,
        /** A convolution or linear bias, initialized to zeros. */
        BIAS,
        /** The scale of a group or layer normalization, initialized to ones. */
        NORM_WEIGHT,
        /** The shift of a group or layer normalization, initialized to zeros. */
        NORM_BIAS
    }

    /** Validates that the name is non-blank and the shape is non-empty with positive dimensions. */
    public ParameterSpec {
        Objects.requireNonNull(kind, "kind");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("Parameter name must be non-blank, got " + name);
        }
        if (shape == null || shape.dimension() == 0 || shape.size() <= 0) {
            throw new IllegalArgumentException("Parameter " + name + " needs a non-empty positive shape, got " + shape);
        }
    }

    /** Returns the number of scalar values in this tensor. */
    public long elementCount() {
        return shape.size();
    }

    /**
     * Returns the fan-in that PyTorch's default initialization uses: {@code in * kh * kw} for a convolution kernel and
     * {@code in} for a linear weight.
     *
     * @throws IllegalStateException for biases and normalization parameters, which have no fan-in
     */
    public long fanIn() {
        return switch (kind) {
            case CONV_WEIGHT, LINEAR_WEIGHT -> shape.size() / shape.get(0);
            case BIAS, NORM_WEIGHT, NORM_BIAS ->
                    throw new IllegalStateException("Parameter " + name + " of kind " + kind + " has no fan-in");
        };
    }
}
