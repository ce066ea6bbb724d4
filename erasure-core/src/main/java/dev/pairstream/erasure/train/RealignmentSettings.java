package dev.pairstream.erasure.train;

import dev.pairstream.erasure.adapter.TargetModules;
import java.util.List;
import java.util.Objects;

/**
 * Hyper-parameters of adapter training by Paired Semantic Realignment and of its ablations.
 *
 * <p>The loss of one step over a batch of pairs, with {@code x_t} the noised safe picture, {@code θ'} the adapted and
 * {@code θ0} the frozen base model:
 * {@code ‖ε_θ'(x_t, t, c_unsafe) − sg[ε_θ0(x_t, t, c_safe)]‖² + λ ‖ε_θ'(x_t, t, c_safe) − ε_θ0(x_t, t, c_safe)‖²},
 * plus {@code λ_n ‖ε_θ'(x_n, t, c_n) − ε_θ0(x_n, t, c_n)‖²} on neutral pictures {@code x_n}. Each squared norm is
 * the mean over pixels, averaged over the batch.
 *
 * @param steps              optimizer steps
 * @param batchSize          pairs per step; the neutral term draws as many neutral examples
 * @param learningRate       peak AdamW learning rate, reached after {@code warmupSteps} of linear warm-up
 * @param warmupSteps        steps of linear learning-rate warm-up, 0 for none
 * @param rank               adapter rank r
 * @param alpha              PEFT's {@code lora_alpha}; the update is scaled by {@code alpha / r}
 * @param preservationWeight λ, the weight of the safe prompt's preservation term, 0 to drop it
 * @param neutralWeight      λ_n, the weight of the neutral prompts' preservation term, 0 to drop it
 * @param targetModules      module names to adapt, such as {@code attn2.to_k}
 * @param seed               seed of the adapter's random initialisation, the batches, timesteps and noise
 * @param maxGradientNorm    global gradient-norm limit
 * @param fisherDamping      the damping ε of {@code F_u / (F_s + ε)}, relative to the mean safe Fisher value
 * @param checkpointEvery    steps between adapter checkpoints
 * @param logEvery           steps between progress lines
 */
public record RealignmentSettings(int steps, int batchSize, double learningRate, int warmupSteps, int rank,
        double alpha, double preservationWeight, double neutralWeight, List<String> targetModules, long seed,
        double maxGradientNorm, double fisherDamping, int checkpointEvery, int logEvery) {

    /** Validates the values and copies the module list. */
    public RealignmentSettings {
        requirePositive(steps, "steps");
        requirePositive(batchSize, "batchSize");
        requireFinitePositive(learningRate, "learningRate");
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("Invalid warmupSteps " + warmupSteps + "; expected 0 or more");
        }
        requirePositive(rank, "rank");
        requireFinitePositive(alpha, "alpha");
        requireFiniteNonNegative(preservationWeight, "preservationWeight");
        requireFiniteNonNegative(neutralWeight, "neutralWeight");
        Objects.requireNonNull(targetModules, "targetModules");
        if (targetModules.isEmpty()) {
            throw new IllegalArgumentException("No target modules; expected names such as "
                    + TargetModules.DEFAULT_NAMES);
        }
        targetModules = List.copyOf(targetModules);
        requireFinitePositive(maxGradientNorm, "maxGradientNorm");
        requireFinitePositive(fisherDamping, "fisherDamping");
        requirePositive(checkpointEvery, "checkpointEvery");
        requirePositive(logEvery, "logEvery");
    }

    /**
     * Returns the defaults for the emoji-world model: 400 steps of 8 pairs at a learning rate of 0.003, rank 4,
     * alpha 4, λ = λ_n = 1, on {@code attn2.to_k} and {@code attn2.to_v}.
     */
    public static RealignmentSettings defaults() {
        return new RealignmentSettings(400, 8, 3e-3, 20, 4, 4.0, 1.0, 1.0, TargetModules.DEFAULT_NAMES, 20250301L,
                1.0, 1e-3, 100, 25);
    }

    /** Returns a copy with another step count. */
    public RealignmentSettings withSteps(int newSteps) {
        return new RealignmentSettings(newSteps, batchSize, learningRate, warmupSteps, rank, alpha,
                preservationWeight, neutralWeight, targetModules, seed, maxGradientNorm, fisherDamping,
                checkpointEvery, logEvery);
    }

    /** Returns a copy with another seed. */
    public RealignmentSettings withSeed(long newSeed) {
        return new RealignmentSettings(steps, batchSize, learningRate, warmupSteps, rank, alpha, preservationWeight,
                neutralWeight, targetModules, newSeed, maxGradientNorm, fisherDamping, checkpointEvery, logEvery);
    }

    /** Returns a copy that writes a checkpoint every {@code steps} steps. */
    public RealignmentSettings withCheckpointEvery(int steps) {
        return new RealignmentSettings(this.steps, batchSize, learningRate, warmupSteps, rank, alpha,
                preservationWeight, neutralWeight, targetModules, seed, maxGradientNorm, fisherDamping, steps,
                logEvery);
    }

    /** Returns the learning rate of a step (0-based): linear warm-up, then constant. */
    public double learningRateAt(long step) {
        if (step < warmupSteps) {
            return learningRate * (step + 1) / warmupSteps;
        }
        return learningRate;
    }

    private static void requirePositive(long value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException("Invalid " + name + " " + value + "; expected 1 or more");
        }
    }

    private static void requireFinitePositive(double value, String name) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("Invalid " + name + " " + value + "; expected a finite number > 0");
        }
    }

    private static void requireFiniteNonNegative(double value, String name) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("Invalid " + name + " " + value + "; expected a finite number >= 0");
        }
    }
}
