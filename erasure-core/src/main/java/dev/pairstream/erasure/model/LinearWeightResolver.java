package dev.pairstream.erasure.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Supplies the effective weight of each {@code Linear} layer during a forward pass, so that an adapter such as DoRA
 * can replace {@code W} by its adapted weight without touching the stored parameters.
 *
 * <p>The forward pass calls the resolver once per Linear layer per call, with the diffusers module path (the parameter
 * name without {@code .weight}), for example
 * {@code down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k}. Biases are never resolved. Every Linear of the
 * model goes through the resolver: the attention projections {@code to_q}, {@code to_k}, {@code to_v},
 * {@code to_out.0}, the feed-forward {@code ff.net.0.proj} and {@code ff.net.2}, {@code time_embedding.linear_1/2},
 * each ResNet's {@code time_emb_proj}, and {@code proj_in}/{@code proj_out} when the config uses linear projections.
 */
@FunctionalInterface
public interface LinearWeightResolver {

    /**
     * Returns the weight to apply for one Linear layer.
     *
     * <p>The returned array has either the stored weight's {@code [out, in]} shape, which applies to every sample, or
     * the shape {@code [B, out, in]} with one weight per sample of the batch, which the layer then applies as a batched
     * matrix product. With the per-sample weight {@code W + D}, where {@code D} is a zero tensor that requires
     * gradients, one backward pass leaves sample b's gradient with respect to {@code W} in slice b of {@code D}'s
     * gradient, because only sample b reads {@code D[b]}.
     * Any other shape makes the forward pass throw an {@link IllegalStateException}. Arrays that the resolver computes
     * should live in {@code stepManager} (the manager of the forward pass's {@code sample}), which the caller closes
     * after each step; DJL puts an operation's result in its first operand's manager, so an expression that starts
     * from a long-lived parameter needs {@link NDArray#attach(NDManager)} or {@link NDArray#tempAttach(NDManager)}.
     *
     * @param modulePath  the diffusers module path of the Linear layer
     * @param storedWeight the weight held by the model
     * @param stepManager the manager that owns this forward pass's activations
     */
    NDArray resolve(String modulePath, NDArray storedWeight, NDManager stepManager);

    /** Returns the resolver that applies every stored weight unchanged. */
    static LinearWeightResolver stored() {
        return (modulePath, storedWeight, stepManager) -> storedWeight;
    }
}
