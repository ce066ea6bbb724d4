package dev.pairstream.generator;

import dev.pairstream.erasure.text.MiniLmTextEncoder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Settings of a pair generator that runs outside Quarkus, such as the ones {@link PairsBenchmark} and
 * {@link PairsEvaluation} drive. Every value not given here is the default of {@code application.properties}.
 *
 * @param mode            text-only, or render with the model in {@code modelFolder}
 * @param modelFolder     base model folder, read in render mode only
 * @param artifactStore   root of the artifact store for the rendered PNGs
 * @param groupId         consumer group of the flagged-prompt consumer
 * @param transactionalId transactional id of its producer
 * @param encoderThreads  ONNX Runtime intra-op threads of the sentence encoder
 * @param encoderWorkers  sentence embeddings the encoder computes side by side
 */
public record EmbeddedGeneratorSettings(Mode mode, Path modelFolder, Path artifactStore, String groupId,
        String transactionalId, int encoderThreads, int encoderWorkers) implements PairGeneratorConfig {

    public EmbeddedGeneratorSettings {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(modelFolder, "modelFolder");
        Objects.requireNonNull(artifactStore, "artifactStore");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(transactionalId, "transactionalId");
        if (encoderThreads < 1) {
            throw new IllegalArgumentException("Invalid encoderThreads " + encoderThreads + "; expected at least 1");
        }
        if (encoderWorkers < 1) {
            throw new IllegalArgumentException("Invalid encoderWorkers " + encoderWorkers + "; expected at least 1");
        }
    }

    /** Returns text-only settings with the default model folder and artifact store, which text-only never reads. */
    public static EmbeddedGeneratorSettings textOnly(String groupId, String transactionalId, int encoderThreads,
            int encoderWorkers) {
        return new EmbeddedGeneratorSettings(Mode.TEXT_ONLY, Path.of("models", "emoji-world-base"),
                Path.of("data", "artifacts"), groupId, transactionalId, encoderThreads, encoderWorkers);
    }

    @Override
    public String baseModelId() {
        return "emoji-world-base";
    }

    @Override
    public OtherBaseModels otherBaseModels() {
        return OtherBaseModels.DEAD_LETTER;
    }

    @Override
    public Optional<Path> catalog() {
        return Optional.empty();
    }

    @Override
    public int maxPromptChars() {
        return 2000;
    }

    @Override
    public MiniLmTextEncoder.Variant sentenceEncoder() {
        return MiniLmTextEncoder.Variant.QUANTIZED;
    }

    @Override
    public double similarityThreshold() {
        return 0.72;
    }

    @Override
    public Render render() {
        return new Render() {
            @Override
            public int inferenceSteps() {
                return 25;
            }

            @Override
            public float guidanceScale() {
                return 3f;
            }

            @Override
            public int batchSize() {
                return 16;
            }
        };
    }

    @Override
    public Consumer consumer() {
        return new Consumer() {
            @Override
            public String groupId() {
                return groupId;
            }

            @Override
            public Optional<String> transactionalId() {
                return Optional.of(transactionalId);
            }

            @Override
            public OptionalInt maxPollRecords() {
                return OptionalInt.empty();
            }

            @Override
            public OptionalInt batchSize() {
                return OptionalInt.empty();
            }

            @Override
            public OptionalInt maxBufferedRecords() {
                return OptionalInt.empty();
            }

            @Override
            public Duration pollTimeout() {
                return Duration.ofMillis(500);
            }

            @Override
            public Duration retryInterval() {
                return Duration.ofSeconds(5);
            }

            @Override
            public int deduplicationCapacity() {
                return 100_000;
            }

            @Override
            public boolean autoStart() {
                return false;
            }
        };
    }

    @Override
    public LlmRewriter llmRewriter() {
        return () -> false;
    }
}
