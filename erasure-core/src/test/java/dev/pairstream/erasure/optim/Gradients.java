package dev.pairstream.erasure.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import java.util.Map;

/** Gives parameters chosen gradients through a real backward pass. */
final class Gradients {

    private Gradients() {
    }

    /**
     * Replaces each parameter's gradient with the given values: the gradient of {@code sum(p * c)} with respect to
     * {@code p} is {@code c}.
     */
    static void set(Engine engine, Map<String, NDArray> parameters, Map<String, float[]> gradients) {
        try (NDManager scope = parameters.values().iterator().next().getManager().newSubManager()) {
            for (NDArray parameter : parameters.values()) {
                if (parameter.hasGradient()) {
                    try (NDArray gradient = parameter.getGradient()) {
                        gradient.set(new NDIndex("..."), 0f);
                    }
                }
            }
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray loss = null;
                for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                    NDArray parameter = entry.getValue();
                    NDArray weights = scope.create(gradients.get(entry.getKey()), parameter.getShape());
                    NDArray term = parameter.mul(weights).sum();
                    term.attach(scope);
                    loss = loss == null ? term : loss.add(term);
                }
                collector.backward(loss);
            }
        }
    }
}
