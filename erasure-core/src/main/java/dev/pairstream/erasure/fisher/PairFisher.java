package dev.pairstream.erasure.fisher;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.schedule.NoiseSchedule;
import dev.pairstream.erasure.text.TextContextBatch;
import dev.pairstream.erasure.text.TextEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The Fisher contributions of unsafe-safe pairs: for a list of pairs, the estimate of the unsafe halves (unsafe picture
 * with unsafe prompt) and of the safe halves, each from one batched backward pass per chunk of pairs.
 *
 * <p>Both halves of a pair use the pair's sample id, so they are noised to the same timestep with the same noise. A
 * sample's timestep and noise depend only on the seed and its id (see {@link FisherBatch}), so estimating the same
 * pairs in other chunks, in another order or on other workers and merging the results gives the same sums up to
 * float rounding. The fisher-service and {@code ./pair erase} both estimate through this class.
 *
 * <p>Not thread-safe. {@link FisherEstimator} explains why one estimation runs at a time per JVM.
 */
public final class PairFisher {

    private final UNet2DConditionModel model;
    private final TextEncoder encoder;
    private final FisherEstimator estimator;
    private final long seed;

    /**
     * One pair as the estimate needs it.
     *
     * @param sampleId      the pair's sample id, distinct within one call, which {@link #sampleId(String)} derives from a
     *                      pair id
     * @param unsafePicture the unsafe picture, {@code [C, H, W]} row-major in [-1, 1]
     * @param unsafePrompt  the unsafe prompt
     * @param safePicture   the safe picture, {@code [C, H, W]} row-major in [-1, 1]
     * @param safePrompt    the safe prompt
     */
    public record Sample(long sampleId, float[] unsafePicture, String unsafePrompt, float[] safePicture,
            String safePrompt) {

        /** Checks that every field is present. */
        public Sample {
            Objects.requireNonNull(unsafePicture, "unsafePicture");
            Objects.requireNonNull(unsafePrompt, "unsafePrompt");
            Objects.requireNonNull(safePicture, "safePicture");
            Objects.requireNonNull(safePrompt, "safePrompt");
        }
    }

    /**
     * Creates the estimator of the given Linear layers.
     *
     * @param seed the estimation seed, which with each sample id selects the sample's timestep and noise
     * @throws IllegalArgumentException as {@link FisherEstimator#FisherEstimator(UNet2DConditionModel, NoiseSchedule,
     *                                  List)} does
     */
    public PairFisher(UNet2DConditionModel model, NoiseSchedule schedule, TextEncoder encoder, List<String> modules,
            long seed) {
        this.model = Objects.requireNonNull(model, "model");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.estimator = new FisherEstimator(model, schedule, modules);
        this.seed = seed;
    }

    /**
     * Derives a pair's sample id from its pair id: the first 8 bytes of the SHA-256 of the id's UTF-8 bytes. The id
     * is the same wherever and whenever the pair is estimated, which keeps the estimate independent of the order and
     * grouping of the pairs.
     */
    public static long sampleId(String pairId) {
        Objects.requireNonNull(pairId, "pairId");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(pairId.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Returns the target module paths in order. */
    public List<String> modules() {
        return estimator.modules();
    }

    /** Returns the {@code [out, in]} weight shape of every target module, in module order. */
    public Map<String, Shape> shapes() {
        return estimator.shapes();
    }

    /** Returns the estimation seed. */
    public long seed() {
        return seed;
    }

    /**
     * Estimates the Fisher sums of the unsafe and the safe halves of the samples.
     *
     * @param baseModelId the base model, for the estimates' keys
     * @param conceptId   the concept or label, for the estimates' keys
     * @param batchSize   pairs per backward pass, at least 1
     * @return the estimate of each half over all samples, one sample per pair in each half
     * @throws IllegalArgumentException when there are no samples, two share an id, a picture does not have the
     *                                  model's {@code [C, H, W]} size or a value outside [-1, 1]
     * @throws IllegalStateException    when the loss or a gradient is not finite
     */
    public Map<PairHalf, FisherEstimate> estimate(String baseModelId, String conceptId, List<Sample> samples,
            int batchSize) {
        Objects.requireNonNull(samples, "samples");
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("No pairs to estimate the Fisher of " + conceptId + " from");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("Invalid batch size " + batchSize + "; expected 1 or more");
        }
        int side = model.config().sampleSize();
        int channels = model.config().inChannels();
        int pixels = channels * side * side;
        Set<Long> ids = new HashSet<>();
        for (Sample sample : samples) {
            if (!ids.add(sample.sampleId())) {
                throw new IllegalArgumentException("Sample id " + sample.sampleId() + " occurs twice; each pair needs"
                        + " its own id");
            }
            if (sample.unsafePicture().length != pixels || sample.safePicture().length != pixels) {
                throw new IllegalArgumentException("A picture of sample " + sample.sampleId() + " has "
                        + sample.unsafePicture().length + " and " + sample.safePicture().length + " values; the model"
                        + " takes [" + channels + ", " + side + ", " + side + "] = " + pixels);
            }
        }
        Map<PairHalf, FisherAccumulator> accumulators = new EnumMap<>(PairHalf.class);
        for (PairHalf half : PairHalf.values()) {
            accumulators.put(half, estimator.newAccumulator(new FisherKey(baseModelId, conceptId, half)));
        }
        try (NDManager scope = model.weights().manager().newSubManager()) {
            for (int start = 0; start < samples.size(); start += batchSize) {
                List<Sample> chunk = samples.subList(start, Math.min(samples.size(), start + batchSize));
                for (PairHalf half : PairHalf.values()) {
                    boolean unsafe = half == PairHalf.UNSAFE;
                    float[] pictures = new float[chunk.size() * pixels];
                    List<String> prompts = new ArrayList<>(chunk.size());
                    long[] sampleIds = new long[chunk.size()];
                    for (int i = 0; i < chunk.size(); i++) {
                        Sample sample = chunk.get(i);
                        System.arraycopy(unsafe ? sample.unsafePicture() : sample.safePicture(), 0, pictures,
                                i * pixels, pixels);
                        prompts.add(unsafe ? sample.unsafePrompt() : sample.safePrompt());
                        sampleIds[i] = sample.sampleId();
                    }
                    try (NDManager batchScope = scope.newSubManager();
                            TextContextBatch text = encoder.encodeContext(prompts, batchScope)) {
                        FisherBatch batch = new FisherBatch(new Shape(chunk.size(), channels, side, side), pictures,
                                text.context().getShape(), text.context().toFloatArray(),
                                text.attentionMask().toFloatArray(), sampleIds);
                        estimator.accumulate(accumulators.get(half), batch, seed);
                    }
                }
            }
        }
        Map<PairHalf, FisherEstimate> estimates = new EnumMap<>(PairHalf.class);
        accumulators.forEach((half, accumulator) -> estimates.put(half, accumulator.toEstimate()));
        return estimates;
    }
}
