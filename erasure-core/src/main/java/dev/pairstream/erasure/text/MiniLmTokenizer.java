package dev.pairstream.erasure.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Map;

/**
 * The all-MiniLM-L6-v2 WordPiece tokenizer, read from its {@code tokenizer.json} through DJL's Hugging Face
 * tokenizers binding, with truncation that keeps {@code [CLS]} first and {@code [SEP]} last.
 *
 * <p>DJL does not document its tokenizer as thread-safe and its truncation length is per instance, so this class
 * tokenizes without truncation under a lock and truncates the ids itself.
 */
final class MiniLmTokenizer implements AutoCloseable {

    /** DJL's offline switch. When it is true, DJL loads only the tokenizer natives inside the jar. */
    static final String DJL_OFFLINE_PROPERTY = "ai.djl.offline";

    /** DJL's override of the tokenizer natives' flavour. The tokenizers jar ships only the cpu flavour. */
    static final String RUST_FLAVOR_PROPERTY = "RUST_FLAVOR";

    /** DJL's telemetry switch. Unless it is true, creating a tokenizer queries the EC2 instance metadata endpoint. */
    static final String OPT_OUT_TRACKING_PROPERTY = "OPT_OUT_TRACKING";

    private final HuggingFaceTokenizer tokenizer;
    private final long clsId;
    private final long sepId;

    private MiniLmTokenizer(HuggingFaceTokenizer tokenizer, long clsId, long sepId) {
        this.tokenizer = tokenizer;
        this.clsId = clsId;
        this.sepId = sepId;
    }

    /**
     * Creates the tokenizer from a {@code tokenizer.json} stream and checks that it wraps text in exactly one
     * leading and one trailing special token.
     *
     * @throws IOException          when the stream cannot be read
     * @throws TextEncoderException when the tokenizer does not produce {@code [CLS] ... [SEP]}
     */
    static MiniLmTokenizer load(InputStream tokenizerJson, String resourceName) throws IOException {
        keepDjlNativesLocal();
        // Padding and truncation off: tokenizer.json pads to a fixed 128 tokens, and this class truncates itself.
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson,
                Map.of("padding", "false", "truncation", "false", "addSpecialTokens", "true"));
        try {
            Encoding empty = tokenizer.encode("");
            long[] ids = empty.getIds();
            long[] special = empty.getSpecialTokenMask();
            if (ids.length != 2 || special[0] != 1 || special[1] != 1) {
                throw new TextEncoderException("Tokenizer " + resourceName + " encodes the empty text as "
                        + Arrays.toString(empty.getTokens()) + ", expected exactly [CLS] and [SEP]");
            }
            return new MiniLmTokenizer(tokenizer, ids[0], ids[1]);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /**
     * Sets the DJL switches that keep the tokenizer loader off the network, unless the caller set them already
     * (a {@value #RUST_FLAVOR_PROPERTY} or {@value #OPT_OUT_TRACKING_PROPERTY} environment variable also counts).
     * Without them DJL 0.36 may pick a CUDA flavour of the natives on a GPU host and download it, and its telemetry
     * contacts the EC2 metadata endpoint.
     */
    private static synchronized void keepDjlNativesLocal() {
        if (System.getProperty(DJL_OFFLINE_PROPERTY) == null) {
            System.setProperty(DJL_OFFLINE_PROPERTY, "true");
        }
        setUnlessConfigured(RUST_FLAVOR_PROPERTY, "cpu");
        setUnlessConfigured(OPT_OUT_TRACKING_PROPERTY, "true");
    }

    private static void setUnlessConfigured(String name, String value) {
        if (System.getenv(name) == null && System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }

    /**
     * Tokenizes text into at most {@code maxTokens} ids, {@code [CLS]} and {@code [SEP]} included. A longer text
     * keeps its first {@code maxTokens - 2} word pieces, which is what the Hugging Face tokenizer's own truncation
     * returns for a single sequence.
     *
     * @throws TextEncoderException when the ids do not start with {@code [CLS]} and end with {@code [SEP]}
     */
    long[] encode(String text, int maxTokens) {
        long[] ids;
        synchronized (tokenizer) {
            ids = tokenizer.encode(text).getIds();
        }
        if (ids.length < 2 || ids[0] != clsId || ids[ids.length - 1] != sepId) {
            throw new TextEncoderException("Tokenizer returned " + Arrays.toString(ids) + " for \"" + text
                    + "\", expected ids that start with [CLS] (" + clsId + ") and end with [SEP] (" + sepId + ")");
        }
        if (ids.length <= maxTokens) {
            return ids;
        }
        long[] truncated = Arrays.copyOf(ids, maxTokens);
        truncated[maxTokens - 1] = sepId;
        return truncated;
    }

    @Override
    public void close() {
        synchronized (tokenizer) {
            tokenizer.close();
        }
    }
}
