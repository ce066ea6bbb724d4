package dev.pairstream.generator;

import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.artifact.ArtifactStore;
import dev.pairstream.erasure.emoji.PictureCodec;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Renders pairs with the base model's {@link TextToImagePipeline}: the unsafe and the safe prompt of a pair sit next
 * to each other in one generate call with the same seed, so both start from the same initial noise, and the pictures
 * of several pairs share the forward passes.
 *
 * <p>Calls are serialized because the pipeline is not thread-safe. The caller owns and closes the pipeline.
 */
public final class PipelinePictureRenderer implements PictureRenderer {

    /** Media type of the stored pictures. */
    public static final String PNG = "image/png";

    private final TextToImagePipeline pipeline;
    private final ArtifactStore store;
    private final SamplingOptions options;

    /** Creates a renderer that stores the PNGs of {@code pipeline} in {@code store}. */
    public PipelinePictureRenderer(TextToImagePipeline pipeline, ArtifactStore store, SamplingOptions options) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.store = Objects.requireNonNull(store, "store");
        this.options = Objects.requireNonNull(options, "options");
    }

    @Override
    public synchronized List<RenderedPair> render(List<RenderRequest> requests) throws IOException {
        if (requests.isEmpty()) {
            return List.of();
        }
        List<String> prompts = new ArrayList<>(2 * requests.size());
        long[] seeds = new long[2 * requests.size()];
        for (int i = 0; i < requests.size(); i++) {
            RenderRequest request = requests.get(i);
            prompts.add(request.unsafePrompt());
            prompts.add(request.safePrompt());
            seeds[2 * i] = request.seed();
            seeds[2 * i + 1] = request.seed();
        }
        List<float[]> pictures = pipeline.generate(prompts, seeds, options);
        int size = pipeline.pictureSize();
        List<RenderedPair> rendered = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            ArtifactRef unsafe = store.put(PictureCodec.toPng(pictures.get(2 * i), size, size), PNG);
            ArtifactRef safe = store.put(PictureCodec.toPng(pictures.get(2 * i + 1), size, size), PNG);
            rendered.add(new RenderedPair(unsafe, safe));
        }
        return rendered;
    }
}
