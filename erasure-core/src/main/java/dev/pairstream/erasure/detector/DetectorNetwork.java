package dev.pairstream.erasure.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The detector's tensors and forward pass, written with DJL's functional operators so that every tensor has a
 * fixed, PyTorch-style name: {@code stages.<i>.conv.weight}, {@code stages.<i>.bn.weight|bias|running_mean|running_var},
 * {@code classifier.weight} and {@code classifier.bias}.
 *
 * <p>Convolutions have no bias because the batch normalisation after them adds one. The network owns the
 * manager it was given and closes it.
 */
final class DetectorNetwork implements AutoCloseable {

    /**
     * One named tensor of the layout.
     *
     * @param name      the safetensors name
     * @param shape     the expected shape
     * @param trainable whether the optimiser updates it; running statistics are updated by the forward pass
     * @param decayed   whether weight decay applies: convolution and linear weights only
     */
    record TensorSpec(String name, Shape shape, boolean trainable, boolean decayed) {
    }

    /** The outputs of a forward pass, both in the input's manager. */
    record Outputs(NDArray features, NDArray logits) {
    }

    private final DetectorConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> tensors;
    private final List<TensorSpec> layout;
    private final NDArray mean;
    private final NDArray std;

    private DetectorNetwork(DetectorConfig config, NDManager manager, Map<String, NDArray> tensors) {
        this.config = config;
        this.manager = manager;
        this.tensors = tensors;
        this.layout = layout(config.architecture(), config.classCount());
        int channels = config.architecture().inputChannels();
        InputNormalization normalization = config.inputNormalization();
        float[] means = new float[channels];
        float[] stds = new float[channels];
        for (int c = 0; c < channels; c++) {
            means[c] = normalization.mean().get(c).floatValue();
            stds[c] = normalization.std().get(c).floatValue();
        }
        this.mean = manager.create(means, new Shape(1, channels, 1, 1));
        this.std = manager.create(stds, new Shape(1, channels, 1, 1));
    }

    /** Returns the tensor layout of an architecture, in file order. */
    static List<TensorSpec> layout(DetectorArchitecture architecture, int classCount) {
        List<TensorSpec> specs = new ArrayList<>();
        int in = architecture.inputChannels();
        int k = architecture.kernelSize();
        List<Integer> stages = architecture.stageChannels();
        for (int i = 0; i < stages.size(); i++) {
            int out = stages.get(i);
            String prefix = "stages." + i + ".";
            specs.add(new TensorSpec(prefix + "conv.weight", new Shape(out, in, k, k), true, true));
            specs.add(new TensorSpec(prefix + "bn.weight", new Shape(out), true, false));
            specs.add(new TensorSpec(prefix + "bn.bias", new Shape(out), true, false));
            specs.add(new TensorSpec(prefix + "bn.running_mean", new Shape(out), false, false));
            specs.add(new TensorSpec(prefix + "bn.running_var", new Shape(out), false, false));
            in = out;
        }
        specs.add(new TensorSpec("classifier.weight", new Shape(classCount, in), true, true));
        specs.add(new TensorSpec("classifier.bias", new Shape(classCount), true, false));
        return List.copyOf(specs);
    }

    /**
     * Creates a network with seeded random weights: He-normal convolutions, a uniform classifier in
     * +-1/sqrt(fan-in) as PyTorch's {@code nn.Linear} does, unit batch-norm scales and zero shifts.
     */
    static DetectorNetwork initialize(DetectorConfig config, NDManager manager, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (TensorSpec spec : layout(config.architecture(), config.classCount())) {
            float[] values = new float[Math.toIntExact(spec.shape().size())];
            String name = spec.name();
            long fanIn = spec.shape().dimension() > 1 ? spec.shape().size() / spec.shape().get(0) : 1;
            if (name.endsWith("conv.weight")) {
                double sigma = Math.sqrt(2.0 / fanIn);
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextGaussian() * sigma);
                }
            } else if (name.equals("classifier.weight")) {
                double bound = 1.0 / Math.sqrt(fanIn);
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) random.nextDouble(-bound, bound);
                }
            } else if (name.endsWith("bn.weight") || name.endsWith("running_var")) {
                Arrays.fill(values, 1f);
            }
            NDArray array = manager.create(values, spec.shape());
            array.setName(name);
            tensors.put(name, array);
        }
        return new DetectorNetwork(config, manager, tensors);
    }

    /**
     * Builds a network around decoded tensors, which must match the layout exactly and hold only finite values.
     *
     * @param source names the tensors' file in error messages
     * @throws DetectorFormatException naming the file and tensor when one is missing, unexpected, of the wrong
     *                                 shape or dtype, or not finite
     */
    static DetectorNetwork fromTensors(DetectorConfig config, NDManager manager, Map<String, NDArray> decoded,
            Path source) throws DetectorFormatException {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        List<TensorSpec> specs = layout(config.architecture(), config.classCount());
        for (TensorSpec spec : specs) {
            NDArray array = SafetensorsFiles.require(source, decoded, spec.name(), spec.shape());
            requireFinite(source, spec.name(), array);
            tensors.put(spec.name(), array);
        }
        for (String name : decoded.keySet()) {
            if (!tensors.containsKey(name)) {
                throw new DetectorFormatException(source, name, "unexpected tensor; the architecture in "
                        + DetectorConfig.FILE_NAME + " expects only " + tensors.keySet());
            }
        }
        return new DetectorNetwork(config, manager, tensors);
    }

    private static void requireFinite(Path source, String name, NDArray array) throws DetectorFormatException {
        float[] values = array.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new DetectorFormatException(source, name, "value " + values[i] + " at flat index " + i
                        + "; expected finite numbers only");
            }
        }
    }

    /**
     * Runs the network on a batch of raw pictures, shape (batch, channels, size, size) with values in [-1, 1].
     *
     * @param training whether batch normalisation uses the batch's statistics and updates the running ones
     *                 (training) or uses the running ones unchanged (inference)
     */
    Outputs forward(NDArray input, boolean training) {
        DetectorArchitecture architecture = config.architecture();
        int padding = architecture.kernelSize() / 2;
        // DJL states momentum the MXNet way (weight of the old running value) and turns it into PyTorch's
        // momentum (weight of the new batch) as 1 - momentum before calling the engine.
        float djlMomentum = (float) (1.0 - architecture.batchNormMomentum());
        float epsilon = (float) architecture.batchNormEpsilon();
        NDArray x = input.sub(mean).div(std);
        int stages = architecture.stageChannels().size();
        for (int i = 0; i < stages; i++) {
            String prefix = "stages." + i + ".";
            x = Conv2d.conv2d(x, tensors.get(prefix + "conv.weight"), null, new Shape(1, 1),
                    new Shape(padding, padding), new Shape(1, 1)).singletonOrThrow();
            x = BatchNorm.batchNorm(x, tensors.get(prefix + "bn.running_mean"), tensors.get(prefix + "bn.running_var"),
                    tensors.get(prefix + "bn.weight"), tensors.get(prefix + "bn.bias"), 1, djlMomentum, epsilon,
                    training).singletonOrThrow();
            x = Activation.relu(x);
            if (i < stages - 1) {
                x = Pool.maxPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
            }
        }
        Shape shape = x.getShape();
        // The PyTorch engine of DJL 0.36 averages over one axis only, so flatten the plane and average that axis.
        NDArray features = x.reshape(shape.get(0), shape.get(1), -1).mean(new int[] {2});
        NDArray logits = Linear.linear(features, tensors.get("classifier.weight"), tensors.get("classifier.bias"))
                .singletonOrThrow();
        return new Outputs(features, logits);
    }

    /** Returns the config. */
    DetectorConfig config() {
        return config;
    }

    /** Returns the tensor layout, in file order. */
    List<TensorSpec> layout() {
        return layout;
    }

    /** Returns a tensor by its layout name. */
    NDArray tensor(String name) {
        NDArray array = tensors.get(name);
        if (array == null) {
            throw new IllegalArgumentException("No tensor \"" + name + "\"; the layout has " + tensors.keySet());
        }
        return array;
    }

    /** Returns the manager that owns the tensors. */
    NDManager manager() {
        return manager;
    }

    /** Returns the tensors as a named list in layout order, for encoding; the arrays are the network's own. */
    NDList namedTensors() {
        NDList list = new NDList();
        for (TensorSpec spec : layout) {
            list.add(tensors.get(spec.name()));
        }
        return list;
    }

    /** Returns the name of the first tensor that contains a NaN or infinite value, or null when all are finite. */
    String firstNonFiniteTensor() {
        for (TensorSpec spec : layout) {
            for (float value : tensors.get(spec.name()).toFloatArray()) {
                if (!Float.isFinite(value)) {
                    return spec.name();
                }
            }
        }
        return null;
    }

    @Override
    public void close() {
        manager.close();
    }
}
