/**
 * Diagonal empirical Fisher information of the denoising loss on the adapted layers, kept as a mergeable sum
 * (sample count and the sum of squared per-sample gradients per tensor).
 */
package dev.pairstream.erasure.fisher;
