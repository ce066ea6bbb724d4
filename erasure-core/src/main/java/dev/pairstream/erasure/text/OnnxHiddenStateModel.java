package dev.pairstream.erasure.text;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A BERT encoder exported to ONNX that maps {@code input_ids}, {@code attention_mask} and, when the graph has it,
 * {@code token_type_ids} to {@code last_hidden_state} {@code [batch, tokens, hidden]}. A call runs one sequence, or
 * several padded to the same length. Concurrent calls are safe because an ONNX Runtime session allows concurrent
 * {@code run} calls.
 */
final class OnnxHiddenStateModel implements AutoCloseable {

    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String TOKEN_TYPE_IDS = "token_type_ids";
    static final String LAST_HIDDEN_STATE = "last_hidden_state";

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final boolean takesTokenTypeIds;
    private final int hiddenSize;

    private OnnxHiddenStateModel(OrtEnvironment environment, OrtSession session, boolean takesTokenTypeIds,
            int hiddenSize) {
        this.environment = environment;
        this.session = session;
        this.takesTokenTypeIds = takesTokenTypeIds;
        this.hiddenSize = hiddenSize;
    }

    /**
     * Creates an ONNX Runtime CPU session for the model bytes and checks its inputs, its output and the hidden size.
     *
     * @param intraOpThreads threads for one run, 0 for ONNX Runtime's default (one per physical core)
     * @throws TextEncoderException when ONNX Runtime rejects the model or the graph lacks an expected input or output
     */
    static OnnxHiddenStateModel load(byte[] model, String resourceName, int intraOpThreads, int expectedHiddenSize) {
        // The environment is a process-wide singleton that other ONNX Runtime users share, so it is never closed here.
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            if (intraOpThreads > 0) {
                options.setIntraOpNumThreads(intraOpThreads);
            }
            session = environment.createSession(model, options);
        } catch (OrtException e) {
            throw new TextEncoderException("ONNX Runtime failed to load model " + resourceName + ": " + e.getMessage(),
                    e);
        }
        try {
            Set<String> inputs = session.getInputNames();
            if (!inputs.contains(INPUT_IDS) || !inputs.contains(ATTENTION_MASK)) {
                throw new TextEncoderException("Model " + resourceName + " has inputs " + inputs + ", expected "
                        + INPUT_IDS + " and " + ATTENTION_MASK);
            }
            int hiddenSize = outputHiddenSize(session, resourceName);
            if (hiddenSize != expectedHiddenSize) {
                throw new TextEncoderException("Model " + resourceName + " has hidden size " + hiddenSize
                        + ", expected " + expectedHiddenSize);
            }
            return new OnnxHiddenStateModel(environment, session, inputs.contains(TOKEN_TYPE_IDS), hiddenSize);
        } catch (OrtException | RuntimeException e) {
            closeQuietly(session, e);
            if (e instanceof TextEncoderException textEncoderException) {
                throw textEncoderException;
            }
            throw new TextEncoderException("Failed to inspect model " + resourceName + ": " + e.getMessage(), e);
        }
    }

    private static int outputHiddenSize(OrtSession session, String resourceName) throws OrtException {
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        NodeInfo output = outputs.get(LAST_HIDDEN_STATE);
        if (output == null || !(output.getInfo() instanceof TensorInfo tensor)) {
            throw new TextEncoderException("Model " + resourceName + " has outputs " + outputs.keySet()
                    + ", expected a tensor named " + LAST_HIDDEN_STATE);
        }
        long[] shape = tensor.getShape();
        if (shape.length != 3 || shape[2] <= 0) {
            throw new TextEncoderException("Model " + resourceName + " output " + LAST_HIDDEN_STATE + " has shape "
                    + Arrays.toString(shape) + ", expected [batch, tokens, hidden] with a fixed hidden size");
        }
        return Math.toIntExact(shape[2]);
    }

    private static void closeQuietly(OrtSession session, Exception primary) {
        try {
            session.close();
        } catch (OrtException e) {
            primary.addSuppressed(e);
        }
    }

    /** Returns the width of one token's hidden state. */
    int hiddenSize() {
        return hiddenSize;
    }

    /**
     * Runs the encoder on one sequence and returns its hidden states, {@code [tokens, hiddenSize]} row-major.
     *
     * @throws TextEncoderException when ONNX Runtime fails or returns an unexpected shape
     */
    float[] hiddenStates(long[] tokenIds, long[] attentionMask) {
        long[] shape = {1, tokenIds.length};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put(INPUT_IDS, OnnxTensor.createTensor(environment, LongBuffer.wrap(tokenIds), shape));
            inputs.put(ATTENTION_MASK, OnnxTensor.createTensor(environment, LongBuffer.wrap(attentionMask), shape));
            if (takesTokenTypeIds) {
                // One sentence, so every token belongs to segment 0.
                long[] segments = new long[tokenIds.length];
                inputs.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(environment, LongBuffer.wrap(segments), shape));
            }
            try (OrtSession.Result result = session.run(inputs, Set.of(LAST_HIDDEN_STATE))) {
                return readHiddenStates(result, tokenIds.length);
            }
        } catch (OrtException e) {
            throw new TextEncoderException("ONNX Runtime failed to encode token ids " + Arrays.toString(tokenIds)
                    + ": " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * Runs the encoder on several sequences in one call, each padded with token id 0 to the longest and masked there,
     * and returns each sequence's hidden states without its padding, {@code [tokens_i, hiddenSize]} row-major.
     *
     * <p>The mask keeps the padding out of every real token's attention, so with a float32 model each result equals
     * the one {@link #hiddenStates} gives for the sequence alone up to float rounding, not bit for bit. A model with
     * dynamically quantized activations computes one scale over the whole call. Its results then depend on the other
     * sequences, so such a model must run one sequence a call.
     *
     * @throws TextEncoderException when ONNX Runtime fails or returns an unexpected shape
     */
    float[][] paddedHiddenStates(List<long[]> sequences) {
        int batch = sequences.size();
        int width = 0;
        for (long[] sequence : sequences) {
            width = Math.max(width, sequence.length);
        }
        long[] ids = new long[batch * width];
        long[] mask = new long[batch * width];
        for (int row = 0; row < batch; row++) {
            long[] sequence = sequences.get(row);
            System.arraycopy(sequence, 0, ids, row * width, sequence.length);
            Arrays.fill(mask, row * width, row * width + sequence.length, 1L);
        }
        long[] shape = {batch, width};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put(INPUT_IDS, OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape));
            inputs.put(ATTENTION_MASK, OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape));
            if (takesTokenTypeIds) {
                inputs.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(environment,
                        LongBuffer.wrap(new long[batch * width]), shape));
            }
            try (OrtSession.Result result = session.run(inputs, Set.of(LAST_HIDDEN_STATE))) {
                FloatBuffer buffer = outputTensor(result, batch, width).getFloatBuffer();
                float[][] hidden = new float[batch][];
                for (int row = 0; row < batch; row++) {
                    hidden[row] = new float[sequences.get(row).length * hiddenSize];
                    buffer.position(row * width * hiddenSize);
                    buffer.get(hidden[row]);
                }
                return hidden;
            }
        } catch (OrtException e) {
            throw new TextEncoderException("ONNX Runtime failed to encode a batch of " + batch + " sequences of up to "
                    + width + " tokens: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private float[] readHiddenStates(OrtSession.Result result, int tokenCount) {
        FloatBuffer buffer = outputTensor(result, 1, tokenCount).getFloatBuffer();
        float[] hidden = new float[tokenCount * hiddenSize];
        buffer.get(hidden);
        return hidden;
    }

    private OnnxTensor outputTensor(OrtSession.Result result, int batch, int tokenCount) {
        OnnxValue value = result.get(LAST_HIDDEN_STATE).orElseThrow(() -> new TextEncoderException(
                "ONNX Runtime returned no " + LAST_HIDDEN_STATE + " output"));
        if (!(value instanceof OnnxTensor tensor)) {
            throw new TextEncoderException(LAST_HIDDEN_STATE + " is a " + value.getType() + ", expected a tensor");
        }
        long[] shape = tensor.getInfo().getShape();
        if (shape.length != 3 || shape[0] != batch || shape[1] != tokenCount || shape[2] != hiddenSize) {
            throw new TextEncoderException(LAST_HIDDEN_STATE + " has shape " + Arrays.toString(shape) + ", expected ["
                    + batch + ", " + tokenCount + ", " + hiddenSize + "]");
        }
        return tensor;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new TextEncoderException("Failed to close the ONNX Runtime session: " + e.getMessage(), e);
        }
    }
}
