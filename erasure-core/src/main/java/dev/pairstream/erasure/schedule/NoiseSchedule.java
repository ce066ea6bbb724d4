package dev.pairstream.erasure.schedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The DDPM forward process: per-step variances beta_t and the cumulative products alpha-bar_t = prod(1 - beta_s),
 * computed in double precision once.
 *
 * <p>Noising a clean sample x0 with noise eps at step t gives x_t = sqrt(alpha-bar_t) x0 + sqrt(1 - alpha-bar_t) eps
 * (Ho et al. 2020, "Denoising Diffusion Probabilistic Models", eq. 4); a model trained with epsilon prediction
 * learns eps from (x_t, t, context).
 */
public final class NoiseSchedule {

    private final SchedulerConfig config;
    private final double[] betas;
    private final double[] alphasCumprod;

    public NoiseSchedule(SchedulerConfig config) {
        this.config = config;
        int steps = config.numTrainTimesteps();
        betas = new double[steps];
        for (int t = 0; t < steps; t++) {
            double fraction = (double) t / (steps - 1);
            if (SchedulerConfig.LINEAR.equals(config.betaSchedule())) {
                betas[t] = config.betaStart() + fraction * (config.betaEnd() - config.betaStart());
            } else {
                double root = Math.sqrt(config.betaStart())
                        + fraction * (Math.sqrt(config.betaEnd()) - Math.sqrt(config.betaStart()));
                betas[t] = root * root;
            }
        }
        alphasCumprod = new double[steps];
        double product = 1.0;
        for (int t = 0; t < steps; t++) {
            product *= 1.0 - betas[t];
            alphasCumprod[t] = product;
        }
    }

    public SchedulerConfig config() {
        return config;
    }

    public int numTrainTimesteps() {
        return betas.length;
    }

    public double beta(int timestep) {
        return betas[checkTimestep(timestep)];
    }

    /** Returns alpha-bar_t, the share of the clean signal's variance left at step t. */
    public double alphaCumprod(int timestep) {
        return alphasCumprod[checkTimestep(timestep)];
    }

    /**
     * Returns the Min-SNR-gamma loss weight of step t. With SNR_t = alpha-bar_t / (1 - alpha-bar_t), the weight is
     * min(SNR_t, gamma) / SNR_t for epsilon prediction and min(SNR_t, gamma) / (SNR_t + 1) for velocity prediction.
     * Either way the loss then weighs the clean-picture error by min(SNR_t, gamma), so the nearly clean steps no
     * longer dominate the gradient.
     *
     * @param gamma the SNR cap, a finite number > 0
     * @throws IllegalArgumentException when gamma is not a finite number > 0 or the step is out of range
     */
    public double minSnrWeight(int timestep, double gamma) {
        if (!(gamma > 0) || !Double.isFinite(gamma)) {
            throw new IllegalArgumentException("Invalid Min-SNR gamma " + gamma + "; expected a finite number > 0");
        }
        double alphaCumprod = alphaCumprod(timestep);
        double snr = alphaCumprod / (1 - alphaCumprod);
        double capped = Math.min(snr, gamma);
        return config.predictsVelocity() ? capped / (snr + 1) : capped / snr;
    }

    /**
     * Noises clean samples to the given steps: x_t = sqrt(alpha-bar_t) x0 + sqrt(1 - alpha-bar_t) eps.
     *
     * @param clean {@code [B, C, H, W]} clean samples
     * @param noise {@code [B, C, H, W]} standard normal noise
     * @param timesteps one step per sample, each in [0, T)
     * @return {@code [B, C, H, W]} noised samples, in the manager of {@code clean}
     */
    public NDArray addNoise(NDArray clean, NDArray noise, int[] timesteps) {
        long batch = clean.getShape().get(0);
        if (timesteps.length != batch || !noise.getShape().equals(clean.getShape())) {
            throw new IllegalArgumentException("addNoise expects one timestep per sample and noise shaped like the"
                    + " clean batch " + clean.getShape() + " but got " + timesteps.length + " timesteps and noise "
                    + noise.getShape());
        }
        return mix(clean, signalScales(timesteps), noise, noiseScales(timesteps));
    }

    /**
     * Returns what the model learns to predict for samples noised by {@link #addNoise}: the noise itself for
     * {@code epsilon}, or the velocity v = sqrt(alpha-bar_t) eps - sqrt(1 - alpha-bar_t) x0 for {@code v_prediction}.
     *
     * <p>Velocity keeps the loss informative at high noise levels: there v is close to -x0, so the model is paid
     * for knowing the clean picture, whereas the noise is close to x_t itself and an error in the picture moves
     * the noise loss only by a factor alpha-bar_t.
     *
     * @return {@code [B, C, H, W]} targets, in the manager of {@code clean}
     */
    public NDArray trainingTarget(NDArray clean, NDArray noise, int[] timesteps) {
        if (!config.predictsVelocity()) {
            return noise.duplicate();
        }
        float[] negativeNoiseScales = noiseScales(timesteps);
        for (int i = 0; i < negativeNoiseScales.length; i++) {
            negativeNoiseScales[i] = -negativeNoiseScales[i];
        }
        return mix(clean, negativeNoiseScales, noise, signalScales(timesteps));
    }

    private float[] signalScales(int[] timesteps) {
        float[] scales = new float[timesteps.length];
        for (int i = 0; i < timesteps.length; i++) {
            scales[i] = (float) Math.sqrt(alphaCumprod(timesteps[i]));
        }
        return scales;
    }

    private float[] noiseScales(int[] timesteps) {
        float[] scales = new float[timesteps.length];
        for (int i = 0; i < timesteps.length; i++) {
            scales[i] = (float) Math.sqrt(1.0 - alphaCumprod(timesteps[i]));
        }
        return scales;
    }

    /** Returns {@code a * aScale + b * bScale} with one scale per sample, in the manager of {@code a}. */
    private static NDArray mix(NDArray a, float[] aScales, NDArray b, float[] bScales) {
        NDManager manager = a.getManager();
        Shape perSample = new Shape(aScales.length, 1, 1, 1);
        return a.mul(manager.create(aScales, perSample)).add(b.mul(manager.create(bScales, perSample)));
    }

    private int checkTimestep(int timestep) {
        if (timestep < 0 || timestep >= betas.length) {
            throw new IllegalArgumentException("timestep must be in [0, " + betas.length + ") but was " + timestep);
        }
        return timestep;
    }
}
