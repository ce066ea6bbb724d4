package dev.pairstream.trainer;

import dev.pairstream.erasure.adapter.TargetModules;
import dev.pairstream.erasure.train.RealignmentSettings;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hyper-parameters of one job, fixed when the job is created and kept in its specification, so that a resumed
 * job trains with exactly the settings it started with.
 */
public record JobSettings(int steps, int batchSize, double learningRate, int rank, double alpha,
        double preservationWeight, double neutralWeight, long seed, int checkpointEvery, int neutralExamples,
        int neutralSamplingSteps) {

    /** Validates the values through {@link RealignmentSettings}. */
    public JobSettings {
        if (neutralExamples < 0 || neutralSamplingSteps < 1) {
            throw new IllegalArgumentException("Invalid neutral examples " + neutralExamples + " or sampling steps "
                    + neutralSamplingSteps + "; expected 0 or more examples and 1 or more steps");
        }
        realignment(steps, batchSize, learningRate, rank, alpha, preservationWeight, neutralWeight, seed,
                checkpointEvery);
    }

    /** Returns the configured defaults. */
    public static JobSettings defaults(TrainerConfig.Training training) {
        return new JobSettings(training.steps(), training.batchSize(), training.learningRate(), training.rank(),
                training.alpha(), training.preservationWeight(), training.neutralWeight(), training.seed(),
                training.checkpointEvery(), training.neutralExamples(), training.neutralSamplingSteps());
    }

    /** Returns these settings with every non-null override applied. */
    public JobSettings with(JobOverrides overrides) {
        if (overrides == null) {
            return this;
        }
        return new JobSettings(pick(overrides.steps(), steps), pick(overrides.batchSize(), batchSize),
                pick(overrides.learningRate(), learningRate), pick(overrides.rank(), rank),
                pick(overrides.alpha(), alpha), pick(overrides.preservationWeight(), preservationWeight),
                pick(overrides.neutralWeight(), neutralWeight), pick(overrides.seed(), seed), checkpointEvery,
                neutralExamples, neutralSamplingSteps);
    }

    /** Returns the erasure-core settings: PAIR's defaults with these values. */
    public RealignmentSettings realignment() {
        return realignment(steps, batchSize, learningRate, rank, alpha, preservationWeight, neutralWeight, seed,
                checkpointEvery);
    }

    /** Returns the hyper-parameters by name, as the candidate's provenance records them. */
    public Map<String, String> asMap() {
        RealignmentSettings settings = realignment();
        Map<String, String> map = new LinkedHashMap<>();
        map.put("steps", Integer.toString(steps));
        map.put("batchSize", Integer.toString(batchSize));
        map.put("learningRate", Double.toString(learningRate));
        map.put("warmupSteps", Integer.toString(settings.warmupSteps()));
        map.put("rank", Integer.toString(rank));
        map.put("alpha", Double.toString(alpha));
        map.put("preservationWeight", Double.toString(preservationWeight));
        map.put("neutralWeight", Double.toString(neutralWeight));
        map.put("targetModules", String.join(",", settings.targetModules()));
        map.put("seed", Long.toString(seed));
        map.put("maxGradientNorm", Double.toString(settings.maxGradientNorm()));
        map.put("fisherDamping", Double.toString(settings.fisherDamping()));
        map.put("neutralExamples", Integer.toString(neutralExamples));
        map.put("neutralSamplingSteps", Integer.toString(neutralSamplingSteps));
        return map;
    }

    private static <T> T pick(T override, T value) {
        return override != null ? override : value;
    }

    private static RealignmentSettings realignment(int steps, int batchSize, double learningRate, int rank,
            double alpha, double preservationWeight, double neutralWeight, long seed, int checkpointEvery) {
        RealignmentSettings defaults = RealignmentSettings.defaults();
        return new RealignmentSettings(steps, batchSize, learningRate, Math.min(defaults.warmupSteps(), steps), rank,
                alpha, preservationWeight, neutralWeight, TargetModules.DEFAULT_NAMES, seed,
                defaults.maxGradientNorm(), defaults.fisherDamping(), checkpointEvery, defaults.logEvery());
    }
}
