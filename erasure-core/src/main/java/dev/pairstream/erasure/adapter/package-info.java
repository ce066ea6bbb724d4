/**
 * Low-rank adapters on Linear layers (DoRA, with LoRA as its ablation), their merge into base weights, and PEFT
 * file layout ({@code adapter_model.safetensors}, {@code adapter_config.json}).
 */
package dev.pairstream.erasure.adapter;
