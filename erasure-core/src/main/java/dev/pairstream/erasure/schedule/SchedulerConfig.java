package dev.pairstream.erasure.schedule;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Noise schedule settings with the field names of diffusers' {@code scheduler_config.json}, so a model folder
 * written here reads like a diffusers pipeline's {@code scheduler/} folder.
 *
 * @param numTrainTimesteps number of diffusion steps T the model was trained with
 * @param betaStart variance of the first step
 * @param betaEnd variance of the last step
 * @param betaSchedule {@code linear} (DDPM) or {@code scaled_linear} (Stable Diffusion: linear in sqrt(beta))
 * @param predictionType what the model predicts: {@code epsilon}, the added noise, or {@code v_prediction}, the
 *                       velocity v = sqrt(alpha-bar) eps - sqrt(1 - alpha-bar) x0 (Salimans and Ho 2022,
 *                       "Progressive Distillation for Fast Sampling of Diffusion Models", section 4)
 * @param clipSample whether DDIM clips its estimate of the clean sample to [-1, 1], and then derives the noise again
 *                   from the clipped estimate
 * @param setAlphaToOne whether the last DDIM step treats the cumulative alpha before step 0 as 1
 * @param stepsOffset offset added to every DDIM inference timestep (diffusers' {@code steps_offset})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SchedulerConfig(
        @JsonProperty("num_train_timesteps") int numTrainTimesteps,
        @JsonProperty("beta_start") double betaStart,
        @JsonProperty("beta_end") double betaEnd,
        @JsonProperty("beta_schedule") String betaSchedule,
        @JsonProperty("prediction_type") String predictionType,
        @JsonProperty("clip_sample") boolean clipSample,
        @JsonProperty("set_alpha_to_one") boolean setAlphaToOne,
        @JsonProperty("steps_offset") int stepsOffset) {

    /** File name of the scheduler settings inside a model folder. */
    public static final String FILE_NAME = "scheduler_config.json";

    public static final String LINEAR = "linear";
    public static final String SCALED_LINEAR = "scaled_linear";
    public static final String EPSILON = "epsilon";
    public static final String V_PREDICTION = "v_prediction";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public SchedulerConfig {
        if (numTrainTimesteps < 2) {
            throw new IllegalArgumentException("num_train_timesteps must be at least 2 but was " + numTrainTimesteps);
        }
        if (!(betaStart > 0 && betaStart < betaEnd && betaEnd < 1)) {
            throw new IllegalArgumentException("beta_start and beta_end must satisfy 0 < beta_start < beta_end < 1"
                    + " but were " + betaStart + " and " + betaEnd);
        }
        if (!LINEAR.equals(betaSchedule) && !SCALED_LINEAR.equals(betaSchedule)) {
            throw new IllegalArgumentException("beta_schedule must be \"linear\" or \"scaled_linear\" but was \""
                    + betaSchedule + "\"");
        }
        if (!EPSILON.equals(predictionType) && !V_PREDICTION.equals(predictionType)) {
            throw new IllegalArgumentException("prediction_type must be \"epsilon\" or \"v_prediction\" but was \""
                    + predictionType + "\"");
        }
        if (stepsOffset < 0 || stepsOffset >= numTrainTimesteps) {
            throw new IllegalArgumentException("steps_offset must be in [0, " + numTrainTimesteps + ") but was "
                    + stepsOffset);
        }
    }

    /** Returns DDPM's original schedule: 1000 steps, betas linear from 1e-4 to 0.02. */
    public static SchedulerConfig ddpmLinear() {
        return new SchedulerConfig(1000, 1e-4, 0.02, LINEAR, EPSILON, true, true, 0);
    }

    /** Returns this schedule with another {@code prediction_type}. */
    public SchedulerConfig withPredictionType(String type) {
        return new SchedulerConfig(numTrainTimesteps, betaStart, betaEnd, betaSchedule, type, clipSample,
                setAlphaToOne, stepsOffset);
    }

    /** Returns whether the model predicts the velocity v rather than the noise. */
    public boolean predictsVelocity() {
        return V_PREDICTION.equals(predictionType);
    }

    /** Returns Stable Diffusion 1.x's schedule: 1000 steps, sqrt(beta) linear from sqrt(0.00085) to sqrt(0.012). */
    public static SchedulerConfig stableDiffusion() {
        return new SchedulerConfig(1000, 0.00085, 0.012, SCALED_LINEAR, EPSILON, false, false, 1);
    }

    /** Reads {@code scheduler_config.json} from a model folder. */
    public static SchedulerConfig read(Path modelDirectory) {
        Path file = modelDirectory.resolve(FILE_NAME);
        try {
            return JSON.readValue(file.toFile(), SchedulerConfig.class);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("Scheduler config " + file + " not found", e);
        } catch (IOException e) {
            if (!Files.exists(file)) {
                throw new UncheckedIOException("Scheduler config " + file + " not found", e);
            }
            throw new UncheckedIOException("Scheduler config " + file + " is invalid: " + e.getMessage(), e);
        }
    }

    /** Writes {@code scheduler_config.json} into a model folder. */
    public void write(Path modelDirectory) {
        Path file = modelDirectory.resolve(FILE_NAME);
        try {
            Files.createDirectories(modelDirectory);
            JSON.writeValue(file.toFile(), this);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to write scheduler config " + file, e);
        }
    }
}
