package dev.pairstream.erasure.text;

import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Turns prompts into per-token hidden states, the cross-attention context of the text-to-image model.
 *
 * <p>The empty prompt {@value #UNCONDITIONAL_PROMPT} gives the unconditional context that classifier-free guidance
 * pairs with every conditional one. For a BERT-style encoder that is the output for {@code [CLS][SEP]}.
 * Implementations are safe for concurrent use.
 */
public interface TextEncoder {

    /** The prompt whose encoding is the unconditional context. */
    String UNCONDITIONAL_PROMPT = "";

    /** Returns the width of one token's hidden state. */
    int hiddenSize();

    /** Returns the maximum token count of an encoding, special tokens included; longer prompts are truncated. */
    int maxTokens();

    /**
     * Encodes one prompt, truncated to {@link #maxTokens()} tokens.
     *
     * @throws IllegalArgumentException when the prompt is null
     */
    TextEncoding encode(String prompt);

    /**
     * Encodes prompts in order, each as {@link #encode(String)} would.
     *
     * @throws IllegalArgumentException when the list or one of its prompts is null
     */
    List<TextEncoding> encodeBatch(List<String> prompts);

    /** Encodes the empty prompt, the unconditional context. */
    default TextEncoding unconditional() {
        return encode(UNCONDITIONAL_PROMPT);
    }

    /**
     * Encodes prompts and pads them to {@link #maxTokens()} tokens: context {@code [B, maxTokens, hiddenSize]} and
     * attention mask {@code [B, maxTokens]}, created in {@code manager}.
     */
    default TextContextBatch encodeContext(List<String> prompts, NDManager manager) {
        return TextContextBatch.pad(encodeBatch(prompts), maxTokens(), manager);
    }
}
