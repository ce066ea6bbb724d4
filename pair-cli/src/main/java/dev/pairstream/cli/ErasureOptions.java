package dev.pairstream.cli;

import dev.pairstream.erasure.adapter.TargetModules;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.eval.ErasureEvaluation;
import dev.pairstream.erasure.eval.ErasureEvaluationOptions;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import dev.pairstream.erasure.train.RealignmentSettings;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The options that {@code ./pair erase} and {@code ./pair compare} share: model, data, training and evaluation. */
final class ErasureOptions {

    @Option(names = "--model", defaultValue = "models/emoji-world-base",
            description = "Base model folder (default: ${DEFAULT-VALUE}).")
    Path modelDirectory;

    @Option(names = "--detector", defaultValue = "models/concept-detector",
            description = "Concept detector folder (default: ${DEFAULT-VALUE}).")
    Path detectorDirectory;

    @Option(names = "--data-dir", defaultValue = ".pair/data/emoji",
            description = "Folder prepared by ./pair data, for the clean renders of the Fréchet distance"
                    + " (default: ${DEFAULT-VALUE}).")
    Path dataDirectory;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--category", description = "Erase every unsafe concept of a moderation category, such as"
                + " violence.")
        String category;

        @Option(names = "--concepts", split = ",", description = "Erase these unsafe concept ids, comma-separated.")
        List<String> concepts;
    }

    @Option(names = "--pairs-per-concept", defaultValue = "16",
            description = "Training pairs per concept (default: ${DEFAULT-VALUE}).")
    int pairsPerConcept;

    @Option(names = "--neutral", defaultValue = "32",
            description = "Neutral training prompts to preserve (default: ${DEFAULT-VALUE}).")
    int neutralExamples;

    @Option(names = "--data-seed", defaultValue = "20250301",
            description = "Seed of the training pairs' scenes, captions and noise (default: ${DEFAULT-VALUE}).")
    long dataSeed;

    @Option(names = "--steps", defaultValue = "400", description = "Training steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch-size", defaultValue = "8", description = "Pairs per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--learning-rate", defaultValue = "0.003",
            description = "AdamW learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--rank", defaultValue = "4", description = "Adapter rank (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--alpha", defaultValue = "4", description = "Adapter lora_alpha (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--lambda", defaultValue = "1.0",
            description = "Weight of the safe-prompt preservation term (default: ${DEFAULT-VALUE}).")
    double preservationWeight;

    @Option(names = "--neutral-weight", defaultValue = "1.0",
            description = "Weight of the neutral-prompt preservation term (default: ${DEFAULT-VALUE}).")
    double neutralWeight;

    @Option(names = "--targets", split = ",", defaultValue = "attn2.to_k,attn2.to_v",
            description = "Module names to adapt, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> targets;

    @Option(names = "--seed", defaultValue = "20250302",
            description = "Seed of the adapter's initialisation, batches, timesteps and noise"
                    + " (default: ${DEFAULT-VALUE}).")
    long trainingSeed;

    @Option(names = "--eval-prompts", defaultValue = "20",
            description = "Evaluation prompts per concept, for training-style and for held-out prompts each"
                    + " (default: ${DEFAULT-VALUE}).")
    int evalPrompts;

    @Option(names = "--eval-neutral", defaultValue = "48",
            description = "Neutral evaluation prompts (default: ${DEFAULT-VALUE}).")
    int evalNeutral;

    @Option(names = "--eval-seed", defaultValue = "20250401",
            description = "Seed of the evaluation prompts and noise (default: ${DEFAULT-VALUE}).")
    long evalSeed;

    @Option(names = "--sampling-steps", defaultValue = "25",
            description = "DDIM steps of every picture, 1 to 50 (default: ${DEFAULT-VALUE}).")
    int samplingSteps;

    @Option(names = "--guidance", defaultValue = "3.0",
            description = "Classifier-free guidance scale (default: ${DEFAULT-VALUE}).")
    float guidance;

    @Option(names = "--threads", defaultValue = "2",
            description = "PyTorch intra-op threads, unless -Dai.djl.pytorch.num_threads is set"
                    + " (default: ${DEFAULT-VALUE}).")
    int threads;

    /** Returns the concept ids the options select. */
    List<String> concepts(ConceptCatalog catalog) {
        return target.category != null ? ErasureEvaluation.conceptsOfCategory(catalog, target.category)
                : List.copyOf(target.concepts);
    }

    /** Returns a short label of the target for folder names and Fisher keys. */
    String label() {
        return target.category != null ? target.category : String.join("+", target.concepts);
    }

    RealignmentSettings settings() {
        return new RealignmentSettings(steps, batchSize, learningRate, Math.min(20, steps / 10), rank, alpha,
                preservationWeight, neutralWeight, targets.isEmpty() ? TargetModules.DEFAULT_NAMES : targets,
                trainingSeed, 1.0, 1e-3, Math.max(1, steps / 4), Math.max(1, steps / 20));
    }

    SamplingOptions sampling() {
        return new SamplingOptions(samplingSteps, guidance, 32);
    }

    ErasureEvaluationOptions evaluation() {
        return new ErasureEvaluationOptions(evalPrompts, evalPrompts, evalNeutral, 12, evalSeed, sampling());
    }
}
