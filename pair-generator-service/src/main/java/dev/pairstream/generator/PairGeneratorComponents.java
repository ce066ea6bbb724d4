package dev.pairstream.generator;

import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.pairing.ConceptMatcher;
import dev.pairstream.erasure.pairing.SafeCounterpartWriter;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Loads the catalog, the sentence encoder and, in render mode, the base model, and builds the {@link PairGenerator}
 * over them; releases the native resources at shutdown.
 */
@ApplicationScoped
public class PairGeneratorComponents {

    private static final Logger LOG = Logger.getLogger(PairGeneratorComponents.class);

    private final PairGeneratorConfig config;
    private final MeterRegistry registry;
    private MiniLmTextEncoder encoder;
    private TextToImagePipeline pipeline;
    private PairGenerator generator;

    @Inject
    public PairGeneratorComponents(PairGeneratorConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    /**
     * Returns the generator, loading its parts on the first call.
     *
     * @throws IllegalStateException when the configuration requests something this build lacks or a file is invalid
     */
    public synchronized PairGenerator generator() {
        if (generator == null) {
            try {
                generator = load();
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }
        return generator;
    }

    private PairGenerator load() {
        if (config.llmRewriter().enabled()) {
            throw new IllegalStateException("pair.generator.llm-rewriter.enabled=true, but the LLM rewriter is not"
                    + " implemented yet; set it to false to use the minimal-edit rewriter");
        }
        ConceptCatalog catalog = loadCatalog();
        encoder = MiniLmTextEncoder.builder().variant(config.sentenceEncoder())
                .intraOpThreads(config.encoderThreads()).sentenceWorkers(config.encoderWorkers()).build();
        ConceptMatcher matcher = new ConceptMatcher(catalog, encoder, config.similarityThreshold());
        SafePromptRewriter rewriter = new MinimalEditRewriter(new SafeCounterpartWriter(matcher, encoder));
        FlaggedPromptReader reader = new FlaggedPromptReader(config.maxPromptChars(), catalog.categories(),
                catalog.version());
        Optional<PictureRenderer> renderer = Optional.empty();
        if (config.mode() == PairGeneratorConfig.Mode.RENDER) {
            renderer = Optional.of(loadRenderer());
        }
        LOG.infof("Pair generator ready: catalog %s, mode %s, base model %s, other base models %s, max prompt %d"
                + " chars, sentence encoder %s, similarity threshold %.3f", catalog.version(), config.mode(),
                config.baseModelId(), config.otherBaseModels(), config.maxPromptChars(), config.sentenceEncoder(),
                config.similarityThreshold());
        return new PairGenerator(reader, rewriter, renderer, catalog.version(), config.baseModelId(),
                config.otherBaseModels() == PairGeneratorConfig.OtherBaseModels.TEXT_ONLY,
                PairGeneratorTopics.SERVICE_NAME, config.consumer().groupId(), new PairGeneratorMetrics(registry),
                Clock.systemUTC());
    }

    private ConceptCatalog loadCatalog() {
        if (config.catalog().isEmpty()) {
            return ConceptCatalog.loadDefault();
        }
        Path file = config.catalog().get();
        try {
            return ConceptCatalog.load(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to read the concept catalog " + file.toAbsolutePath()
                    + " (pair.generator.catalog)", e);
        }
    }

    private PictureRenderer loadRenderer() {
        PairGeneratorConfig.Render render = config.render();
        SamplingOptions options = new SamplingOptions(render.inferenceSteps(), render.guidanceScale(),
                render.batchSize());
        Path folder = config.modelFolder();
        try {
            pipeline = TextToImagePipeline.load(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to load the base model from " + folder.toAbsolutePath()
                    + " (pair.generator.model-folder); export the model there or set pair.generator.mode=text-only",
                    e);
        }
        FileSystemArtifactStore store = new FileSystemArtifactStore(config.artifactStore());
        LOG.infof("Rendering %dx%d pictures with %s: %d steps, guidance %.1f, %d pictures per pass, PNGs in %s",
                pipeline.pictureSize(), pipeline.pictureSize(), folder, options.inferenceSteps(),
                options.guidanceScale(), options.batchSize(), config.artifactStore());
        return new PipelinePictureRenderer(pipeline, store, options);
    }

    @PreDestroy
    synchronized void close() {
        try {
            if (pipeline != null) {
                pipeline.close();
            }
        } finally {
            pipeline = null;
            if (encoder != null) {
                encoder.close();
            }
            encoder = null;
        }
    }
}
