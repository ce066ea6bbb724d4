package dev.pairstream.erasure.pretrain;

import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.optim.AdamWOptions;
import dev.pairstream.erasure.schedule.SchedulerConfig;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import java.util.Objects;

/**
 * Every hyper-parameter and seed of a base-model training run. Two runs with equal configs, data and PyTorch thread
 * counts take the same steps with the same batches.
 *
 * @param unet                     the denoiser architecture
 * @param scheduler                the DDPM noise schedule the loss samples timesteps from
 * @param steps                    optimizer steps of the whole run; the learning-rate schedule spans them
 * @param batchSize                pictures per step
 * @param learningRate             peak learning rate, reached after the warm-up
 * @param warmupSteps              steps of linear warm-up from 0 to the peak
 * @param minLearningRateRatio     the cosine decay ends at this fraction of the peak, in [0, 1]
 * @param optimizer                AdamW's betas, epsilon and weight decay; the decay skips biases and normalization
 *                                 parameters
 * @param maxGradientNorm          the global gradient norm is clipped to this value
 * @param emaDecay                 decay of the moving average of the weights that sampling and the export use
 * @param emaWarmup                whether early EMA updates use the smaller decay {@code (1 + n) / (10 + n)}
 * @param unconditionalProbability share of captions replaced by the empty prompt, which teaches the unconditional
 *                                 prediction that classifier-free guidance needs
 * @param captionsPerScene         size of each scene's fixed pool of training captions, each encoded once per run
 * @param maxTokens                text tokens per caption, {@code [CLS]} and {@code [SEP]} included; longer captions
 *                                 are cut, so this must cover the longest caption to keep colour and position words
 * @param dataSeed                 seed of the batch order, caption choice, dropped captions, timesteps and noise
 * @param initSeed                 seed of the initial weights
 * @param checkpointEvery          steps between checkpoints
 * @param keepCheckpoints          how many of the newest checkpoints are kept
 * @param logEvery                 steps between progress lines
 * @param minSnrGamma              0 for the plain mean squared error, or the SNR cap of Min-SNR-gamma loss weighting
 *                                 (see {@link dev.pairstream.erasure.schedule.NoiseSchedule#minSnrWeight})
 */
public record BaseModelTrainingConfig(
        UNet2DConditionConfig unet,
        SchedulerConfig scheduler,
        int steps,
        int batchSize,
        double learningRate,
        int warmupSteps,
        double minLearningRateRatio,
        AdamWOptions optimizer,
        double maxGradientNorm,
        double emaDecay,
        boolean emaWarmup,
        double unconditionalProbability,
        int captionsPerScene,
        int maxTokens,
        long dataSeed,
        long initSeed,
        int checkpointEvery,
        int keepCheckpoints,
        int logEvery,
        double minSnrGamma) {

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the first invalid field, its value and the accepted range
     */
    public BaseModelTrainingConfig {
        Objects.requireNonNull(unet, "unet");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(optimizer, "optimizer");
        requireAtLeast(steps, 1, "steps");
        requireAtLeast(batchSize, 1, "batchSize");
        require(learningRate > 0 && Double.isFinite(learningRate), "learningRate", learningRate,
                "a finite number > 0");
        requireAtLeast(warmupSteps, 0, "warmupSteps");
        require(minLearningRateRatio >= 0 && minLearningRateRatio <= 1, "minLearningRateRatio",
                minLearningRateRatio, "a number in [0, 1]");
        require(maxGradientNorm > 0 && Double.isFinite(maxGradientNorm), "maxGradientNorm", maxGradientNorm,
                "a finite number > 0");
        require(emaDecay >= 0 && emaDecay < 1, "emaDecay", emaDecay, "a number in [0, 1)");
        require(unconditionalProbability >= 0 && unconditionalProbability < 1, "unconditionalProbability",
                unconditionalProbability, "a number in [0, 1)");
        requireAtLeast(captionsPerScene, 1, "captionsPerScene");
        require(maxTokens >= 2 && maxTokens <= MiniLmTextEncoder.MAX_POSITIONS, "maxTokens", maxTokens,
                "an integer from 2 ([CLS] and [SEP]) to " + MiniLmTextEncoder.MAX_POSITIONS);
        requireAtLeast(checkpointEvery, 1, "checkpointEvery");
        requireAtLeast(keepCheckpoints, 1, "keepCheckpoints");
        requireAtLeast(logEvery, 1, "logEvery");
        require(minSnrGamma >= 0 && Double.isFinite(minSnrGamma), "minSnrGamma", minSnrGamma,
                "0 (off) or a finite number > 0");
        require(unet.inChannels() == 3 && unet.outChannels() == 3, "unet", "in_channels " + unet.inChannels()
                + ", out_channels " + unet.outChannels(), "3 and 3, because the model denoises RGB pixels");
        require(unet.crossAttentionDim() == MiniLmTextEncoder.HIDDEN_SIZE, "unet.cross_attention_dim",
                unet.crossAttentionDim(), MiniLmTextEncoder.HIDDEN_SIZE + ", the hidden size of all-MiniLM-L6-v2");
    }

    /**
     * Returns the settings for the emoji-world base model: {@link UNet2DConditionConfig#emojiWorld()} with DDPM's
     * linear schedule, velocity prediction and Min-SNR-5 loss weighting, batch 32, AdamW at 1e-3 with 200 warm-up
     * steps and cosine decay to a tenth, EMA 0.999 and 32-token captions.
     *
     * <p>Min-SNR-5 loss weighting: with the plain mean squared error, the model drew the prompted safe-anchor emoji in
     * only 82.7% of held-out pictures (bar 85%). Weighting each picture's loss by min(SNR, 5) / (SNR + 1) gives the
     * nearly clean timesteps less weight, and the same 5,500 steps reach 93.3% (models/emoji-world-base/MODEL_CARD.md).
     *
     * <p>Velocity rather than noise prediction: a 7,000-step run with noise prediction denoised forward-noised
     * pictures well up to t = 500 but never learned the colour and layout that DDIM decides at higher noise levels,
     * so its samples missed their prompts (docs/limitations.md).
     *
     * <p>NOTE: the step count is an estimate of what fits the 90-minute training budget on two CPU cores; the base
     * evaluation decides whether it is enough.
     */
    public static BaseModelTrainingConfig emojiWorld() {
        return builder().build();
    }

    /** Returns a builder that starts from the emoji-world settings. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder that starts from this config. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Returns the learning rate of step {@code step} (counted from 0): linear warm-up to the peak, then cosine decay
     * to {@code minLearningRateRatio} times the peak at the last step.
     */
    public double learningRateAt(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("Invalid step " + step + "; expected 0 or more");
        }
        if (step < warmupSteps) {
            return learningRate * (step + 1) / warmupSteps;
        }
        long decaySteps = Math.max(1, steps - warmupSteps - 1);
        double progress = Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
        double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
        return learningRate * (minLearningRateRatio + (1 - minLearningRateRatio) * cosine);
    }

    /** Returns whether a run with {@code other} may resume a checkpoint of this one: only the cadence may differ. */
    public boolean isResumableAs(BaseModelTrainingConfig other) {
        return withCadenceOf(other).equals(other);
    }

    private BaseModelTrainingConfig withCadenceOf(BaseModelTrainingConfig other) {
        return toBuilder().checkpointEvery(other.checkpointEvery).keepCheckpoints(other.keepCheckpoints)
                .logEvery(other.logEvery).build();
    }

    private static void requireAtLeast(long value, long minimum, String field) {
        require(value >= minimum, field, value, "an integer >= " + minimum);
    }

    private static void require(boolean valid, String field, Object value, String expected) {
        if (!valid) {
            throw new IllegalArgumentException("Invalid training config field " + field + ": " + value
                    + "; expected " + expected);
        }
    }

    /** Builds a {@link BaseModelTrainingConfig}; every field starts at the emoji-world setting. */
    public static final class Builder {

        private UNet2DConditionConfig unet = UNet2DConditionConfig.emojiWorld();
        private SchedulerConfig scheduler = SchedulerConfig.ddpmLinear().withPredictionType(SchedulerConfig.V_PREDICTION);
        private int steps = 5500;
        private int batchSize = 32;
        private double learningRate = 1e-3;
        private int warmupSteps = 200;
        private double minLearningRateRatio = 0.1;
        private AdamWOptions optimizer = new AdamWOptions(0.9, 0.999, 1e-8, 0.01);
        private double maxGradientNorm = 1.0;
        private double emaDecay = 0.999;
        private boolean emaWarmup = true;
        private double unconditionalProbability = 0.1;
        private int captionsPerScene = 4;
        private int maxTokens = 32;
        private long dataSeed = 20_240_601L;
        private long initSeed = 7L;
        private int checkpointEvery = 250;
        private int keepCheckpoints = 2;
        private int logEvery = 25;
        private double minSnrGamma = 5.0;

        private Builder() {
        }

        private Builder(BaseModelTrainingConfig config) {
            unet = config.unet;
            scheduler = config.scheduler;
            steps = config.steps;
            batchSize = config.batchSize;
            learningRate = config.learningRate;
            warmupSteps = config.warmupSteps;
            minLearningRateRatio = config.minLearningRateRatio;
            optimizer = config.optimizer;
            maxGradientNorm = config.maxGradientNorm;
            emaDecay = config.emaDecay;
            emaWarmup = config.emaWarmup;
            unconditionalProbability = config.unconditionalProbability;
            captionsPerScene = config.captionsPerScene;
            maxTokens = config.maxTokens;
            dataSeed = config.dataSeed;
            initSeed = config.initSeed;
            checkpointEvery = config.checkpointEvery;
            keepCheckpoints = config.keepCheckpoints;
            logEvery = config.logEvery;
            minSnrGamma = config.minSnrGamma;
        }

        /** Sets the denoiser architecture. */
        public Builder unet(UNet2DConditionConfig unet) {
            this.unet = unet;
            return this;
        }

        /** Sets the noise schedule. */
        public Builder scheduler(SchedulerConfig scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** Sets the optimizer steps of the whole run. */
        public Builder steps(int steps) {
            this.steps = steps;
            return this;
        }

        /** Sets the pictures per step. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Sets the peak learning rate. */
        public Builder learningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /** Sets the steps of linear warm-up. */
        public Builder warmupSteps(int warmupSteps) {
            this.warmupSteps = warmupSteps;
            return this;
        }

        /** Sets the fraction of the peak learning rate that the cosine decay ends at. */
        public Builder minLearningRateRatio(double minLearningRateRatio) {
            this.minLearningRateRatio = minLearningRateRatio;
            return this;
        }

        /** Sets AdamW's betas, epsilon and weight decay. */
        public Builder optimizer(AdamWOptions optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        /** Sets the global gradient-norm limit. */
        public Builder maxGradientNorm(double maxGradientNorm) {
            this.maxGradientNorm = maxGradientNorm;
            return this;
        }

        /** Sets the decay of the weights' moving average. */
        public Builder emaDecay(double emaDecay) {
            this.emaDecay = emaDecay;
            return this;
        }

        /** Sets whether early EMA updates use a smaller decay. */
        public Builder emaWarmup(boolean emaWarmup) {
            this.emaWarmup = emaWarmup;
            return this;
        }

        /** Sets the share of captions replaced by the empty prompt. */
        public Builder unconditionalProbability(double unconditionalProbability) {
            this.unconditionalProbability = unconditionalProbability;
            return this;
        }

        /** Sets the size of each scene's caption pool. */
        public Builder captionsPerScene(int captionsPerScene) {
            this.captionsPerScene = captionsPerScene;
            return this;
        }

        /** Sets the text tokens per caption. */
        public Builder maxTokens(int maxTokens) {
            this.maxTokens = maxTokens;
            return this;
        }

        /** Sets the seed of batches, captions, timesteps and noise. */
        public Builder dataSeed(long dataSeed) {
            this.dataSeed = dataSeed;
            return this;
        }

        /** Sets the seed of the initial weights. */
        public Builder initSeed(long initSeed) {
            this.initSeed = initSeed;
            return this;
        }

        /** Sets the steps between checkpoints. */
        public Builder checkpointEvery(int checkpointEvery) {
            this.checkpointEvery = checkpointEvery;
            return this;
        }

        /** Sets how many of the newest checkpoints are kept. */
        public Builder keepCheckpoints(int keepCheckpoints) {
            this.keepCheckpoints = keepCheckpoints;
            return this;
        }

        /** Sets the steps between progress lines. */
        public Builder logEvery(int logEvery) {
            this.logEvery = logEvery;
            return this;
        }

        /** Sets the SNR cap of Min-SNR-gamma loss weighting, or 0 for the plain mean squared error. */
        public Builder minSnrGamma(double minSnrGamma) {
            this.minSnrGamma = minSnrGamma;
            return this;
        }

        /**
         * Builds the config.
         *
         * @throws IllegalArgumentException naming the first invalid field
         */
        public BaseModelTrainingConfig build() {
            return new BaseModelTrainingConfig(unet, scheduler, steps, batchSize, learningRate, warmupSteps,
                    minLearningRateRatio, optimizer, maxGradientNorm, emaDecay, emaWarmup, unconditionalProbability,
                    captionsPerScene, maxTokens, dataSeed, initSeed, checkpointEvery, keepCheckpoints, logEvery,
                    minSnrGamma);
        }
    }
}
