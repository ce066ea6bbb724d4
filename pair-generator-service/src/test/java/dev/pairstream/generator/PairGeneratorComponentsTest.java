package dev.pairstream.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pairstream.erasure.text.MiniLmTextEncoder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PairGeneratorComponentsTest {

    @TempDir
    Path folder;

    @Test
    void renderModeWithoutModelFailsStartUp() {
        // Given render mode and a model folder that does not exist
        Path missing = folder.resolve("no-model");
        PairGeneratorComponents components = new PairGeneratorComponents(
                new Settings(PairGeneratorConfig.Mode.RENDER, missing, false), new SimpleMeterRegistry());

        // When the generator is loaded
        UncheckedIOException error = assertThrows(UncheckedIOException.class, components::generator);

        // Then the message names the folder and the switch to text-only mode
        assertEquals("Failed to load the base model from " + missing.toAbsolutePath()
                + " (pair.generator.model-folder); export the model there or set pair.generator.mode=text-only",
                error.getMessage());
        assertThat(error.getCause()).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void enabledLlmRewriterFailsStartUp() {
        PairGeneratorComponents components = new PairGeneratorComponents(
                new Settings(PairGeneratorConfig.Mode.TEXT_ONLY, folder, true), new SimpleMeterRegistry());

        IllegalStateException error = assertThrows(IllegalStateException.class, components::generator);

        assertEquals("pair.generator.llm-rewriter.enabled=true, but the LLM rewriter is not implemented yet; set it"
                + " to false to use the minimal-edit rewriter", error.getMessage());
    }

    /** The defaults of application.properties, with the mode, model folder and LLM switch of the test. */
    private record Settings(Mode mode, Path modelFolder, boolean llmEnabled) implements PairGeneratorConfig {

        @Override
        public String baseModelId() {
            return "emoji-world-base";
        }

        @Override
        public Path artifactStore() {
            return modelFolder.resolveSibling("artifacts");
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
        public double similarityThreshold() {
            return 0.72;
        }

        @Override
        public int encoderThreads() {
            return 1;
        }

        @Override
        public int encoderWorkers() {
            return 1;
        }

        @Override
        public MiniLmTextEncoder.Variant sentenceEncoder() {
            return MiniLmTextEncoder.Variant.FULL;
        }

        @Override
        public Render render() {
            return new Render() {
                @Override
                public int inferenceSteps() {
                    return 2;
                }

                @Override
                public float guidanceScale() {
                    return 3f;
                }

                @Override
                public int batchSize() {
                    return 4;
                }
            };
        }

        @Override
        public Consumer consumer() {
            throw new UnsupportedOperationException("the components read no consumer settings before failing");
        }

        @Override
        public LlmRewriter llmRewriter() {
            return () -> llmEnabled;
        }
    }
}
