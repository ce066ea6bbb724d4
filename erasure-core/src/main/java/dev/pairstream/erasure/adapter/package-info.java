/**
 * Low-rank adapters on Linear layers (DoRA, with LoRA as its ablation), their merge into base weights, and PEFT
 * file layout ({@code adapter_model.safetensors}, {@code adapter_config.json}). {@link
 * dev.pairstream.erasure.adapter.FidoraInitializer} starts the factors from Fisher-weighted singular vectors instead
 * of the standard random initialization, and {@link dev.pairstream.erasure.adapter.TargetModules} selects the layers.
 */
package dev.pairstream.erasure.adapter;
