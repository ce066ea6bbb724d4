package dev.pairstream.erasure.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Objects;

/**
 * A batch of text encodings padded to one fixed length: the cross-attention context {@code [B, T, hiddenSize]}
 * (float32, zeros on padding) and its attention mask {@code [B, T]} (float32, 1 for a real token and 0 for padding),
 * the mask layout that {@code UNet2DConditionModel.forward} takes.
 *
 * <p>Closing the batch closes both arrays. Arrays still attached to the manager are also freed with it.
 */
public final class TextContextBatch implements AutoCloseable {

    private final NDArray context;
    private final NDArray attentionMask;

    private TextContextBatch(NDArray context, NDArray attentionMask) {
        this.context = context;
        this.attentionMask = attentionMask;
    }

    /**
     * Pads encodings to {@code length} tokens on the right and stacks them into arrays created in {@code manager}.
     * A fixed length keeps the context shape the same for every batch, whatever its prompts.
     *
     * @param encodings at least one encoding, all with the same hidden size and at most {@code length} tokens
     * @param length    the padded token length T
     * @param manager   the manager that owns the new arrays
     * @throws IllegalArgumentException when the list is empty or contains null, hidden sizes differ, or an encoding is
     *                                  longer than {@code length} (encode it with a max token count of at most
     *                                  {@code length} instead)
     */
    public static TextContextBatch pad(List<TextEncoding> encodings, int length, NDManager manager) {
        Objects.requireNonNull(encodings, "encodings");
        Objects.requireNonNull(manager, "manager");
        if (encodings.isEmpty()) {
            throw new IllegalArgumentException("cannot pad an empty list of encodings");
        }
        if (length <= 0) {
            throw new IllegalArgumentException("padded length must be positive, got " + length);
        }
        int hiddenSize = checkedHiddenSize(encodings, length);

        int batchSize = encodings.size();
        float[] context = new float[Math.multiplyExact(Math.multiplyExact(batchSize, length), hiddenSize)];
        float[] mask = new float[batchSize * length];
        for (int row = 0; row < batchSize; row++) {
            TextEncoding encoding = encodings.get(row);
            float[] hidden = encoding.hiddenStates();
            System.arraycopy(hidden, 0, context, row * length * hiddenSize, hidden.length);
            long[] tokenMask = encoding.attentionMask();
            for (int token = 0; token < tokenMask.length; token++) {
                mask[row * length + token] = tokenMask[token];
            }
        }

        NDArray contextArray = manager.create(context, new Shape(batchSize, length, hiddenSize));
        NDArray maskArray = manager.create(mask, new Shape(batchSize, length));
        return new TextContextBatch(contextArray, maskArray);
    }

    private static int checkedHiddenSize(List<TextEncoding> encodings, int length) {
        int hiddenSize = -1;
        for (int row = 0; row < encodings.size(); row++) {
            TextEncoding encoding = encodings.get(row);
            if (encoding == null) {
                throw new IllegalArgumentException("encodings[" + row + "] is null");
            }
            if (encoding.tokenCount() > length) {
                throw new IllegalArgumentException("encodings[" + row + "] (\"" + encoding.prompt() + "\") has "
                        + encoding.tokenCount() + " tokens, more than the padded length " + length
                        + "; encode it with a max token count of at most " + length);
            }
            if (hiddenSize == -1) {
                hiddenSize = encoding.hiddenSize();
            } else if (encoding.hiddenSize() != hiddenSize) {
                throw new IllegalArgumentException("encodings[" + row + "] has hidden size " + encoding.hiddenSize()
                        + " but encodings[0] has " + hiddenSize);
            }
        }
        return hiddenSize;
    }

    /** Returns the context, float32 {@code [B, T, hiddenSize]} with zeros on padding. */
    public NDArray context() {
        return context;
    }

    /** Returns the attention mask, float32 {@code [B, T]} with 1 for a real token and 0 for padding. */
    public NDArray attentionMask() {
        return attentionMask;
    }

    /** Returns the number of prompts B. */
    public int batchSize() {
        return Math.toIntExact(context.getShape().get(0));
    }

    /** Returns the padded token length T. */
    public int length() {
        return Math.toIntExact(context.getShape().get(1));
    }

    /** Closes both arrays. */
    @Override
    public void close() {
        context.close();
        attentionMask.close();
    }
}
