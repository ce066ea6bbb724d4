package dev.pairstream.trainer;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Hyper-parameters that a job started by hand sets instead of the configured defaults; null keeps the default. */
@Schema(description = "Hyper-parameters that replace the configured defaults; an absent field keeps the default.")
public record JobOverrides(Integer steps, Integer batchSize, Double learningRate, Integer rank, Double alpha,
        Double preservationWeight, Double neutralWeight, Long seed) {
}
