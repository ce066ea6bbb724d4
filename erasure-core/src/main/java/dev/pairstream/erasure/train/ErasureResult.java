package dev.pairstream.erasure.train;

import dev.pairstream.erasure.adapter.Adapter;
import dev.pairstream.erasure.adapter.PeftAdapterFiles;
import dev.pairstream.erasure.model.LinearWeightResolver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A trained erasure: the adapter to sample with and the record of its training. Closing the result releases the
 * adapter.
 *
 * @param methodId    the id of the method that trained it
 * @param adapter     the trained adapter, applied to the untouched base model as a {@link LinearWeightResolver}
 * @param steps       optimizer steps taken
 * @param wallSeconds wall time of the training loop
 * @param lossCurve   mean loss of each logging window
 */
public record ErasureResult(String methodId, Adapter adapter, long steps, double wallSeconds,
        List<LossPoint> lossCurve) implements AutoCloseable {

    /** Validates the fields and copies the loss curve. */
    public ErasureResult {
        TrainingPair.requireText(methodId, "methodId");
        Objects.requireNonNull(adapter, "adapter");
        lossCurve = List.copyOf(lossCurve);
    }

    /** Returns the weights to apply in a forward pass of the base model. */
    public LinearWeightResolver resolver() {
        return adapter;
    }

    /** Writes the adapter as PEFT files into {@code directory}. */
    public void saveAdapter(Path directory) throws IOException {
        PeftAdapterFiles.save(adapter, directory);
    }

    /** Releases the adapter. */
    @Override
    public void close() {
        adapter.close();
    }

    /**
     * The mean loss over the steps of one logging window.
     *
     * @param step the last step of the window, 1-based
     * @param loss the window's mean loss
     */
    public record LossPoint(long step, double loss) {
    }
}
