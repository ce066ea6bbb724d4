/**
 * Text encoders that turn a prompt into per-token hidden states, the UNet's cross-attention context.
 *
 * <p>{@link dev.pairstream.erasure.text.MiniLmTextEncoder} runs all-MiniLM-L6-v2 (384-d hidden states) with ONNX
 * Runtime. The empty prompt is the unconditional context that classifier-free guidance uses: its encoding is
 * {@code [CLS][SEP]}, two tokens, and {@link dev.pairstream.erasure.text.TextContextBatch} pads it like any other
 * prompt, with mask zeros on the padding.
 */
package dev.pairstream.erasure.text;
