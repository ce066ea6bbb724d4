package dev.pairstream.generator;

import dev.pairstream.erasure.text.MiniLmTextEncoder;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** Settings of the pair generator ({@code pair.generator.*}); application.properties documents every key. */
@ConfigMapping(prefix = "pair.generator")
public interface PairGeneratorConfig {

    /** Whether the service renders a picture pair for every rewrite or publishes text-only pairs. */
    enum Mode {
        /** Renders the unsafe and the safe prompt with the base model and stores both PNGs. */
        RENDER,
        /** Publishes pairs without pictures, for base models this deployment cannot render. */
        TEXT_ONLY
    }

    /** Rendering or text-only pairs. */
    @WithDefault("render")
    Mode mode();

    /** The handling of a flagged prompt for a base model other than the one a rendering service renders. */
    enum OtherBaseModels {
        /** Sends the record to the dead-letter topic, for deployments where every prompt should be rendered. */
        DEAD_LETTER,
        /** Publishes a text-only pair, as a text-only service would, for models this deployment cannot render. */
        TEXT_ONLY
    }

    /** In render mode, how prompts for other base models are handled; text-only mode pairs every base model. */
    @WithDefault("dead-letter")
    OtherBaseModels otherBaseModels();

    /** Id of the base model that renders the pictures; in render mode other base models are dead-lettered. */
    @WithDefault("emoji-world-base")
    String baseModelId();

    /** Model folder of the base model, as the base-model export writes it; read only in render mode. */
    @WithDefault("models/emoji-world-base")
    Path modelFolder();

    /** Root folder of the file-system artifact store that receives the PNGs. */
    @WithDefault("data/artifacts")
    Path artifactStore();

    /** Concept catalog file; when absent, the catalog built into erasure-core. */
    Optional<Path> catalog();

    /** Maximum prompt length in UTF-16 chars; longer prompts are dead-lettered. */
    @WithDefault("2000")
    int maxPromptChars();

    /** Lowest sentence similarity of a prompt to a concept description that counts as a match. */
    @WithDefault("0.72")
    double similarityThreshold();

    /** ONNX Runtime threads of the MiniLM sentence encoder; 0 lets ONNX Runtime choose. */
    @WithDefault("1")
    int encoderThreads();

    /**
     * Sentence embeddings computed side by side when a batch's prompts have no catalog term and go to the similarity
     * fallback, each with encoder-threads intra-op threads.
     */
    @WithDefault("2")
    int encoderWorkers();

    /**
     * Export of all-MiniLM-L6-v2 that embeds prompts for the similarity fallback and the rewrite similarity:
     * {@code quantized} (int8, about 1.6 times as fast on 2 cores) or {@code full} (float32). Both put the
     * similarity threshold at 0.72 over catalog 1.0.0 (docs/pairing-i2p.md).
     */
    @WithDefault("quantized")
    MiniLmTextEncoder.Variant sentenceEncoder();

    /** Settings of the picture rendering. */
    Render render();

    /** Settings of the Kafka loop. */
    Consumer consumer();

    /** Settings of the optional LLM rewriter. */
    @WithName("llm-rewriter")
    LlmRewriter llmRewriter();

    /** Settings of the picture rendering ({@code pair.generator.render.*}). */
    interface Render {

        /** Denoising steps per picture. */
        @WithDefault("25")
        int inferenceSteps();

        /** Classifier-free guidance scale. */
        @WithDefault("3.0")
        float guidanceScale();

        /** Pictures per forward pass; two per pair, taken across records. */
        @WithDefault("16")
        int batchSize();
    }

    /** Settings of the Kafka loop ({@code pair.generator.consumer.*}). */
    interface Consumer {

        /** Consumer group of the service. */
        @WithDefault("pair-generator-service")
        String groupId();

        /** Transactional id of the producer; when absent, the service name and the host name. */
        Optional<String> transactionalId();

        /**
         * Maximum records one poll returns ({@code max.poll.records}); when absent, 64 when rendering and 256
         * text-only ({@link ConsumerLimits}).
         */
        OptionalInt maxPollRecords();

        /**
         * Maximum records published in one transaction, and so rendered in one batch; when absent, 32 when rendering
         * and 128 text-only ({@link ConsumerLimits}).
         */
        OptionalInt batchSize();

        /**
         * Buffered records at which the consumer pauses its partitions until half of them are done; when absent, 256
         * when rendering and 512 text-only ({@link ConsumerLimits}).
         */
        OptionalInt maxBufferedRecords();

        /** Maximum wait of one poll. */
        @WithDefault("500ms")
        Duration pollTimeout();

        /** Wait before the loop reconnects after a failure it cannot recover from in place. */
        @WithDefault("5s")
        Duration retryInterval();

        /** Pair ids remembered to drop re-delivered prompts; the oldest are forgotten first. */
        @WithDefault("100000")
        int deduplicationCapacity();

        /** Whether the loop starts with the application; tests may start it themselves. */
        @WithDefault("true")
        boolean autoStart();
    }

    /** Settings of the LLM rewriter behind an OpenAI-compatible chat endpoint ({@code pair.generator.llm-rewriter}). */
    interface LlmRewriter {

        /** Whether the LLM rewriter is on. It is not implemented yet, so {@code true} stops the start-up. */
        @WithDefault("false")
        boolean enabled();
    }
}
