package dev.pairstream.erasure.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Objects;

/**
 * One prompt's encoder output: the token ids, their attention mask and the per-token hidden states
 * {@code [tokens, hiddenSize]} in row-major order.
 *
 * <p>Instances are immutable. The constructor and the array accessors copy, so an encoding held in a cache can be
 * handed to any number of threads.
 */
public final class TextEncoding {

    private final String prompt;
    private final long[] tokenIds;
    private final long[] attentionMask;
    private final float[] hiddenStates;
    private final int hiddenSize;

    /**
     * Creates an encoding.
     *
     * @param prompt        the text that was encoded
     * @param tokenIds      the token ids, special tokens included
     * @param attentionMask 1 for a token the model attends to and 0 for padding, one value per token
     * @param hiddenStates  {@code tokenIds.length * hiddenSize} floats, token after token
     * @param hiddenSize    the width of one token's hidden state
     * @throws IllegalArgumentException when the lengths disagree, there are no tokens or a mask value is not 0 or 1
     */
    public TextEncoding(String prompt, long[] tokenIds, long[] attentionMask, float[] hiddenStates, int hiddenSize) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(tokenIds, "tokenIds");
        Objects.requireNonNull(attentionMask, "attentionMask");
        Objects.requireNonNull(hiddenStates, "hiddenStates");
        if (hiddenSize <= 0) {
            throw new IllegalArgumentException("hiddenSize must be positive, got " + hiddenSize);
        }
        if (tokenIds.length == 0) {
            throw new IllegalArgumentException("an encoding needs at least one token, got none for prompt \""
                    + prompt + "\"");
        }
        if (attentionMask.length != tokenIds.length) {
            throw new IllegalArgumentException("attentionMask has " + attentionMask.length + " values but there are "
                    + tokenIds.length + " tokens");
        }
        for (int i = 0; i < attentionMask.length; i++) {
            if (attentionMask[i] != 0 && attentionMask[i] != 1) {
                throw new IllegalArgumentException("attentionMask[" + i + "] must be 0 or 1, got " + attentionMask[i]);
            }
        }
        if ((long) tokenIds.length * hiddenSize != hiddenStates.length) {
            throw new IllegalArgumentException("hiddenStates has " + hiddenStates.length + " floats, expected "
                    + tokenIds.length + " tokens x " + hiddenSize + " = " + (long) tokenIds.length * hiddenSize);
        }
        this.prompt = prompt;
        this.tokenIds = tokenIds.clone();
        this.attentionMask = attentionMask.clone();
        this.hiddenStates = hiddenStates.clone();
        this.hiddenSize = hiddenSize;
    }

    /** Returns the text that was encoded. */
    public String prompt() {
        return prompt;
    }

    /** Returns the number of tokens, special tokens included. */
    public int tokenCount() {
        return tokenIds.length;
    }

    /** Returns the width of one token's hidden state. */
    public int hiddenSize() {
        return hiddenSize;
    }

    /** Returns a copy of the token ids. */
    public long[] tokenIds() {
        return tokenIds.clone();
    }

    /** Returns a copy of the attention mask: 1 for a token the model attends to, 0 for padding. */
    public long[] attentionMask() {
        return attentionMask.clone();
    }

    /** Returns a copy of the hidden states, {@code [tokenCount, hiddenSize]} in row-major order. */
    public float[] hiddenStates() {
        return hiddenStates.clone();
    }

    /**
     * Creates a float32 {@code [tokenCount, hiddenSize]} array of the hidden states in the given manager, which owns
     * it from then on.
     */
    public NDArray toNDArray(NDManager manager) {
        Objects.requireNonNull(manager, "manager");
        return manager.create(hiddenStates, new Shape(tokenIds.length, hiddenSize));
    }

    /**
     * Averages the hidden states of the tokens whose mask is 1, the mean pooling of sentence-transformers.
     *
     * @throws IllegalStateException when every mask value is 0, so there is nothing to average
     */
    public float[] meanPooled() {
        double[] sums = new double[hiddenSize];
        int attended = 0;
        for (int token = 0; token < tokenIds.length; token++) {
            if (attentionMask[token] == 0) {
                continue;
            }
            attended++;
            int offset = token * hiddenSize;
            for (int dim = 0; dim < hiddenSize; dim++) {
                sums[dim] += hiddenStates[offset + dim];
            }
        }
        if (attended == 0) {
            throw new IllegalStateException("cannot mean-pool the encoding of \"" + prompt
                    + "\": every attention mask value is 0");
        }
        float[] mean = new float[hiddenSize];
        for (int dim = 0; dim < hiddenSize; dim++) {
            mean[dim] = (float) (sums[dim] / attended);
        }
        return mean;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof TextEncoding that)) {
            return false;
        }
        return hiddenSize == that.hiddenSize
                && prompt.equals(that.prompt)
                && Arrays.equals(tokenIds, that.tokenIds)
                && Arrays.equals(attentionMask, that.attentionMask)
                && Arrays.equals(hiddenStates, that.hiddenStates);
    }

    @Override
    public int hashCode() {
        int result = Objects.hash(prompt, hiddenSize);
        result = 31 * result + Arrays.hashCode(tokenIds);
        result = 31 * result + Arrays.hashCode(attentionMask);
        return 31 * result + Arrays.hashCode(hiddenStates);
    }

    @Override
    public String toString() {
        return "TextEncoding[prompt=\"" + prompt + "\", tokenIds=" + Arrays.toString(tokenIds) + ", hiddenSize="
                + hiddenSize + "]";
    }
}
