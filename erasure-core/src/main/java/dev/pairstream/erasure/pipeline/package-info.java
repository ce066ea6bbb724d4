/**
 * Text-to-image generation with a trained model folder: prompts through the text encoder, DDIM sampling with
 * classifier-free guidance, and pictures as arrays, PNG files or grids.
 */
package dev.pairstream.erasure.pipeline;
