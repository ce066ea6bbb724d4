package dev.pairstream.erasure.schedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;

/**
 * Deterministic DDIM sampling (eta = 0) with classifier-free guidance.
 *
 * <p>Each step estimates the clean sample x0 = (x_t - sqrt(1 - a_t) eps) / sqrt(a_t) and moves to
 * x_prev = sqrt(a_prev) x0 + sqrt(1 - a_prev) eps (Song et al. 2021, "Denoising Diffusion Implicit Models",
 * eq. 12 with sigma = 0), where a is the cumulative alpha of {@link NoiseSchedule}. A model trained with
 * {@code v_prediction} has its velocity converted to x0 and eps first. Guidance mixes the
 * unconditional and conditional predictions as eps_u + g (eps_c - eps_u) (Ho and Salimans 2022).
 */
public final class DdimSampler {

    private final NoiseSchedule schedule;

    public DdimSampler(NoiseSchedule schedule) {
        this.schedule = schedule;
    }

    /** Returns the noise schedule the sampler steps through. */
    public NoiseSchedule schedule() {
        return schedule;
    }

    /**
     * Returns the inference timesteps, from noisiest to cleanest, spaced as diffusers' "leading" spacing:
     * {@code i * (T / steps) + steps_offset} for i = steps-1 .. 0.
     */
    public int[] timesteps(int inferenceSteps) {
        int trainSteps = schedule.numTrainTimesteps();
        if (inferenceSteps < 1 || inferenceSteps > trainSteps) {
            throw new IllegalArgumentException("inference steps must be in [1, " + trainSteps + "] but was "
                    + inferenceSteps);
        }
        int stepRatio = trainSteps / inferenceSteps;
        int[] timesteps = new int[inferenceSteps];
        for (int i = 0; i < inferenceSteps; i++) {
            timesteps[i] = Math.min((inferenceSteps - 1 - i) * stepRatio + schedule.config().stepsOffset(),
                    trainSteps - 1);
        }
        return timesteps;
    }

    /**
     * Draws the initial noise of a batch: sample i gets standard normal values from {@code new Random(seeds[i])},
     * so a picture depends only on its own seed, not on the batch it was drawn in, and is the same in every JVM
     * ({@link Random#nextGaussian()} is specified exactly).
     *
     * @param sampleShape the shape of one sample, {@code [C, H, W]}
     * @return {@code [B, C, H, W]} noise
     */
    public static NDArray initialNoise(NDManager manager, Shape sampleShape, long[] seeds) {
        int perSample = Math.toIntExact(sampleShape.size());
        float[] values = new float[perSample * seeds.length];
        for (int i = 0; i < seeds.length; i++) {
            Random random = new Random(seeds[i]);
            for (int j = 0; j < perSample; j++) {
                values[i * perSample + j] = (float) random.nextGaussian();
            }
        }
        long[] dims = new long[sampleShape.dimension() + 1];
        dims[0] = seeds.length;
        System.arraycopy(sampleShape.getShape(), 0, dims, 1, sampleShape.dimension());
        return manager.create(values, new Shape(dims));
    }

    /**
     * Denoises {@code initialNoise} in {@code inferenceSteps} DDIM steps.
     *
     * @param model the denoiser
     * @param initialNoise {@code [B, C, H, W]} starting noise, see {@link #initialNoise}
     * @param context {@code [B, T, D]} conditional text context
     * @param contextMask {@code [B, T]} its mask
     * @param unconditionalContext {@code [B, T, D]} context of the empty prompt; ignored when guidance is 1
     * @param unconditionalMask {@code [B, T]} its mask
     * @param inferenceSteps number of denoising steps
     * @param guidanceScale classifier-free guidance scale g; 1 means no guidance
     * @return {@code [B, C, H, W]} samples, attached to the manager of {@code initialNoise}
     */
    public NDArray sample(NoisePredictor model, NDArray initialNoise, NDArray context, NDArray contextMask,
            NDArray unconditionalContext, NDArray unconditionalMask, int inferenceSteps, float guidanceScale) {
        if (!(guidanceScale >= 1f) || Float.isInfinite(guidanceScale)) {
            throw new IllegalArgumentException("guidance scale must be a finite number >= 1 but was " + guidanceScale);
        }
        NDManager outer = initialNoise.getManager();
        long batch = initialNoise.getShape().get(0);
        boolean guided = guidanceScale != 1f;

        // Unconditional and conditional halves run as one batch of 2B: [uncond; cond].
        NDArray stepContext = guided ? NDArrays.concat(new NDList(unconditionalContext, context)) : context;
        NDArray stepMask = guided ? NDArrays.concat(new NDList(unconditionalMask, contextMask)) : contextMask;

        int[] timesteps = timesteps(inferenceSteps);
        NDArray latent = initialNoise.duplicate();
        for (int i = 0; i < timesteps.length; i++) {
            int t = timesteps[i];
            int previous = i + 1 < timesteps.length ? timesteps[i + 1] : -1;
            try (NDManager scope = outer.newSubManager()) {
                // Results of an op live in the manager of its first operand, so moving the latent into the scope
                // keeps every temporary of this step there; only the next latent is moved back out.
                latent.attach(scope);
                long modelBatch = guided ? 2 * batch : batch;
                NDArray modelInput = guided ? NDArrays.concat(new NDList(latent, latent)) : latent;
                NDArray timestepArray = scope.full(new Shape(modelBatch), t, DataType.INT64);
                NDArray noise = model.predictNoise(modelInput, timestepArray, stepContext, stepMask);
                if (guided) {
                    NDArray unconditional = noise.get("0:" + batch);
                    NDArray conditional = noise.get(batch + ":");
                    noise = unconditional.add(conditional.sub(unconditional).mul(guidanceScale));
                }
                NDArray next = step(noise, t, previous, latent);
                next.attach(outer);
                latent = next;
            }
        }
        if (guided) {
            stepContext.close();
            stepMask.close();
        }
        return latent;
    }

    /**
     * Takes one DDIM step from {@code timestep} to {@code previousTimestep} (-1 for the final step).
     *
     * @param modelOutput the denoiser's prediction: the noise, or the velocity when the schedule's
     *                    {@code prediction_type} is {@code v_prediction}
     * @return {@code [B, C, H, W]} the sample at the previous step, in the manager of {@code sample}
     */
    public NDArray step(NDArray modelOutput, int timestep, int previousTimestep, NDArray sample) {
        double alphaBar = schedule.alphaCumprod(timestep);
        double previousAlphaBar = previousTimestep >= 0 ? schedule.alphaCumprod(previousTimestep)
                : schedule.config().setAlphaToOne() ? 1.0 : schedule.alphaCumprod(0);

        float signal = (float) Math.sqrt(alphaBar);
        float noiseLevel = (float) Math.sqrt(1 - alphaBar);
        NDArray cleanEstimate;
        NDArray noise;
        if (schedule.config().predictsVelocity()) {
            // x_t = s x0 + n eps and v = s eps - n x0 with s^2 + n^2 = 1 give x0 = s x_t - n v and eps = n x_t + s v.
            cleanEstimate = sample.mul(signal).sub(modelOutput.mul(noiseLevel));
            noise = sample.mul(noiseLevel).add(modelOutput.mul(signal));
        } else {
            cleanEstimate = sample.sub(modelOutput.mul(noiseLevel)).div(signal);
            noise = modelOutput;
        }
        if (schedule.config().clipSample()) {
            // The noise is derived again from the clipped estimate, as diffusers does with
            // use_clipped_model_output=True. Keeping the unclipped noise would leave the clipped-off part of an
            // overshooting estimate in it with the opposite sign: with strong guidance, that drove every step toward
            // the negative of the picture.
            cleanEstimate = cleanEstimate.clip(-1f, 1f);
            noise = sample.sub(cleanEstimate.mul(signal)).div(noiseLevel);
        }
        NDArray direction = noise.mul((float) Math.sqrt(1 - previousAlphaBar));
        return cleanEstimate.mul((float) Math.sqrt(previousAlphaBar)).add(direction);
    }
}
