package dev.pairstream.erasure.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pairstream.erasure.model.ParameterSpec;
import dev.pairstream.erasure.model.SafetensorsFile;
import dev.pairstream.erasure.model.UNetParameterLayout;
import dev.pairstream.erasure.optim.ExponentialMovingAverage;
import dev.pairstream.erasure.pipeline.ModelFolder;
import dev.pairstream.erasure.pipeline.TextEncoderSettings;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turns a training checkpoint into a model folder that {@code TextToImagePipeline} loads, with its moving average. */
public final class BaseModelExport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private BaseModelExport() {
    }

    /**
     * Writes the moving-average weights of a checkpoint as a model folder (see {@link ModelFolder}), with a
     * {@code provenance.json} that records the steps, seeds, wall time, catalog version and hyper-parameters.
     * Any folder at {@code modelDirectory} is replaced once the new one is complete.
     *
     * @param checkpoint     a checkpoint folder of a run, such as {@link BaseModelTrainer#latestCheckpoint}
     * @param modelDirectory the model folder to write, such as {@code models/emoji-world-base}
     * @return the provenance that was written
     * @throws IOException when the checkpoint is incomplete or invalid, or writing fails
     */
    public static Map<String, Object> export(Path checkpoint, Path modelDirectory) throws IOException {
        TrainerState state = BaseModelTrainer.readState(checkpoint);
        BaseModelTrainingConfig config = state.config();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (ParameterSpec spec : UNetParameterLayout.of(config.unet()).parameters()) {
            shapes.put(spec.name(), spec.shape());
        }
        Map<String, Object> provenance = provenance(checkpoint, state);
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager()) {
            Path averages = BaseModelTrainer.emaFolder(checkpoint).resolve(ExponentialMovingAverage.STATE_FILE);
            Map<String, NDArray> weights = SafetensorsFile.readFloat32(averages, shapes, manager);
            ModelFolder.write(modelDirectory, config.unet(), weights, config.scheduler(),
                    TextEncoderSettings.miniLm(config.maxTokens()), provenance);
        }
        return provenance;
    }

    private static Map<String, Object> provenance(Path checkpoint, TrainerState state) {
        BaseModelTrainingConfig config = state.config();
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("model", "emoji-world base text-to-image model");
        provenance.put("weights", "exponential moving average of the training weights (decay "
                + config.emaDecay() + ")");
        provenance.put("steps", state.step());
        provenance.put("totalSteps", config.steps());
        provenance.put("completed", state.step() >= config.steps());
        provenance.put("batchSize", config.batchSize());
        provenance.put("dataSeed", config.dataSeed());
        provenance.put("initSeed", config.initSeed());
        provenance.put("wallSeconds", Math.round(state.wallSeconds() * 10) / 10.0);
        provenance.put("catalogVersion", state.catalogVersion());
        provenance.put("dataDigest", state.dataDigest());
        provenance.put("finalSmoothedLoss", state.smoothedLoss());
        provenance.put("lossCurve", state.lossCurve());
        provenance.put("checkpoint", checkpoint.toAbsolutePath().toString());
        provenance.put("exportedAt", Instant.now().toString());
        provenance.put("javaVersion", Runtime.version().toString());
        provenance.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        provenance.put("trainingConfig", JSON.valueToTree(config));
        return provenance;
    }
}
