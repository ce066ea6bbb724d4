/**
 * Training of the emoji-world base model from scratch: pre-rendered scenes with captions, the DDPM noise-prediction
 * loss, AdamW with an exponential moving average, resumable checkpoints and a diffusers-style export.
 */
package dev.pairstream.erasure.pretrain;
