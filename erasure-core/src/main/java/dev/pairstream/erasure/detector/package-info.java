/**
 * The concept detector: a small convolutional classifier that names the emoji a 32x32 picture shows, its
 * penultimate-layer features for perceptual and Fréchet distances, and the seeded, resumable trainer that fits it
 * to augmented renders of the catalog.
 *
 * <p>A trained detector is a folder with {@code config.json} (architecture, class ids, input normalisation,
 * catalog version and training provenance) and {@code model.safetensors} (named float32 tensors).
 */
package dev.pairstream.erasure.detector;
