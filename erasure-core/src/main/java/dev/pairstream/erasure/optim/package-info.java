/**
 * Optimisation over named float32 arrays: AdamW with decoupled weight decay, global gradient-norm clipping and an
 * exponential moving average of the weights. Base-model training and adapter training share them.
 */
package dev.pairstream.erasure.optim;
