package dev.pairstream.fisher;

import dev.pairstream.erasure.fisher.PairFisher;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The base model that the fisher-service estimates on, loaded from its model folder, and the {@link PairFisher} over
 * its target modules. Closing it releases the model.
 */
public final class FisherModel implements AutoCloseable {

    private final TextToImagePipeline pipeline;
    private final PairFisher fisher;

    private FisherModel(TextToImagePipeline pipeline, PairFisher fisher) {
        this.pipeline = pipeline;
        this.fisher = fisher;
    }

    /**
     * Loads the model.
     *
     * @param targetModules the Linear modules to estimate, or empty for every cross-attention to_k and to_v
     * @throws IOException              when the model folder cannot be read
     * @throws IllegalArgumentException when a target module is not a Linear layer of the model
     */
    public static FisherModel load(Path modelFolder, Optional<List<String>> targetModules, long seed)
            throws IOException {
        TextToImagePipeline pipeline = TextToImagePipeline.load(modelFolder);
        try {
            List<String> modules = targetModules.filter(list -> !list.isEmpty())
                    .orElseGet(() -> pipeline.unet().layout().crossAttentionKeyValuePaths());
            PairFisher fisher = new PairFisher(pipeline.unet(), pipeline.noiseSchedule(), pipeline.textEncoder(),
                    modules, seed);
            return new FisherModel(pipeline, fisher);
        } catch (RuntimeException e) {
            pipeline.close();
            throw e;
        }
    }

    /** Returns the estimator. */
    public PairFisher fisher() {
        return fisher;
    }

    /** Returns the text-to-image model, for rendering pairs in benchmarks. */
    public TextToImagePipeline pipeline() {
        return pipeline;
    }

    /** Returns the side of the model's square pictures, in pixels. */
    public int pictureSide() {
        return pipeline.pictureSize();
    }

    @Override
    public void close() {
        pipeline.close();
    }
}
