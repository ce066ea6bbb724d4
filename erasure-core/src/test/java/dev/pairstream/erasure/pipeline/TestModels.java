package dev.pairstream.erasure.pipeline;

import ai.djl.ndarray.NDManager;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.pretrain.TinyWorld;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.schedule.SchedulerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Writes small model folders with seeded random weights for pipeline tests. */
public final class TestModels {

    private TestModels() {
    }

    /** Writes a model folder with the tiny 32-pixel UNet initialized from {@code seed}. */
    public static void writeTinyModel(Path directory, long seed) throws IOException {
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager();
                UNet2DConditionModel unet = UNet2DConditionModel.initialize(TinyWorld.unet(), manager, seed)) {
            ModelFolder.write(directory, unet.config(), unet.weights().asMap(), SchedulerConfig.ddpmLinear(),
                    TextEncoderSettings.miniLm(32), Map.of("purpose", "test model with random weights"));
        }
    }
}
