package dev.pairstream.erasure.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Times UNet training steps (forward, mean squared error against a random target, backward) on the PyTorch engine.
 * It is a main program, not a unit test, because timings on a shared machine cannot pass or fail.
 *
 * <p>Run it from the repository root after building the module and writing its test classpath:
 *
 * <pre>
 * ./mvnw -B -q -pl erasure-core -am install -DskipTests
 * ./mvnw -B -q -pl erasure-core test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
 * java -cp erasure-core/target/classes:erasure-core/target/test-classes:$(cat erasure-core/target/bench.classpath) \
 *     dev.pairstream.erasure.model.UNetStepBenchmark --channels 32,64,64 --attention-levels 1,2 --batch 32
 * </pre>
 *
 * <p>Without options it runs {@link UNet2DConditionConfig#emojiWorld()} at batch 32 with 16 context tokens, 3 warm-up
 * steps and 10 measured steps. {@code --channels}, {@code --layers-per-block}, {@code --heads} and
 * {@code --attention-levels} (resolution levels with cross-attention, 0 being the input resolution, or {@code none};
 * the middle block always has it) change the architecture. The intra-op thread count is DJL's
 * {@code ai.djl.pytorch.num_threads} system property.
 *
 * <p>Modes ({@code --mode}):
 *
 * <ul>
 *   <li>{@code step}: times whole steps and prints the medians of the forward, backward and total wall time and of
 *       the process CPU time;</li>
 *   <li>{@code ops}: times each operation family of the forward pass in isolation, forward and backward, at the
 *       shapes and counts that the config uses (see {@link UNetOpFamilies});</li>
 *   <li>{@code profile} with {@code --file FILE}: writes PyTorch's autograd profiler trace of the measured steps
 *       (Chrome trace JSON with input shapes), which names every forward and backward kernel;</li>
 *   <li>{@code dump} and {@code compare} with {@code --file FILE}: run one step on fixed inputs and write, or compare
 *       against, the output and every parameter gradient, to check that an optimization leaves the numbers
 *       unchanged.</li>
 * </ul>
 */
public final class UNetStepBenchmark {

    private static final long WEIGHT_SEED = 42;
    private static final long INPUT_SEED = 7;
    private static final int TRAIN_TIMESTEPS = 1000;

    private UNetStepBenchmark() {
    }

    /** Parses the options, runs the selected mode and prints one result line per measurement. */
    public static void main(String[] args) throws IOException {
        Options options = Options.parse(args);
        Engine engine = PyTorchRuntime.engine();
        UNet2DConditionConfig config = options.config();
        long parameters = UNetParameterLayout.of(config).parameterCount();
        System.out.printf(Locale.ROOT, "config channels=%s layers_per_block=%d attention_levels=%s heads=%d"
                        + " params=%d batch=%d tokens=%d intra_op_threads=%d inter_op_threads=%d%n",
                config.blockOutChannels(), config.layersPerBlock(), options.attentionLevels, config.attentionHeadDim(),
                parameters, options.batch, options.tokens, JniUtils.getNumThreads(), JniUtils.getNumInteropThreads());
        switch (options.mode) {
            case "step" -> timeSteps(engine, config, options);
            case "ops" -> UNetOpFamilies.time(engine, config, options.batch, options.tokens, options.warmup,
                    options.steps);
            case "dump" -> writeReference(engine, config, options, options.file);
            case "compare" -> compareWithReference(engine, config, options, options.file);
            case "profile" -> profileSteps(engine, config, options, options.file);
            default -> throw new IllegalArgumentException("Invalid --mode " + options.mode
                    + "; expected step, ops, profile, dump or compare");
        }
    }

    private static void timeSteps(Engine engine, UNet2DConditionConfig config, Options options) {
        List<Double> forward = new ArrayList<>();
        List<Double> backward = new ArrayList<>();
        List<Double> total = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        OperatingSystemMXBean system = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (NDManager root = engine.newBaseManager();
                UNet2DConditionModel model = UNet2DConditionModel.initialize(config, root, WEIGHT_SEED)) {
            model.weights().setRequiresGradient(true);
            Random random = new Random(INPUT_SEED);
            for (int iteration = 0; iteration < options.warmup + options.steps; iteration++) {
                model.weights().zeroGradients();
                long start;
                long cpuStart;
                long forwardDone;
                long backwardDone;
                // Closing the step manager frees the activations, which a training loop pays for on every step.
                try (NDManager step = root.newSubManager()) {
                    StepInputs inputs = StepInputs.random(step, config, options.batch, options.tokens, random);
                    start = System.nanoTime();
                    cpuStart = system.getProcessCpuTime();
                    try (GradientCollector collector = engine.newGradientCollector()) {
                        NDArray loss = model.forward(inputs.sample, inputs.timesteps, inputs.context, inputs.mask)
                                .sub(inputs.target).square().mean();
                        forwardDone = System.nanoTime();
                        collector.backward(loss);
                        backwardDone = System.nanoTime();
                    }
                }
                long end = System.nanoTime();
                long cpuEnd = system.getProcessCpuTime();
                if (iteration >= options.warmup) {
                    cpu.add((cpuEnd - cpuStart) / 1e6);
                    forward.add((forwardDone - start) / 1e6);
                    backward.add((backwardDone - forwardDone) / 1e6);
                    total.add((end - start) / 1e6);
                }
            }
        }
        double median = median(total);
        System.out.printf(Locale.ROOT, "step_ms median=%.1f min=%.1f max=%.1f forward_median=%.1f"
                        + " backward_median=%.1f per_sample_ms=%.2f cpu_median=%.1f steps=%d%n",
                median, min(total), max(total), median(forward), median(backward), median / options.batch,
                median(cpu), total.size());
    }

    /**
     * Runs the warm-up steps, then records {@code --steps} steps with PyTorch's autograd profiler (through DJL's
     * {@link JniUtils#startProfile}) and writes its Chrome trace, with input shapes, to {@code file}.
     */
    private static void profileSteps(Engine engine, UNet2DConditionConfig config, Options options, Path file) {
        try (NDManager root = engine.newBaseManager();
                UNet2DConditionModel model = UNet2DConditionModel.initialize(config, root, WEIGHT_SEED)) {
            model.weights().setRequiresGradient(true);
            Random random = new Random(INPUT_SEED);
            for (int iteration = 0; iteration < options.warmup + options.steps; iteration++) {
                if (iteration == options.warmup) {
                    JniUtils.startProfile(false, true, false);
                }
                model.weights().zeroGradients();
                try (NDManager step = root.newSubManager()) {
                    StepInputs inputs = StepInputs.random(step, config, options.batch, options.tokens, random);
                    try (GradientCollector collector = engine.newGradientCollector()) {
                        collector.backward(model.forward(inputs.sample, inputs.timesteps, inputs.context, inputs.mask)
                                .sub(inputs.target).square().mean());
                    }
                }
            }
            JniUtils.stopProfile(file.toString());
            System.out.printf(Locale.ROOT, "wrote the profile of %d steps to %s%n", options.steps, file);
        }
    }

    private static void writeReference(Engine engine, UNet2DConditionConfig config, Options options, Path file)
            throws IOException {
        try (NDManager root = engine.newBaseManager();
                UNet2DConditionModel model = UNet2DConditionModel.initialize(config, root, WEIGHT_SEED);
                NDManager step = root.newSubManager()) {
            Map<String, NDArray> results = runReferenceStep(engine, model, options, step);
            SafetensorsFile.write(file, results);
            System.out.printf(Locale.ROOT, "wrote %d tensors to %s%n", results.size(), file);
        }
    }

    private static void compareWithReference(Engine engine, UNet2DConditionConfig config, Options options, Path file)
            throws IOException {
        try (NDManager root = engine.newBaseManager();
                UNet2DConditionModel model = UNet2DConditionModel.initialize(config, root, WEIGHT_SEED);
                NDManager step = root.newSubManager()) {
            Map<String, NDArray> actual = runReferenceStep(engine, model, options, step);
            Map<String, Shape> shapes = new LinkedHashMap<>();
            actual.forEach((name, array) -> shapes.put(name, array.getShape()));
            Map<String, NDArray> expected = SafetensorsFile.readFloat32(file, shapes, step);

            float outputError = maxAbsDifference(expected.get("output"), actual.get("output"));
            float outputScale = maxAbs(expected.get("output"));
            // A gradient that is zero in exact arithmetic (such as a bias right before a group norm that removes it)
            // holds only rounding noise, so each error is taken relative to the tensor's own scale plus a small
            // share of the largest gradient in the model.
            float gradientScale = 0f;
            for (String name : model.weights().names()) {
                gradientScale = Math.max(gradientScale, maxAbs(expected.get("grad." + name)));
            }
            String worstGradient = null;
            float worstRelativeError = -1f;
            for (String name : model.weights().names()) {
                String key = "grad." + name;
                float scale = maxAbs(expected.get(key)) + 1e-3f * gradientScale;
                float relative = maxAbsDifference(expected.get(key), actual.get(key)) / scale;
                if (relative > worstRelativeError) {
                    worstGradient = name;
                    worstRelativeError = relative;
                }
            }
            System.out.printf(Locale.ROOT, "compare output_max_abs_diff=%.3g (output max %.3g)"
                            + " gradient_max_rel_diff=%.3g (%s; largest gradient %.3g)%n",
                    outputError, outputScale, worstRelativeError, worstGradient, gradientScale);
        }
    }

    /** Runs one forward and backward step on fixed inputs and returns the output and every parameter gradient. */
    private static Map<String, NDArray> runReferenceStep(Engine engine, UNet2DConditionModel model, Options options,
            NDManager step) {
        model.weights().setRequiresGradient(true);
        StepInputs inputs = StepInputs.random(step, model.config(), options.batch, options.tokens,
                new Random(INPUT_SEED));
        Map<String, NDArray> results = new LinkedHashMap<>();
        try (GradientCollector collector = engine.newGradientCollector()) {
            NDArray output = model.forward(inputs.sample, inputs.timesteps, inputs.context, inputs.mask);
            collector.backward(output.sub(inputs.target).square().mean());
            results.put("output", output.stopGradient());
        }
        for (String name : model.weights().names()) {
            try (NDArray gradient = model.weights().get(name).getGradient()) {
                NDArray copy = gradient.duplicate();
                copy.attach(step);
                results.put("grad." + name, copy);
            }
        }
        return results;
    }

    private static float maxAbsDifference(NDArray expected, NDArray actual) {
        return expected.sub(actual).abs().max().getFloat();
    }

    private static float maxAbs(NDArray array) {
        return array.abs().max().getFloat();
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /**
     * Random training inputs: a Gaussian sample and target, uniform integer timesteps, a Gaussian context and a mask
     * whose samples keep between half and all of the tokens.
     */
    private record StepInputs(NDArray sample, NDArray timesteps, NDArray context, NDArray mask, NDArray target) {

        static StepInputs random(NDManager step, UNet2DConditionConfig config, int batch, int tokens, Random random) {
            int size = config.sampleSize();
            Shape imageShape = new Shape(batch, config.inChannels(), size, size);
            NDArray sample = step.create(gaussian(random, imageShape.size()), imageShape);
            Shape targetShape = new Shape(batch, config.outChannels(), size, size);
            NDArray target = step.create(gaussian(random, targetShape.size()), targetShape);
            long[] timesteps = new long[batch];
            float[] mask = new float[batch * tokens];
            for (int index = 0; index < batch; index++) {
                timesteps[index] = random.nextInt(TRAIN_TIMESTEPS);
                int kept = tokens / 2 + random.nextInt(tokens - tokens / 2 + 1);
                Arrays.fill(mask, index * tokens, index * tokens + Math.max(kept, 1), 1f);
            }
            Shape contextShape = new Shape(batch, tokens, config.crossAttentionDim());
            NDArray context = step.create(gaussian(random, contextShape.size()), contextShape);
            return new StepInputs(sample, step.create(timesteps), context,
                    step.create(mask, new Shape(batch, tokens)), target);
        }

        private static float[] gaussian(Random random, long count) {
            float[] values = new float[Math.toIntExact(count)];
            for (int index = 0; index < values.length; index++) {
                values[index] = (float) random.nextGaussian();
            }
            return values;
        }
    }

    /** Command-line options; every one has the emoji-world default. */
    private static final class Options {
        private String mode = "step";
        private Path file;
        private List<Integer> channels = UNet2DConditionConfig.emojiWorld().blockOutChannels();
        private List<Integer> attentionLevels = List.of(1, 2);
        private int layersPerBlock = UNet2DConditionConfig.emojiWorld().layersPerBlock();
        private int heads = UNet2DConditionConfig.emojiWorld().attentionHeadDim();
        private int batch = 32;
        private int tokens = 16;
        private int warmup = 3;
        private int steps = 10;

        static Options parse(String[] args) {
            Options options = new Options();
            for (int index = 0; index < args.length; index += 2) {
                String name = args[index];
                if (index + 1 >= args.length) {
                    throw new IllegalArgumentException("Missing value for option " + name);
                }
                String value = args[index + 1];
                switch (name) {
                    case "--mode" -> options.mode = value;
                    case "--file" -> options.file = Path.of(value);
                    case "--channels" -> options.channels = integers(name, value);
                    case "--attention-levels" -> options.attentionLevels =
                            value.equals("none") ? List.of() : integers(name, value);
                    case "--layers-per-block" -> options.layersPerBlock = integer(name, value);
                    case "--heads" -> options.heads = integer(name, value);
                    case "--batch" -> options.batch = integer(name, value);
                    case "--tokens" -> options.tokens = integer(name, value);
                    case "--warmup" -> options.warmup = integer(name, value);
                    case "--steps" -> options.steps = integer(name, value);
                    default -> throw new IllegalArgumentException("Unknown option " + name + "; expected --mode,"
                            + " --file, --channels, --attention-levels, --layers-per-block, --heads, --batch,"
                            + " --tokens, --warmup or --steps");
                }
            }
            if (List.of("dump", "compare", "profile").contains(options.mode) && options.file == null) {
                throw new IllegalArgumentException("Missing --file; --mode " + options.mode + " writes or reads it");
            }
            if (options.batch < 1 || options.tokens < 1 || options.steps < 1 || options.warmup < 0) {
                throw new IllegalArgumentException("Invalid --batch " + options.batch + ", --tokens "
                        + options.tokens + ", --steps " + options.steps + " or --warmup " + options.warmup
                        + "; expected batch, tokens and steps >= 1 and warmup >= 0");
            }
            return options;
        }

        /**
         * Builds the config: the emoji-world one with these channels, ResNets per block and heads, and
         * cross-attention at the listed levels (0 is the input resolution) plus the middle block.
         */
        UNet2DConditionConfig config() {
            UNet2DConditionConfig base = UNet2DConditionConfig.emojiWorld();
            int levels = channels.size();
            for (int level : attentionLevels) {
                if (level < 0 || level >= levels) {
                    throw new IllegalArgumentException("Invalid --attention-levels entry " + level
                            + "; expected a level from 0 to " + (levels - 1));
                }
            }
            List<String> down = new ArrayList<>();
            List<String> up = new ArrayList<>();
            for (int level = 0; level < levels; level++) {
                down.add(attentionLevels.contains(level) ? UNet2DConditionConfig.CROSS_ATTN_DOWN_BLOCK
                        : UNet2DConditionConfig.DOWN_BLOCK);
                int upLevel = levels - 1 - level;
                up.add(attentionLevels.contains(upLevel) ? UNet2DConditionConfig.CROSS_ATTN_UP_BLOCK
                        : UNet2DConditionConfig.UP_BLOCK);
            }
            return new UNet2DConditionConfig(base.className(), base.sampleSize(), base.inChannels(),
                    base.outChannels(), base.centerInputSample(), base.flipSinToCos(), base.freqShift(), down,
                    base.midBlockType(), up, channels, layersPerBlock, base.downsamplePadding(),
                    base.midBlockScaleFactor(), base.actFn(), base.normNumGroups(), base.normEps(),
                    base.crossAttentionDim(), base.transformerLayersPerBlock(), heads, base.useLinearProjection());
        }

        private static List<Integer> integers(String option, String value) {
            return Arrays.stream(value.split(",")).map(item -> integer(option, item.trim())).toList();
        }

        private static int integer(String option, String value) {
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Invalid " + option + " value " + value + "; expected an integer",
                        e);
            }
        }
    }
}
