package dev.pairstream.erasure.fisher;

import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The inputs of one Fisher estimation step: clean pictures, their text contexts and masks, and a sample id per
 * picture that selects the picture's timestep and noise.
 *
 * <p>The timestep and noise of a sample depend only on the estimation seed and the sample's id, not on the batch it
 * is in. Splitting the same samples into other batches, or across workers, therefore gives the same per-sample
 * gradients, which is what makes partial estimates merge into the estimate over the union.
 *
 * <p>Instances are immutable; the constructor copies the arrays.
 */
public final class FisherBatch {

    private final Shape pictureShape;
    private final float[] pictures;
    private final Shape contextShape;
    private final float[] context;
    private final float[] contextMask;
    private final long[] sampleIds;

    /**
     * Creates a batch.
     *
     * @param pictureShape {@code [B, C, H, W]}
     * @param pictures     the clean pictures, row-major {@code [B, C, H, W]}, in the training range [-1, 1]
     * @param contextShape {@code [B, T, D]}
     * @param context      the text encoder's hidden states, row-major {@code [B, T, D]}
     * @param contextMask  row-major {@code [B, T]} with 1 for real tokens and 0 for padding, or null to attend to
     *                     every token
     * @param sampleIds    one distinct id per picture, which selects its timestep and noise
     * @throws IllegalArgumentException when a shape has the wrong rank, non-positive sizes or another batch size, or an
     *                                  array length does not match its shape. Also when a picture value is outside
     *                                  [-1, 1], a context value is not finite, a mask value is neither 0 nor 1, or an
     *                                  id repeats
     */
    public FisherBatch(Shape pictureShape, float[] pictures, Shape contextShape, float[] context, float[] contextMask,
            long[] sampleIds) {
        Objects.requireNonNull(pictureShape, "pictureShape");
        Objects.requireNonNull(pictures, "pictures");
        Objects.requireNonNull(contextShape, "contextShape");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(sampleIds, "sampleIds");
        requirePositive(pictureShape, 4, "pictureShape", "[B, C, H, W]");
        requirePositive(contextShape, 3, "contextShape", "[B, T, D]");
        long batch = pictureShape.get(0);
        if (contextShape.get(0) != batch) {
            throw new IllegalArgumentException("Invalid contextShape " + contextShape + "; expected the pictures'"
                    + " batch size " + batch + " first");
        }
        requireLength(pictures, pictureShape.size(), "pictures", pictureShape);
        requireLength(context, contextShape.size(), "context", contextShape);
        for (int index = 0; index < pictures.length; index++) {
            float value = pictures[index];
            if (!(value >= -1f && value <= 1f)) {
                throw new IllegalArgumentException("Invalid picture value " + value + " at index " + index
                        + "; expected the training range [-1, 1]");
            }
        }
        for (int index = 0; index < context.length; index++) {
            if (!Float.isFinite(context[index])) {
                throw new IllegalArgumentException("Invalid context value " + context[index] + " at index " + index
                        + "; expected finite values");
            }
        }
        if (contextMask != null) {
            Shape maskShape = new Shape(batch, contextShape.get(1));
            requireLength(contextMask, maskShape.size(), "contextMask", maskShape);
            for (int index = 0; index < contextMask.length; index++) {
                if (contextMask[index] != 0f && contextMask[index] != 1f) {
                    throw new IllegalArgumentException("Invalid context mask value " + contextMask[index]
                            + " at index " + index + "; expected 0 (padding) or 1 (token)");
                }
            }
        }
        if (sampleIds.length != batch) {
            throw new IllegalArgumentException("Invalid sampleIds length " + sampleIds.length + "; expected one id"
                    + " per picture, " + batch);
        }
        Set<Long> seen = new HashSet<>();
        for (long id : sampleIds) {
            if (!seen.add(id)) {
                throw new IllegalArgumentException("Sample id " + id + " appears twice; each sample needs its own id"
                        + " so that it gets its own timestep and noise");
            }
        }
        this.pictureShape = pictureShape;
        this.pictures = pictures.clone();
        this.contextShape = contextShape;
        this.context = context.clone();
        this.contextMask = contextMask == null ? null : contextMask.clone();
        this.sampleIds = sampleIds.clone();
    }

    /** Returns the number of pictures B. */
    public int batchSize() {
        return Math.toIntExact(pictureShape.get(0));
    }

    /** Returns {@code [B, C, H, W]}. */
    public Shape pictureShape() {
        return pictureShape;
    }

    /** Returns {@code [B, T, D]}. */
    public Shape contextShape() {
        return contextShape;
    }

    /** Returns a copy of the sample ids. */
    public long[] sampleIds() {
        return sampleIds.clone();
    }

    /**
     * Returns the batch of {@code count} samples starting at {@code first}, with the same ids.
     *
     * @throws IndexOutOfBoundsException when the range is empty or does not lie within the batch
     */
    public FisherBatch slice(int first, int count) {
        Objects.checkFromIndexSize(first, count, batchSize());
        if (count == 0) {
            throw new IndexOutOfBoundsException("Cannot slice an empty batch from index " + first);
        }
        int pictureValues = valuesPerPicture();
        int contextValues = Math.toIntExact(contextShape.get(1) * contextShape.get(2));
        int tokens = Math.toIntExact(contextShape.get(1));
        return new FisherBatch(
                new Shape(count, pictureShape.get(1), pictureShape.get(2), pictureShape.get(3)),
                Arrays.copyOfRange(pictures, first * pictureValues, (first + count) * pictureValues),
                new Shape(count, contextShape.get(1), contextShape.get(2)),
                Arrays.copyOfRange(context, first * contextValues, (first + count) * contextValues),
                contextMask == null ? null
                        : Arrays.copyOfRange(contextMask, first * tokens, (first + count) * tokens),
                Arrays.copyOfRange(sampleIds, first, first + count));
    }

    /** Returns {@code C * H * W}. */
    int valuesPerPicture() {
        return Math.toIntExact(pictureShape.size() / pictureShape.get(0));
    }

    /** Returns the pictures without copying; callers must not modify them. */
    float[] picturesView() {
        return pictures;
    }

    /** Returns the context without copying; callers must not modify it. */
    float[] contextView() {
        return context;
    }

    /** Returns the mask without copying, or null; callers must not modify it. */
    float[] contextMaskView() {
        return contextMask;
    }

    /** Returns the sample ids without copying; callers must not modify them. */
    long[] sampleIdsView() {
        return sampleIds;
    }

    private static void requirePositive(Shape shape, int rank, String name, String layout) {
        if (shape.dimension() != rank) {
            throw new IllegalArgumentException("Invalid " + name + " " + shape + "; expected " + layout);
        }
        for (int axis = 0; axis < rank; axis++) {
            if (shape.get(axis) < 1) {
                throw new IllegalArgumentException("Invalid " + name + " " + shape + "; expected " + layout
                        + " with positive sizes");
            }
        }
        if (shape.size() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Invalid " + name + " " + shape + "; expected at most "
                    + Integer.MAX_VALUE + " values, so split the batch");
        }
    }

    private static void requireLength(float[] values, long expected, String name, Shape shape) {
        if (values.length != expected) {
            throw new IllegalArgumentException("Invalid " + name + " length " + values.length + "; expected "
                    + expected + " values for shape " + shape);
        }
    }
}
