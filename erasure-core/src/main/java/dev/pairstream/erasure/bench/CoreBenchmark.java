package dev.pairstream.erasure.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.optim.AdamW;
import dev.pairstream.erasure.optim.AdamWOptions;
import dev.pairstream.erasure.optim.ExponentialMovingAverage;
import dev.pairstream.erasure.optim.GradientClipping;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.schedule.DdimSampler;
import dev.pairstream.erasure.schedule.NoiseSchedule;
import dev.pairstream.erasure.schedule.SchedulerConfig;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the model core's throughput on this machine. Training steps per second cover forward, backward,
 * clipping, AdamW and EMA on random inputs, and sampling pictures per second cover DDIM with guidance. The machine's
 * peak comes from a 3x3 convolution and a square matrix product. Every rate is also given in GFLOP/s, so the achieved
 * rates can be read against the peak. Operation counts come from {@link UNetFlops}, and a training step counts as
 * three forward passes, the usual estimate for forward plus backward.
 */
public final class CoreBenchmark {

    private static final Logger LOG = LoggerFactory.getLogger(CoreBenchmark.class);

    private final Settings settings;

    /**
     * The workload.
     *
     * @param unet             the UNet to measure, with freshly initialized weights
     * @param trainBatch       pictures per training step
     * @param sampleBatch      pictures per sampling call
     * @param samplingSteps    DDIM steps per picture
     * @param guidanceScale    classifier-free guidance scale; above 1 each step runs the UNet on twice the batch
     * @param tokens           text context length
     * @param warmupRepeats    untimed repeats of each measurement
     * @param measuredRepeats  timed repeats of each measurement; the rate of the fastest is reported
     */
    public record Settings(UNet2DConditionConfig unet, int trainBatch, int sampleBatch, int samplingSteps,
            float guidanceScale, int tokens, int warmupRepeats, int measuredRepeats) {

        /**
         * Validates the counts.
         *
         * @throws IllegalArgumentException naming the invalid field
         */
        public Settings {
            Objects.requireNonNull(unet, "unet");
            requirePositive(trainBatch, "trainBatch");
            requirePositive(sampleBatch, "sampleBatch");
            requirePositive(samplingSteps, "samplingSteps");
            requirePositive(tokens, "tokens");
            requirePositive(measuredRepeats, "measuredRepeats");
            if (warmupRepeats < 0) {
                throw new IllegalArgumentException("Invalid warmupRepeats " + warmupRepeats + "; expected 0 or more");
            }
            if (!(guidanceScale >= 1f) || Float.isInfinite(guidanceScale)) {
                throw new IllegalArgumentException("Invalid guidanceScale " + guidanceScale
                        + "; expected a finite number >= 1");
            }
        }

        /** Returns the emoji-world workload: training batch 32, 16 pictures of 25 steps at guidance 3, 32 tokens. */
        public static Settings emojiWorld() {
            return new Settings(UNet2DConditionConfig.emojiWorld(), 32, 16, 25, 3f, 32, 1, 3);
        }

        private static void requirePositive(int value, String field) {
            if (value < 1) {
                throw new IllegalArgumentException("Invalid " + field + " " + value + "; expected at least 1");
            }
        }
    }

    /**
     * The measured rates.
     *
     * @param trainingStepsPerSecond    training steps per second at the training batch
     * @param trainingGflops            operations of those steps per second, in GFLOP/s
     * @param samplingPicturesPerSecond pictures per second, all DDIM steps included
     * @param samplingGflops            operations of the sampling UNet calls per second, in GFLOP/s
     * @param forwardGflopPerPicture    operations of one UNet forward pass over one picture, in GFLOP
     * @param conv2dGflops              rate of the 3x3 convolution micro-benchmark, in GFLOP/s
     * @param matmulGflops              rate of the matrix-product micro-benchmark, in GFLOP/s
     * @param peakGflops                the larger of the two micro-benchmark rates
     */
    public record Result(double trainingStepsPerSecond, double trainingGflops, double samplingPicturesPerSecond,
            double samplingGflops, double forwardGflopPerPicture, double conv2dGflops, double matmulGflops,
            double peakGflops) {
    }

    /** Creates a benchmark of the given workload. */
    public CoreBenchmark(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** Runs every measurement in turn. */
    public Result run() {
        Engine engine = PyTorchRuntime.engine();
        long forwardFlops = UNetFlops.forwardPerSample(settings.unet(), settings.tokens());
        double stepsPerSecond;
        double picturesPerSecond;
        double conv;
        double matmul;
        try (NDManager root = engine.newBaseManager()) {
            stepsPerSecond = measureTraining(engine, root);
            LOG.info("Training: {} steps/s at batch {}", String.format("%.3f", stepsPerSecond),
                    settings.trainBatch());
            picturesPerSecond = measureSampling(root);
            LOG.info("Sampling: {} pictures/s ({} DDIM steps, guidance {})", String.format("%.3f", picturesPerSecond),
                    settings.samplingSteps(), settings.guidanceScale());
            conv = measureConv2d(root);
            matmul = measureMatmul(root);
            LOG.info("Peak: conv2d {} GFLOP/s, matmul {} GFLOP/s", String.format("%.1f", conv),
                    String.format("%.1f", matmul));
        }
        double trainingGflops = stepsPerSecond * 3.0 * forwardFlops * settings.trainBatch() / 1e9;
        int passesPerStep = settings.guidanceScale() == 1f ? 1 : 2;
        double samplingGflops = picturesPerSecond * settings.samplingSteps() * passesPerStep * forwardFlops / 1e9;
        return new Result(stepsPerSecond, trainingGflops, picturesPerSecond, samplingGflops, forwardFlops / 1e9,
                conv, matmul, Math.max(conv, matmul));
    }

    private double measureTraining(Engine engine, NDManager root) {
        UNet2DConditionConfig config = settings.unet();
        int batch = settings.trainBatch();
        long size = config.sampleSize();
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(config, root, 1);
                AdamW optimizer = new AdamW(model.weights().asMap(), AdamWOptions.defaults(), name -> true, root);
                ExponentialMovingAverage ema = new ExponentialMovingAverage(model.weights().asMap(), 0.999, true,
                        root)) {
            model.weights().setRequiresGradient(true);
            return fastestRate(() -> {
                model.weights().zeroGradients();
                try (NDManager step = root.newSubManager()) {
                    NDArray sample = step.randomNormal(new Shape(batch, config.inChannels(), size, size));
                    NDArray timesteps = step.randomInteger(0, 1000, new Shape(batch), DataType.INT64);
                    NDArray context = step.randomNormal(new Shape(batch, settings.tokens(), config.crossAttentionDim()));
                    NDArray mask = step.ones(new Shape(batch, settings.tokens()));
                    try (GradientCollector collector = engine.newGradientCollector()) {
                        NDArray predicted = model.forward(sample, timesteps, context, mask);
                        collector.backward(predicted.sub(sample).square().mean());
                    }
                    GradientClipping.clipByGlobalNorm(model.weights().asMap(), 1.0);
                    optimizer.step(1e-4);
                    ema.update();
                }
            }, 1);
        }
    }

    private double measureSampling(NDManager root) {
        UNet2DConditionConfig config = settings.unet();
        int batch = settings.sampleBatch();
        long size = config.sampleSize();
        DdimSampler sampler = new DdimSampler(new NoiseSchedule(SchedulerConfig.ddpmLinear()));
        try (UNet2DConditionModel model = UNet2DConditionModel.initialize(config, root, 2)) {
            return fastestRate(() -> {
                try (NDManager scope = root.newSubManager()) {
                    long[] seeds = new long[batch];
                    for (int i = 0; i < batch; i++) {
                        seeds[i] = i;
                    }
                    NDArray noise = DdimSampler.initialNoise(scope, new Shape(config.inChannels(), size, size), seeds);
                    Shape contextShape = new Shape(batch, settings.tokens(), config.crossAttentionDim());
                    NDArray context = scope.randomNormal(contextShape);
                    NDArray empty = scope.randomNormal(contextShape);
                    NDArray mask = scope.ones(new Shape(batch, settings.tokens()));
                    sampler.sample(model::forward, noise, context, mask, empty, mask, settings.samplingSteps(),
                            settings.guidanceScale()).toFloatArray();
                }
            }, batch);
        }
    }

    /** Measures a 3x3 convolution at the shape of the emoji-world UNet's 16x16 level: [32, 64, 16, 16] to 64. */
    private double measureConv2d(NDManager root) {
        long batch = 32;
        long channels = 64;
        long side = 16;
        double flops = 2.0 * 9 * channels * channels * side * side * batch;
        try (NDManager scope = root.newSubManager()) {
            NDArray input = scope.randomNormal(new Shape(batch, channels, side, side));
            NDArray weight = scope.randomNormal(new Shape(channels, channels, 3, 3));
            NDArray bias = scope.zeros(new Shape(channels));
            return fastestRate(() -> {
                try (NDManager step = scope.newSubManager()) {
                    NDArray localInput = input.duplicate();
                    localInput.attach(step);
                    Conv2d.conv2d(localInput, weight, bias, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1))
                            .singletonOrThrow().toFloatArray();
                }
            }, flops / 1e9);
        }
    }

    /** Measures a 1024 x 1024 by 1024 x 1024 float32 matrix product. */
    private double measureMatmul(NDManager root) {
        long n = 1024;
        double flops = 2.0 * n * n * n;
        try (NDManager scope = root.newSubManager()) {
            NDArray left = scope.randomNormal(new Shape(n, n));
            NDArray right = scope.randomNormal(new Shape(n, n));
            return fastestRate(() -> {
                try (NDManager step = scope.newSubManager()) {
                    NDArray localLeft = left.duplicate();
                    localLeft.attach(step);
                    localLeft.matMul(right).toFloatArray();
                }
            }, flops / 1e9);
        }
    }

    /** Returns {@code work} units per second of the fastest timed repeat, after the warm-up repeats. */
    private double fastestRate(Runnable repeat, double work) {
        for (int i = 0; i < settings.warmupRepeats(); i++) {
            repeat.run();
        }
        long fastest = Long.MAX_VALUE;
        for (int i = 0; i < settings.measuredRepeats(); i++) {
            long started = System.nanoTime();
            repeat.run();
            fastest = Math.min(fastest, System.nanoTime() - started);
        }
        return work / (fastest / 1e9);
    }
}
