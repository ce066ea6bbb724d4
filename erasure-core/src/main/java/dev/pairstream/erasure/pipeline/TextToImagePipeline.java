package dev.pairstream.erasure.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.emoji.PictureCodec;
import dev.pairstream.erasure.model.LinearWeightResolver;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.schedule.DdimSampler;
import dev.pairstream.erasure.schedule.NoiseSchedule;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import dev.pairstream.erasure.text.TextContextBatch;
import dev.pairstream.erasure.text.TextEncoder;
import dev.pairstream.erasure.text.TextEncoding;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates pictures from prompts with a model folder: the prompts go through the folder's text encoder, and DDIM
 * denoises seeded noise with classifier-free guidance.
 *
 * <p>A picture depends only on the model, its prompt, its seed, the sampling options and the PyTorch thread count:
 * the same inputs give bit-identical pictures in one JVM and across JVMs on the same machine. Pictures come back as
 * CHW float arrays in [-1, 1], the layout of {@link PictureCodec}.
 *
 * <p>Not thread-safe: generate from one thread at a time.
 */
public final class TextToImagePipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TextToImagePipeline.class);

    private final ModelFolder folder;
    private final NDManager root;
    private final UNet2DConditionModel unet;
    private final MiniLmTextEncoder encoder;
    private final DdimSampler sampler;

    private TextToImagePipeline(ModelFolder folder, NDManager root, UNet2DConditionModel unet,
            MiniLmTextEncoder encoder) {
        this.folder = folder;
        this.root = root;
        this.unet = unet;
        this.encoder = encoder;
        this.sampler = new DdimSampler(new NoiseSchedule(folder.scheduler()));
    }

    /**
     * Loads a model folder written by the base-model export (see {@link ModelFolder}).
     *
     * @throws java.nio.file.NoSuchFileException when the folder or one of its files does not exist
     * @throws IOException                       when a file is invalid
     */
    public static TextToImagePipeline load(Path modelDirectory) throws IOException {
        ModelFolder folder = ModelFolder.read(modelDirectory);
        NDManager root = PyTorchRuntime.engine().newBaseManager();
        UNet2DConditionModel unet = null;
        try {
            unet = folder.loadUnet(root);
            MiniLmTextEncoder encoder = folder.textEncoder().createEncoder(1);
            LOG.info("Loaded the text-to-image model {} ({}x{} pixels, {} text tokens)", modelDirectory,
                    folder.unet().sampleSize(), folder.unet().sampleSize(), folder.textEncoder().maxTokens());
            return new TextToImagePipeline(folder, root, unet, encoder);
        } catch (IOException | RuntimeException e) {
            if (unet != null) {
                unet.close();
            }
            root.close();
            throw e;
        }
    }

    /** Returns the model folder. */
    public ModelFolder folder() {
        return folder;
    }

    /** Returns the denoiser, for callers that wrap it with adapters. */
    public UNet2DConditionModel unet() {
        return unet;
    }

    /** Returns the text encoder, for callers that train on the model's own prompts. */
    public TextEncoder textEncoder() {
        return encoder;
    }

    /** Returns the noise schedule the model was trained with. */
    public NoiseSchedule noiseSchedule() {
        return sampler.schedule();
    }

    /** Returns the picture width and height in pixels, the UNet's sample size. */
    public int pictureSize() {
        return folder.unet().sampleSize();
    }

    /** Generates one picture; see {@link #generate(List, long[], SamplingOptions)}. */
    public float[] generate(String prompt, long seed, SamplingOptions options) {
        return generate(List.of(prompt), new long[] {seed}, options).get(0);
    }

    /**
     * Generates one picture per prompt, prompt {@code i} from the noise of {@code seeds[i]}, with the stored weights.
     *
     * @return CHW pictures in [-1, 1], one per prompt, in order
     * @throws IllegalArgumentException when the counts differ, the list is empty or a prompt is null
     */
    public List<float[]> generate(List<String> prompts, long[] seeds, SamplingOptions options) {
        return generate(prompts, seeds, options, LinearWeightResolver.stored());
    }

    /**
     * Generates pictures as {@link #generate(List, long[], SamplingOptions)} does, with each Linear layer's weight
     * supplied by {@code resolver}, such as one that merges an adapter.
     */
    public List<float[]> generate(List<String> prompts, long[] seeds, SamplingOptions options,
            LinearWeightResolver resolver) {
        Objects.requireNonNull(prompts, "prompts");
        Objects.requireNonNull(seeds, "seeds");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(resolver, "resolver");
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("No prompts to generate from; expected at least one");
        }
        if (prompts.size() != seeds.length) {
            throw new IllegalArgumentException("Got " + prompts.size() + " prompts but " + seeds.length
                    + " seeds; expected one seed per prompt");
        }
        for (int i = 0; i < prompts.size(); i++) {
            if (prompts.get(i) == null) {
                throw new IllegalArgumentException("prompts[" + i + "] is null; use \"\" for an unconditional"
                        + " picture");
            }
        }
        List<float[]> pictures = new ArrayList<>(prompts.size());
        for (int start = 0; start < prompts.size(); start += options.batchSize()) {
            int end = Math.min(prompts.size(), start + options.batchSize());
            long[] chunkSeeds = new long[end - start];
            System.arraycopy(seeds, start, chunkSeeds, 0, chunkSeeds.length);
            pictures.addAll(generateBatch(prompts.subList(start, end), chunkSeeds, options, resolver));
        }
        return Collections.unmodifiableList(pictures);
    }

    private List<float[]> generateBatch(List<String> prompts, long[] seeds, SamplingOptions options,
            LinearWeightResolver resolver) {
        UNet2DConditionConfig config = folder.unet();
        int size = config.sampleSize();
        int tokens = folder.textEncoder().maxTokens();
        try (NDManager scope = root.newSubManager()) {
            List<TextEncoding> conditional = encoder.encodeBatch(prompts);
            List<TextEncoding> unconditional = Collections.nCopies(prompts.size(), encoder.unconditional());
            TextContextBatch context = TextContextBatch.pad(conditional, tokens, scope);
            TextContextBatch emptyContext = TextContextBatch.pad(unconditional, tokens, scope);
            NDArray noise = DdimSampler.initialNoise(scope, new Shape(config.inChannels(), size, size), seeds);
            NDArray samples = sampler.sample(
                    (sample, timesteps, stepContext, stepMask) ->
                            unet.forward(sample, timesteps, stepContext, stepMask, resolver),
                    noise, context.context(), context.attentionMask(), emptyContext.context(),
                    emptyContext.attentionMask(), options.inferenceSteps(), options.guidanceScale());
            float[] values = samples.clip(-1f, 1f).toFloatArray();
            int perPicture = config.outChannels() * size * size;
            List<float[]> pictures = new ArrayList<>(prompts.size());
            for (int i = 0; i < prompts.size(); i++) {
                float[] picture = new float[perPicture];
                System.arraycopy(values, i * perPicture, picture, 0, perPicture);
                pictures.add(picture);
            }
            return pictures;
        }
    }

    /** Writes a picture of this model's size as a PNG file, creating the parent folder when needed. */
    public void writePng(float[] picture, Path file) throws IOException {
        PictureCodec.writePng(PictureCodec.toImage(picture, pictureSize(), pictureSize()), file);
    }

    /** Writes pictures of this model's size as one PNG grid, each enlarged {@code scale} times. */
    public void writeGrid(List<float[]> pictures, int columns, int scale, Path file) throws IOException {
        PictureGrid.write(pictures, pictureSize(), pictureSize(), columns, scale, file);
    }

    /** Releases the text encoder and the weights. */
    @Override
    public void close() {
        try {
            encoder.close();
        } finally {
            try {
                unet.close();
            } finally {
                root.close();
            }
        }
    }
}
