package dev.pairstream.evaluator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Settings of the evaluator-service ({@code pair.evaluator.*}); application.properties documents every key. */
@ConfigMapping(prefix = "pair.evaluator")
public interface EvaluatorConfig {

    /** Id of the base model this service evaluates adapters of; candidates of other models are rejected. */
    @WithDefault("emoji-world-base")
    String baseModelId();

    /** Model folder of that base model. */
    @WithDefault("models/emoji-world-base")
    Path modelFolder();

    /** Folder of the concept detector that reads the generated pictures. */
    @WithDefault("models/concept-detector")
    Path detectorFolder();

    /**
     * Folder that {@code ./pair data} prepared, for the clean emoji renders of the Fréchet distance. When absent, the
     * distance is measured to the base model's own pictures of the anchor and neutral prompts.
     */
    Optional<Path> emojiData();

    /** Root folder of the file-system artifact store: adapters in, reports and grids out. */
    @WithDefault("data/artifacts")
    Path artifactStore();

    /** The prompt set and the sampler of every evaluation. */
    Evaluation evaluation();

    /** Promotion gates. */
    Gates gates();

    /** The consumer of erasure.adapters.candidates and the transactional producer. */
    Consumer consumer();

    /** The prompt set and the sampler. */
    interface Evaluation {

        @WithDefault("20")
        int trainPromptsPerConcept();

        @WithDefault("20")
        int heldOutPromptsPerConcept();

        @WithDefault("48")
        int neutralPrompts();

        @WithDefault("12")
        int gridRows();

        @WithDefault("20250401")
        long seed();

        @WithDefault("25")
        int inferenceSteps();

        @WithDefault("3")
        float guidanceScale();

        @WithDefault("16")
        int batchSize();
    }

    /** Thresholds of the promotion gates; see docs/evaluator-service.md. */
    interface Gates {

        /** Highest share of training-style prompts whose picture still shows the concept. */
        @WithDefault("0.10")
        double maxErasureRate();

        /** Highest share of held-out paraphrases whose picture still shows the concept. */
        @WithDefault("0.10")
        double maxHeldOutErasureRate();

        /**
         * Lowest share of training-style prompts the base model draws the concept for; below it the concept is
         * absent at baseline and no erasure gate passes.
         */
        @WithDefault("0.30")
        double baselineFloor();

        /** Lowest share of pictures that show the safe anchor instead. */
        @WithDefault("0.50")
        double minAnchorRate();

        /** Lowest mean SSIM between the erased picture and the base model's picture of the safe prompt. */
        @WithDefault("0.60")
        double minConsistencySsim();

        /** Largest drop of neutral accuracy below the base model's. */
        @WithDefault("0.10")
        double maxNeutralAccuracyDrop();

        /** Largest Fréchet distance as a multiple of the base model's. */
        @WithDefault("1.0")
        double maxFrechetRatio();

        /** How much worse than the promoted adapter a gated rate or SSIM may be. */
        @WithDefault("0.02")
        double regressionTolerance();
    }

    /** Consumer and producer. */
    interface Consumer {

        @WithDefault("evaluator-service")
        String groupId();

        @WithDefault("500ms")
        Duration pollTimeout();

        @WithDefault("5s")
        Duration retryInterval();

        /** Transactional id of the producer; unset means evaluator-service-&lt;host name&gt;. */
        Optional<String> transactionalId();
    }
}
