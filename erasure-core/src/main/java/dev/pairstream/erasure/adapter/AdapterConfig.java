package dev.pairstream.erasure.adapter;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The settings of a low-rank adapter, as PEFT's {@code LoraConfig} stores them in {@code adapter_config.json}.
 *
 * <p>The update of a layer is {@code scaling * B * A} with {@code scaling = alpha / rank} (PEFT without rsLoRA). The
 * target modules follow PEFT's list form: a module is adapted when its path equals a name or ends with
 * {@code "." + name}, so {@code attn2.to_k} selects every cross-attention key projection and {@code to_k} selects the
 * self-attention ones too.
 *
 * @param rank                the rank r of {@code A [r, in]} and {@code B [out, r]}, 1 or more
 * @param alpha               PEFT's {@code lora_alpha}, a finite number greater than 0
 * @param useDora             whether the layers are DoRA layers with a magnitude vector, else plain LoRA
 * @param targetModules       the module names or full module paths to adapt, at least one
 * @param baseModelNameOrPath PEFT's {@code base_model_name_or_path}, or null when unknown
 * @param provenance          free-form string facts about how the adapter was made, written under
 *                            {@value PeftAdapterFiles#PROVENANCE_KEY}; null means none
 */
public record AdapterConfig(int rank, double alpha, boolean useDora, List<String> targetModules,
        String baseModelNameOrPath, Map<String, String> provenance) {

    /** Validates the values and copies the collections. */
    public AdapterConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("Invalid adapter rank " + rank + "; expected 1 or more");
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("Invalid lora_alpha " + alpha + "; expected a finite number > 0");
        }
        Objects.requireNonNull(targetModules, "targetModules");
        if (targetModules.isEmpty()) {
            throw new IllegalArgumentException("No target modules; expected names such as "
                    + TargetModules.DEFAULT_NAMES);
        }
        for (String name : targetModules) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("Invalid target module name '" + name + "' in " + targetModules
                        + "; expected non-blank names such as attn2.to_k");
            }
        }
        targetModules = List.copyOf(targetModules);
        provenance = provenance == null ? Map.of() : copyInOrder(provenance);
    }

    /** Creates a DoRA config on the default targets ({@code attn2.to_k}, {@code attn2.to_v}). */
    public static AdapterConfig dora(int rank, double alpha, String baseModelNameOrPath) {
        return new AdapterConfig(rank, alpha, true, TargetModules.DEFAULT_NAMES, baseModelNameOrPath, Map.of());
    }

    /** Creates a plain LoRA config on the default targets ({@code attn2.to_k}, {@code attn2.to_v}). */
    public static AdapterConfig lora(int rank, double alpha, String baseModelNameOrPath) {
        return new AdapterConfig(rank, alpha, false, TargetModules.DEFAULT_NAMES, baseModelNameOrPath, Map.of());
    }

    /** Returns the factor {@code alpha / rank} that multiplies {@code B * A}. */
    public double scaling() {
        return alpha / rank;
    }

    /** Returns a copy with the given rank and alpha. */
    public AdapterConfig withRankAndAlpha(int newRank, double newAlpha) {
        return new AdapterConfig(newRank, newAlpha, useDora, targetModules, baseModelNameOrPath, provenance);
    }

    /** Returns a copy with {@code entries} added to the provenance, replacing entries of the same key. */
    public AdapterConfig withProvenance(Map<String, String> entries) {
        Map<String, String> merged = new LinkedHashMap<>(provenance);
        merged.putAll(entries);
        return new AdapterConfig(rank, alpha, useDora, targetModules, baseModelNameOrPath, merged);
    }

    private static Map<String, String> copyInOrder(Map<String, String> source) {
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : source.entrySet()) {
            if (entry.getKey() == null || entry.getValue() == null) {
                throw new IllegalArgumentException("Provenance entries must have a non-null key and value, got "
                        + entry.getKey() + "=" + entry.getValue());
            }
            copy.put(entry.getKey(), entry.getValue());
        }
        return Collections.unmodifiableMap(copy);
    }
}
