package dev.pairstream.erasure.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pairstream.erasure.text.MiniLmTextEncoder;

/**
 * Text-encoder settings of a model folder, stored as {@code text_encoder/config.json}. The encoder itself ships on
 * the classpath, so the folder names it instead of holding its weights.
 *
 * @param model      the sentence-transformers model id, always {@value #ALL_MINILM_L6_V2}
 * @param hiddenSize width of one token's hidden state, 384
 * @param maxTokens  tokens per prompt, {@code [CLS]} and {@code [SEP]} included; the context is padded to this length
 */
public record TextEncoderSettings(
        @JsonProperty("model") String model,
        @JsonProperty("hidden_size") int hiddenSize,
        @JsonProperty("max_tokens") int maxTokens) {

    /** The model id of the only text encoder this code runs. */
    public static final String ALL_MINILM_L6_V2 = "sentence-transformers/all-MiniLM-L6-v2";

    /**
     * Validates the settings against the bundled encoder.
     *
     * @throws IllegalArgumentException naming the field and the supported value
     */
    public TextEncoderSettings {
        if (!ALL_MINILM_L6_V2.equals(model)) {
            throw new IllegalArgumentException("Unsupported text encoder model \"" + model + "\"; expected \""
                    + ALL_MINILM_L6_V2 + "\"");
        }
        if (hiddenSize != MiniLmTextEncoder.HIDDEN_SIZE) {
            throw new IllegalArgumentException("Invalid text encoder hidden_size " + hiddenSize + "; expected "
                    + MiniLmTextEncoder.HIDDEN_SIZE + " for " + ALL_MINILM_L6_V2);
        }
        if (maxTokens < 2 || maxTokens > MiniLmTextEncoder.MAX_POSITIONS) {
            throw new IllegalArgumentException("Invalid text encoder max_tokens " + maxTokens + "; expected 2 to "
                    + MiniLmTextEncoder.MAX_POSITIONS);
        }
    }

    /** Returns the settings of all-MiniLM-L6-v2 with the given token count. */
    public static TextEncoderSettings miniLm(int maxTokens) {
        return new TextEncoderSettings(ALL_MINILM_L6_V2, MiniLmTextEncoder.HIDDEN_SIZE, maxTokens);
    }

    /**
     * Loads the bundled encoder with these settings.
     *
     * @param intraOpThreads ONNX Runtime threads per encode, 0 for its default
     */
    public MiniLmTextEncoder createEncoder(int intraOpThreads) {
        return MiniLmTextEncoder.builder().maxTokens(maxTokens).intraOpThreads(intraOpThreads).build();
    }
}
