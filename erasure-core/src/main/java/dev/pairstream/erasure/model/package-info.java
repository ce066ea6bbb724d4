/**
 * The text-to-image denoiser: a {@code UNet2DConditionModel} whose config fields, block structure and parameter
 * names follow Hugging Face diffusers, with weights read and written as {@code config.json} plus
 * {@code diffusion_pytorch_model.safetensors}.
 */
package dev.pairstream.erasure.model;
