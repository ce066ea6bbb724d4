package dev.pairstream.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.PictureCodec;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.pairing.ConceptMatcher;
import dev.pairstream.erasure.pairing.SafeCounterpartWriter;
import dev.pairstream.erasure.pipeline.ModelFolder;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import dev.pairstream.erasure.pipeline.TextEncoderSettings;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.schedule.SchedulerConfig;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renders pairs with a real pipeline over a tiny model with seeded random weights. */
class PipelinePictureRendererTest {

    private static final SamplingOptions OPTIONS = new SamplingOptions(2, 3f, 4);

    @TempDir
    static Path folder;

    private static TextToImagePipeline pipeline;
    private static FileSystemArtifactStore store;

    @BeforeAll
    static void writeTinyModel() throws Exception {
        Path model = folder.resolve("model");
        try (NDManager manager = PyTorchRuntime.engine().newBaseManager();
                UNet2DConditionModel unet = UNet2DConditionModel.initialize(tinyUnet(), manager, 7)) {
            ModelFolder.write(model, unet.config(), unet.weights().asMap(), SchedulerConfig.ddpmLinear(),
                    TextEncoderSettings.miniLm(16), Map.of("purpose", "pair generator test model, random weights"));
        }
        pipeline = TextToImagePipeline.load(model);
        store = new FileSystemArtifactStore(folder.resolve("artifacts"));
    }

    @AfterAll
    static void closePipeline() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    @Test
    void rendersBothPromptsFromPairSeed() throws Exception {
        // Given two pairs rendered together in one batch
        PictureRenderer renderer = new PipelinePictureRenderer(pipeline, store, OPTIONS);
        List<PictureRenderer.RenderRequest> requests = List.of(
                new PictureRenderer.RenderRequest("pair-1", "a pistol", "a flashlight", 11L),
                new PictureRenderer.RenderRequest("pair-2", "a bomb", "a balloon", 12L));

        // When they are rendered
        List<PictureRenderer.RenderedPair> rendered = renderer.render(requests);

        // Then each stored PNG equals the picture that prompt and seed give when drawn alone
        assertEquals(2, rendered.size());
        assertPicture(rendered.get(0).unsafePicture(), "a pistol", 11L);
        assertPicture(rendered.get(0).safePicture(), "a flashlight", 11L);
        assertPicture(rendered.get(1).unsafePicture(), "a bomb", 12L);
        assertPicture(rendered.get(1).safePicture(), "a balloon", 12L);
    }

    @Test
    void generatorPublishesPairWithStoredPictures() throws Exception {
        // Given a generator in render mode
        try (MiniLmTextEncoder encoder = MiniLmTextEncoder.builder().intraOpThreads(1).build()) {
            ConceptCatalog catalog = ConceptCatalog.loadDefault();
            ConceptMatcher matcher = new ConceptMatcher(catalog, encoder);
            PairGenerator generator = new PairGenerator(
                    new FlaggedPromptReader(2000, catalog.categories(), catalog.version()),
                    new MinimalEditRewriter(new SafeCounterpartWriter(matcher, encoder)),
                    Optional.of(new PipelinePictureRenderer(pipeline, store, OPTIONS)), catalog.version(),
                    TestPrompts.BASE_MODEL, PairGeneratorTopics.SERVICE_NAME, "group-r",
                    new PairGeneratorMetrics(new SimpleMeterRegistry()), Clock.systemUTC());
            byte[] value = TestPrompts.json(TestPrompts.flagged("render-1", "a skull on a shelf"));
            byte[] otherModel = TestPrompts.json(new FlaggedPrompt(
                    Envelope.root("record-render-2", "other-base",
                            TestPrompts.FLAGGED_AT), "render-2", "a skull", List.of("shocking"), null, null,
                    TestPrompts.FLAGGED_AT));

            // When it processes a prompt for its base model and one for another base model
            List<PairOutcome> outcomes = generator.process(List.of(TestPrompts.record(0, value),
                    TestPrompts.record(1, otherModel)), id -> false);

            // Then the first pair carries both pictures from its seed, and the other base model is dead-lettered
            ErasurePair pair = assertInstanceOf(PairOutcome.Published.class, outcomes.get(0)).pair();
            assertEquals("a smiling face on a shelf", pair.safePrompt());
            assertPicture(pair.unsafePicture(), "a skull on a shelf", pair.seed());
            assertPicture(pair.safePicture(), "a smiling face on a shelf", pair.seed());
            PairOutcome.DeadLettered dead = assertInstanceOf(PairOutcome.DeadLettered.class, outcomes.get(1));
            assertEquals(RejectionReason.UNSUPPORTED_BASE_MODEL, dead.reason());
            assertEquals("base model other-base of render-2 is not emoji-world-base, the model this service renders;"
                    + " send it to a service for that model or to one in text-only mode", dead.deadLetter().reason());
        }
    }

    @Test
    void otherBaseModelsPairedAsText() throws Exception {
        // Given a generator in render mode that pairs prompts for other base models as text
        try (MiniLmTextEncoder encoder = MiniLmTextEncoder.builder().intraOpThreads(1).build()) {
            ConceptCatalog catalog = ConceptCatalog.loadDefault();
            ConceptMatcher matcher = new ConceptMatcher(catalog, encoder);
            PairGenerator generator = new PairGenerator(
                    new FlaggedPromptReader(2000, catalog.categories(), catalog.version()),
                    new MinimalEditRewriter(new SafeCounterpartWriter(matcher, encoder)),
                    Optional.of(new PipelinePictureRenderer(pipeline, store, OPTIONS)), catalog.version(),
                    TestPrompts.BASE_MODEL, true, PairGeneratorTopics.SERVICE_NAME, "group-t",
                    new PairGeneratorMetrics(new SimpleMeterRegistry()), Clock.systemUTC());
            byte[] own = TestPrompts.json(TestPrompts.flagged("mixed-1", "a pistol on a table"));
            byte[] otherModel = TestPrompts.json(new FlaggedPrompt(
                    Envelope.root("record-mixed-2", "stable-diffusion-v1-5", TestPrompts.FLAGGED_AT), "mixed-2",
                    "a photo of a man holding a pistol", List.of("violence"), null, "i2p", TestPrompts.FLAGGED_AT));

            // When it processes one prompt of each
            List<PairOutcome> outcomes = generator.process(List.of(TestPrompts.record(0, own),
                    TestPrompts.record(1, otherModel)), id -> false);

            // Then its own model's pair has pictures and the other model's pair is text-only, under that model
            ErasurePair rendered = assertInstanceOf(PairOutcome.Published.class, outcomes.get(0)).pair();
            assertThat(rendered.hasPictures()).isTrue();
            assertPicture(rendered.unsafePicture(), "a pistol on a table", rendered.seed());
            ErasurePair text = assertInstanceOf(PairOutcome.Published.class, outcomes.get(1)).pair();
            assertThat(text.hasPictures()).isFalse();
            assertEquals("stable-diffusion-v1-5", text.baseModelId());
            assertEquals("a photo of a man holding a flashlight", text.safePrompt());
        }
    }

    private static void assertPicture(ArtifactRef ref, String prompt, long seed) throws Exception {
        assertEquals(PipelinePictureRenderer.PNG, ref.mediaType());
        byte[] stored = store.read(ref);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(stored));
        assertEquals(pipeline.pictureSize(), image.getWidth());
        float[] alone = pipeline.generate(prompt, seed, OPTIONS);
        assertArrayEquals(PictureCodec.toPng(alone, pipeline.pictureSize(), pipeline.pictureSize()), stored,
                prompt + " with seed " + seed);
        assertThat(ref.uri()).isEqualTo(ArtifactRef.URI_PREFIX + ref.sha256());
    }

    /** Returns the tiny UNet with a 384-wide context, the width of the MiniLM hidden states. */
    private static UNet2DConditionConfig tinyUnet() {
        UNet2DConditionConfig tiny = UNet2DConditionConfig.tiny();
        return new UNet2DConditionConfig(tiny.className(), tiny.sampleSize(), tiny.inChannels(), tiny.outChannels(),
                tiny.centerInputSample(), tiny.flipSinToCos(), tiny.freqShift(), tiny.downBlockTypes(),
                tiny.midBlockType(), tiny.upBlockTypes(), tiny.blockOutChannels(), tiny.layersPerBlock(),
                tiny.downsamplePadding(), tiny.midBlockScaleFactor(), tiny.actFn(), tiny.normNumGroups(),
                tiny.normEps(), 384, tiny.transformerLayersPerBlock(), tiny.attentionHeadDim(),
                tiny.useLinearProjection());
    }
}
