package dev.pairstream.erasure.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Splits the cost of a UNet training step by operation family. It lists every operation that
 * {@link ForwardPass} runs for a config, with the shapes it runs them at, and times each family's forward and backward
 * passes in isolation on random inputs whose every operand requires a gradient, as activations and parameters do in
 * training.
 *
 * <p>The families add up to roughly the measured step time but not exactly: in the real step the allocator and cache
 * see every operation together, and the layout changes between image and token form are left out. Use the split to
 * find where the time goes, not as an exact ledger.
 */
final class UNetOpFamilies {

    private static final Shape UNIT = new Shape(1, 1);
    private static final Shape STRIDE_TWO = new Shape(2, 2);
    private static final Shape PADDING_ONE = new Shape(1, 1);
    private static final Shape PADDING_NONE = new Shape(0, 0);

    /** One operation at one shape: the shapes of its operands and the function that applies it. */
    private record OpCase(String family, List<Shape> operands, Function<NDList, NDArray> op) {
    }

    private final UNet2DConditionConfig config;
    private final long batch;
    private final long tokens;
    private final List<OpCase> cases = new ArrayList<>();

    private UNetOpFamilies(UNet2DConditionConfig config, long batch, long tokens) {
        this.config = config;
        this.batch = batch;
        this.tokens = tokens;
    }

    /** Lists the operations of one forward pass, times each family {@code repetitions} times and prints medians. */
    static void time(Engine engine, UNet2DConditionConfig config, int batch, int tokens, int warmup,
            int repetitions) {
        UNetOpFamilies families = new UNetOpFamilies(config, batch, tokens);
        families.listForwardPass(new UNetArchitecture(config));

        Map<String, List<Double>> forward = new LinkedHashMap<>();
        Map<String, List<Double>> backward = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (OpCase opCase : families.cases) {
            counts.merge(opCase.family(), 1, Integer::sum);
        }
        try (NDManager root = engine.newBaseManager()) {
            for (int repetition = 0; repetition < warmup + repetitions; repetition++) {
                for (String family : counts.keySet()) {
                    double[] times = families.timeFamily(engine, root, family);
                    if (repetition >= warmup) {
                        forward.computeIfAbsent(family, key -> new ArrayList<>()).add(times[0]);
                        backward.computeIfAbsent(family, key -> new ArrayList<>()).add(times[1]);
                    }
                }
            }
        }

        double sum = 0;
        for (String family : counts.keySet()) {
            sum += UNetStepBenchmark.median(forward.get(family)) + UNetStepBenchmark.median(backward.get(family));
        }
        System.out.printf(Locale.ROOT, "%-16s %5s %11s %12s %9s %6s%n", "family", "ops", "forward_ms", "backward_ms",
                "total_ms", "share");
        for (String family : counts.keySet()) {
            double forwardMedian = UNetStepBenchmark.median(forward.get(family));
            double backwardMedian = UNetStepBenchmark.median(backward.get(family));
            double total = forwardMedian + backwardMedian;
            System.out.printf(Locale.ROOT, "%-16s %5d %11.1f %12.1f %9.1f %5.1f%%%n", family, counts.get(family),
                    forwardMedian, backwardMedian, total, 100 * total / sum);
        }
        System.out.printf(Locale.ROOT, "%-16s %5d %11s %12s %9.1f%n", "sum", families.cases.size(), "", "", sum);
    }

    /** Returns the forward and backward milliseconds of every case of one family. */
    private double[] timeFamily(Engine engine, NDManager root, String family) {
        double forwardMillis = 0;
        double backwardMillis = 0;
        for (OpCase opCase : cases) {
            if (!opCase.family().equals(family)) {
                continue;
            }
            try (NDManager step = root.newSubManager()) {
                NDList operands = new NDList();
                for (Shape shape : opCase.operands()) {
                    NDArray operand = step.randomNormal(shape);
                    operand.setRequiresGradient(true);
                    operands.add(operand);
                }
                try (GradientCollector collector = engine.newGradientCollector()) {
                    long start = System.nanoTime();
                    NDArray result = opCase.op().apply(operands);
                    long forwardDone = System.nanoTime();
                    collector.backward(result);
                    long backwardDone = System.nanoTime();
                    forwardMillis += (forwardDone - start) / 1e6;
                    backwardMillis += (backwardDone - forwardDone) / 1e6;
                }
            }
        }
        return new double[] {forwardMillis, backwardMillis};
    }

    /** Walks the blocks in {@link ForwardPass#run} order and records each operation with its shapes. */
    private void listForwardPass(UNetArchitecture architecture) {
        int size = config.sampleSize();
        int firstChannels = config.blockOutChannels().get(0);
        conv3x3(config.inChannels(), firstChannels, size, 1);

        List<Integer> skipChannels = new ArrayList<>();
        skipChannels.add(firstChannels);
        int level = 0;
        for (UNetArchitecture.Block block : architecture.downBlocks()) {
            int resolution = size >> level;
            for (UNetArchitecture.Resnet resnet : block.resnets()) {
                resnet(resnet, resolution);
                if (block.crossAttention()) {
                    transformer(block.channels(), resolution);
                }
                skipChannels.add(block.channels());
            }
            if (block.resample()) {
                conv3x3(block.channels(), block.channels(), resolution, 2);
                skipChannels.add(block.channels());
            }
            level++;
        }

        int lowest = size >> (config.levels() - 1);
        List<UNetArchitecture.Resnet> midResnets = architecture.midResnets();
        resnet(midResnets.get(0), lowest);
        transformer(architecture.midChannels(), lowest);
        resnet(midResnets.get(1), lowest);

        int channels = architecture.midChannels();
        level = config.levels() - 1;
        for (UNetArchitecture.Block block : architecture.upBlocks()) {
            int resolution = size >> level;
            for (UNetArchitecture.Resnet resnet : block.resnets()) {
                int skip = skipChannels.remove(skipChannels.size() - 1);
                concat(channels, skip, resolution);
                resnet(resnet, resolution);
                if (block.crossAttention()) {
                    transformer(block.channels(), resolution);
                }
                channels = block.channels();
            }
            if (block.resample()) {
                upsample(channels, resolution);
                conv3x3(channels, channels, resolution * 2, 1);
            }
            level--;
        }

        groupNorm(firstChannels, size, (float) config.normEps());
        silu(firstChannels, size);
        conv3x3(firstChannels, config.outChannels(), size, 1);
    }

    private void resnet(UNetArchitecture.Resnet resnet, int resolution) {
        int in = resnet.inChannels();
        int out = resnet.outChannels();
        float eps = (float) config.normEps();
        groupNorm(in, resolution, eps);
        silu(in, resolution);
        conv3x3(in, out, resolution, 1);
        linear("linear.time", new Shape(batch, config.timeEmbeddingDim()), config.timeEmbeddingDim(), out, true);
        add(new Shape(batch, out, resolution, resolution), new Shape(batch, out, 1, 1));
        groupNorm(out, resolution, eps);
        silu(out, resolution);
        conv3x3(out, out, resolution, 1);
        if (resnet.hasConvShortcut()) {
            conv1x1(in, out, resolution);
        }
        add(new Shape(batch, out, resolution, resolution), new Shape(batch, out, resolution, resolution));
    }

    private void transformer(int channels, int resolution) {
        long positions = (long) resolution * resolution;
        Shape tokensShape = new Shape(batch, positions, channels);
        groupNorm(channels, resolution, 1e-6f);
        conv1x1(channels, channels, resolution);
        for (int layer = 0; layer < config.transformerLayersPerBlock(); layer++) {
            layerNorm(tokensShape);
            for (int projection = 0; projection < 4; projection++) {
                linear("linear.attention", tokensShape, channels, channels, projection == 3);
            }
            attention("attention.self", positions, positions, channels, false);
            add(tokensShape, tokensShape);

            layerNorm(tokensShape);
            Shape contextShape = new Shape(batch, tokens, config.crossAttentionDim());
            linear("linear.attention", tokensShape, channels, channels, false);
            linear("linear.attention", contextShape, config.crossAttentionDim(), channels, false);
            linear("linear.attention", contextShape, config.crossAttentionDim(), channels, false);
            attention("attention.cross", positions, tokens, channels, true);
            linear("linear.attention", tokensShape, channels, channels, true);
            add(tokensShape, tokensShape);

            layerNorm(tokensShape);
            gegluProjection(tokensShape, channels, channels * 4L);
            linear("linear.ff", new Shape(batch, positions, channels * 4L), channels * 4L, channels, true);
            add(tokensShape, tokensShape);
        }
        conv1x1(channels, channels, resolution);
        add(new Shape(batch, channels, resolution, resolution), new Shape(batch, channels, resolution, resolution));
    }

    private void conv3x3(int in, int out, int resolution, int stride) {
        Shape strideShape = stride == 1 ? UNIT : STRIDE_TWO;
        cases.add(new OpCase("conv3x3", List.of(new Shape(batch, in, resolution, resolution),
                new Shape(out, in, 3, 3), new Shape(out)),
                operands -> Conv2d.conv2d(operands.get(0), operands.get(1), operands.get(2), strideShape,
                        PADDING_ONE).singletonOrThrow()));
    }

    private void conv1x1(int in, int out, int resolution) {
        cases.add(new OpCase("conv1x1", List.of(new Shape(batch, in, resolution, resolution),
                new Shape(out, in, 1, 1), new Shape(out)),
                operands -> Conv2d.conv2d(operands.get(0), operands.get(1), operands.get(2), UNIT, PADDING_NONE)
                        .singletonOrThrow()));
    }

    private void groupNorm(int channels, int resolution, float eps) {
        int groups = config.normNumGroups();
        cases.add(new OpCase("groupNorm", List.of(new Shape(batch, channels, resolution, resolution),
                new Shape(channels), new Shape(channels)),
                operands -> TensorOps.groupNorm(operands.get(0), groups, operands.get(1), operands.get(2), eps)));
    }

    private void silu(int channels, int resolution) {
        cases.add(new OpCase("silu", List.of(new Shape(batch, channels, resolution, resolution)),
                operands -> TensorOps.silu(operands.get(0))));
    }

    private void linear(String family, Shape input, long in, long out, boolean bias) {
        List<Shape> operands = bias ? List.of(input, new Shape(out, in), new Shape(out))
                : List.of(input, new Shape(out, in));
        cases.add(new OpCase(family, operands, arrays -> Linear.linear(arrays.get(0), arrays.get(1),
                bias ? arrays.get(2) : null).singletonOrThrow()));
    }

    /** Records the GEGLU input projection of the feed-forward network: [..., in] to [..., inner]. */
    private void gegluProjection(Shape input, long in, long inner) {
        cases.add(new OpCase("geglu.ff", List.of(input, new Shape(2 * inner, in), new Shape(2 * inner)),
                operands -> TensorOps.gegluLinear(operands.get(0), operands.get(1), operands.get(2))));
    }

    private void layerNorm(Shape input) {
        long width = input.get(input.dimension() - 1);
        cases.add(new OpCase("layerNorm", List.of(input, new Shape(width), new Shape(width)),
                operands -> LayerNorm.layerNorm(operands.get(0), new Shape(width), operands.get(1), operands.get(2),
                        1e-5f).singletonOrThrow()));
    }

    private void attention(String family, long queries, long keys, int channels, boolean masked) {
        int heads = config.attentionHeadDim();
        Shape queryShape = new Shape(batch, queries, channels);
        Shape keyShape = new Shape(batch, keys, channels);
        cases.add(new OpCase(family, List.of(queryShape, keyShape, keyShape), operands -> {
            NDArray bias = null;
            if (masked) {
                NDManager manager = operands.get(0).getManager();
                bias = TensorOps.attentionBias(manager.ones(new Shape(batch, keys)));
            }
            return TensorOps.scaledDotProductAttention(operands.get(0), operands.get(1), operands.get(2), heads,
                    bias);
        }));
    }

    private void upsample(int channels, int resolution) {
        cases.add(new OpCase("upsample", List.of(new Shape(batch, channels, resolution, resolution)),
                operands -> TensorOps.upsampleNearest2x(operands.get(0))));
    }

    private void concat(int channels, int skipChannels, int resolution) {
        cases.add(new OpCase("concat", List.of(new Shape(batch, channels, resolution, resolution),
                new Shape(batch, skipChannels, resolution, resolution)),
                operands -> operands.get(0).concat(operands.get(1), 1)));
    }

    private void add(Shape left, Shape right) {
        cases.add(new OpCase("add", List.of(left, right), operands -> operands.get(0).add(operands.get(1))));
    }
}
