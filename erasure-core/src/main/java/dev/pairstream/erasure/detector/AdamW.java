package dev.pairstream.erasure.detector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW with decoupled weight decay, keeping its moment estimates where a checkpoint can save and restore them.
 *
 * <p>DJL's own {@code Adam} keeps its moments in private maps, so they could not be checkpointed. This class keeps
 * them itself and runs the update through the engine's fused Adam kernel, the one DJL's optimiser calls, which
 * also zeroes each gradient afterwards. That kernel adds epsilon to the square root of the uncorrected second
 * moment and folds both bias corrections into the learning rate, as MXNet's Adam does.
 */
final class AdamW implements AutoCloseable {

    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.999f;
    static final float EPSILON = 1e-8f;

    private static final String FIRST_MOMENT = ".exp_avg";
    private static final String SECOND_MOMENT = ".exp_avg_sq";

    private final NDManager manager;
    private final Map<String, NDArray> moments = new LinkedHashMap<>();

    /** Creates zero moments for every trainable tensor of the network, in a manager the optimiser owns. */
    AdamW(DetectorNetwork network, NDManager manager) {
        this.manager = manager;
        for (DetectorNetwork.TensorSpec spec : network.layout()) {
            if (spec.trainable()) {
                for (String suffix : new String[] {FIRST_MOMENT, SECOND_MOMENT}) {
                    NDArray zeros = manager.zeros(spec.shape());
                    zeros.setName(spec.name() + suffix);
                    moments.put(spec.name() + suffix, zeros);
                }
            }
        }
    }

    /**
     * Replaces the moments with decoded ones, which must cover every trainable tensor with its shape.
     *
     * @throws DetectorFormatException naming the file and tensor when one is missing or misshapen
     */
    void restore(Map<String, NDArray> decoded, Path source) throws DetectorFormatException {
        for (Map.Entry<String, NDArray> entry : moments.entrySet()) {
            NDArray restored = SafetensorsFiles.require(source, decoded, entry.getKey(),
                    entry.getValue().getShape());
            restored.attach(manager);
            entry.getValue().close();
            entry.setValue(restored);
        }
        for (String name : decoded.keySet()) {
            if (!moments.containsKey(name)) {
                throw new DetectorFormatException(source, name, "unexpected tensor; the optimiser state contains only "
                        + moments.keySet());
            }
        }
    }

    /**
     * Applies one update to every trainable tensor from its gradient.
     *
     * @param step         the one-based update count, for the bias corrections
     * @param learningRate the learning rate of this step
     * @param weightDecay  the decoupled decay factor, applied only where the layout marks a tensor as decayed
     * @param scope        the step's manager, which takes over the gradient handles
     */
    void step(DetectorNetwork network, int step, double learningRate, double weightDecay, NDManager scope) {
        double correction = Math.sqrt(1 - Math.pow(BETA2, step)) / (1 - Math.pow(BETA1, step));
        float correctedRate = (float) (learningRate * correction);
        for (DetectorNetwork.TensorSpec spec : network.layout()) {
            if (!spec.trainable()) {
                continue;
            }
            NDArray weight = network.tensor(spec.name());
            NDArray gradient = weight.getGradient();
            // getGradient wraps the gradient in a new handle owned by the weight's manager; hand it to the step.
            gradient.attach(scope);
            float decay = spec.decayed() ? (float) weightDecay : 0f;
            weight.getNDArrayInternal().adamUpdate(
                    new NDList(weight, gradient, moments.get(spec.name() + FIRST_MOMENT),
                            moments.get(spec.name() + SECOND_MOMENT)),
                    new NDList(weight), (float) learningRate, correctedRate, decay, 1f, -1f, BETA1, BETA2, EPSILON,
                    true, true);
        }
    }

    /** Returns the moments as named tensors, {@code <tensor>.exp_avg} and {@code <tensor>.exp_avg_sq}. */
    NDList namedState() {
        return new NDList(moments.values());
    }

    @Override
    public void close() {
        manager.close();
    }
}
