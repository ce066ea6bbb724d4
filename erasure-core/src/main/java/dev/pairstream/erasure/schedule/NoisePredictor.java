package dev.pairstream.erasure.schedule;

import ai.djl.ndarray.NDArray;

/**
 * A denoiser that predicts the noise in a noised sample, or its velocity when the model's schedule sets
 * {@code v_prediction}, such as the UNet with or without an adapter.
 */
@FunctionalInterface
public interface NoisePredictor {

    /**
     * Predicts the noise eps in {@code sample}, or the velocity v for a {@code v_prediction} model.
     *
     * @param sample {@code [B, C, H, W]} noised samples
     * @param timesteps {@code [B]} diffusion step of each sample
     * @param context {@code [B, T, D]} text context
     * @param contextMask {@code [B, T]} 1 for real tokens, 0 for padding
     * @return {@code [B, C, H, W]} predicted noise or velocity, in the manager of {@code sample}
     */
    NDArray predictNoise(NDArray sample, NDArray timesteps, NDArray context, NDArray contextMask);
}
