package dev.pairstream.erasure.pretrain;

import dev.pairstream.erasure.text.TextEncoder;
import dev.pairstream.erasure.text.TextEncoding;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The text-encoder hidden states of a training set's captions, all computed by {@link #encodeAll} before training
 * starts, plus those of the empty prompt.
 *
 * <p>Encoding up front makes its cost a separate, measured phase and keeps allocation low while the UNet trains. A
 * caption costs about 5 ms on one CPU thread, so the emoji-world catalog with 4 captions per scene takes two to six
 * minutes on two threads, depending on the machine's load, and {@code captionCount * tokens * 384 * 4} bytes, about
 * 1.2 GB. Safe for concurrent use once {@link #encodeAll} has returned.
 */
final class CaptionContexts {

    private static final Logger LOG = LoggerFactory.getLogger(CaptionContexts.class);
    private static final int PROGRESS_EVERY = 5000;

    private final TrainingSet data;
    private final TextEncoder encoder;
    private final AtomicReferenceArray<float[]> hiddenStates;
    private final float[] unconditional;
    private final int hiddenSize;

    CaptionContexts(TrainingSet data, TextEncoder encoder) {
        this.data = Objects.requireNonNull(data, "data");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.hiddenStates = new AtomicReferenceArray<>(data.captionCount());
        this.hiddenSize = encoder.hiddenSize();
        this.unconditional = encoder.unconditional().hiddenStates();
    }

    /** Returns the width of one token's hidden state. */
    int hiddenSize() {
        return hiddenSize;
    }

    /** Returns the padded token length of every context, the encoder's max token count. */
    int tokens() {
        return encoder.maxTokens();
    }

    /**
     * Writes the padded context {@code [tokens, hiddenSize]} and mask {@code [tokens]} of a caption, or of the empty
     * prompt when {@code flatCaption} is negative, into the given arrays at row {@code row}.
     */
    void write(int flatCaption, float[] context, float[] mask, int row) {
        float[] states = flatCaption < 0 ? unconditional : states(flatCaption);
        int tokens = tokens();
        int tokenCount = states.length / hiddenSize;
        System.arraycopy(states, 0, context, row * tokens * hiddenSize, states.length);
        for (int token = 0; token < tokenCount; token++) {
            mask[row * tokens + token] = 1f;
        }
    }

    /**
     * Encodes every caption that is not encoded yet on {@code threads} threads, logging progress, and returns when all
     * are done.
     *
     * @throws IllegalStateException when an encode fails, with the failure as the cause
     * @throws InterruptedException  when the calling thread is interrupted while waiting
     */
    void encodeAll(int threads) throws InterruptedException {
        if (threads < 1) {
            throw new IllegalArgumentException("Invalid encoding thread count " + threads + "; expected at least 1");
        }
        long started = System.nanoTime();
        int total = hiddenStates.length();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "caption-encoder");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(executor.submit(() -> {
                    for (int index = next.getAndIncrement(); index < total; index = next.getAndIncrement()) {
                        states(index);
                        int finished = done.incrementAndGet();
                        if (finished % PROGRESS_EVERY == 0) {
                            LOG.info("Encoded {}/{} captions", finished, total);
                        }
                    }
                }));
            }
            for (Future<?> worker : workers) {
                try {
                    worker.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("Failed to encode the training captions: "
                            + e.getCause().getMessage(), e.getCause());
                }
            }
        } finally {
            executor.shutdownNow();
        }
        LOG.info("Encoded {} captions in {} s on {} threads", total,
                String.format("%.1f", (System.nanoTime() - started) / 1e9), threads);
    }

    private float[] states(int flatCaption) {
        float[] states = hiddenStates.get(flatCaption);
        if (states == null) {
            TextEncoding encoding = encoder.encode(data.caption(flatCaption));
            states = encoding.hiddenStates();
            hiddenStates.set(flatCaption, states);
        }
        return states;
    }
}
