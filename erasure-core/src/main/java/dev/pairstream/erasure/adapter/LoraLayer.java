package dev.pairstream.erasure.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A LoRA layer (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models"): the weight is
 * {@code W + s * B * A}. In this project it is the ablation of {@link DoraLayer} without the magnitude vector.
 */
public final class LoraLayer extends AdapterLayer {

    /**
     * Creates a layer on the model's stored weight.
     *
     * @param modulePath the diffusers path of the Linear layer
     * @param loraA      {@code A [r, in]}, float32
     * @param loraB      {@code B [out, r]}, float32
     * @param scaling    s, PEFT's {@code lora_alpha / r}
     * @throws IllegalArgumentException when the shapes do not fit together or s is not a finite number > 0
     */
    public LoraLayer(String modulePath, NDArray loraA, NDArray loraB, float scaling) {
        this(modulePath, loraA, loraB, scaling, null);
    }

    LoraLayer(String modulePath, NDArray loraA, NDArray loraB, float scaling, ResidualBase residualBase) {
        super(modulePath, loraA, loraB, scaling, residualBase);
    }

    @Override
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> parameters = new LinkedHashMap<>();
        parameters.put(modulePath() + LORA_A_SUFFIX, loraA());
        parameters.put(modulePath() + LORA_B_SUFFIX, loraB());
        return parameters;
    }

    @Override
    NDArray fromDirection(NDArray direction, NDManager step) {
        return direction;
    }
}
