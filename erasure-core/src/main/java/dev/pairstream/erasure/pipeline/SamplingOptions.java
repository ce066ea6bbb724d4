package dev.pairstream.erasure.pipeline;

/**
 * Sampling settings of {@link TextToImagePipeline}.
 *
 * @param inferenceSteps DDIM denoising steps, 1 to {@value #MAX_INFERENCE_STEPS}
 * @param guidanceScale  classifier-free guidance scale, 1 (no guidance) or more
 * @param batchSize      pictures denoised together; a picture depends on its prompt, seed and this value
 */
public record SamplingOptions(int inferenceSteps, float guidanceScale, int batchSize) {

    /** The most DDIM steps a call may take. */
    public static final int MAX_INFERENCE_STEPS = 50;
    /** Default DDIM steps. */
    public static final int DEFAULT_INFERENCE_STEPS = 25;
    /** Default guidance scale. */
    public static final float DEFAULT_GUIDANCE_SCALE = 3f;
    /** Default pictures per batch. */
    public static final int DEFAULT_BATCH_SIZE = 16;

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the invalid field, its value and the accepted range
     */
    public SamplingOptions {
        if (inferenceSteps < 1 || inferenceSteps > MAX_INFERENCE_STEPS) {
            throw new IllegalArgumentException("Invalid inference steps " + inferenceSteps + "; expected 1 to "
                    + MAX_INFERENCE_STEPS);
        }
        if (!(guidanceScale >= 1f) || Float.isInfinite(guidanceScale)) {
            throw new IllegalArgumentException("Invalid guidance scale " + guidanceScale
                    + "; expected a finite number >= 1");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("Invalid batch size " + batchSize + "; expected at least 1");
        }
    }

    /** Returns 25 DDIM steps, guidance 3 and batches of 16. */
    public static SamplingOptions defaults() {
        return new SamplingOptions(DEFAULT_INFERENCE_STEPS, DEFAULT_GUIDANCE_SCALE, DEFAULT_BATCH_SIZE);
    }

    /** Returns a copy with another step count. */
    public SamplingOptions withInferenceSteps(int steps) {
        return new SamplingOptions(steps, guidanceScale, batchSize);
    }

    /** Returns a copy with another guidance scale. */
    public SamplingOptions withGuidanceScale(float scale) {
        return new SamplingOptions(inferenceSteps, scale, batchSize);
    }

    /** Returns a copy with another batch size. */
    public SamplingOptions withBatchSize(int size) {
        return new SamplingOptions(inferenceSteps, guidanceScale, size);
    }
}
