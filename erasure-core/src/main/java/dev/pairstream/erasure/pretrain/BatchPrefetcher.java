package dev.pairstream.erasure.pretrain;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Prepares the next step's batch on a background thread while the current step trains, so that drawing the noise
 * and copying pictures and contexts overlap the UNet's work. The batches are the same as without prefetching because
 * each one is drawn from the run seed and its step alone. The captions must be encoded before, see
 * {@link CaptionContexts#encodeAll}.
 *
 * <p>Use from one thread.
 */
final class BatchPrefetcher implements AutoCloseable {

    private final BatchPlanner planner;
    private final ExecutorService executor;
    private Future<PreparedBatch> next;
    private long nextStep = -1;

    BatchPrefetcher(BatchPlanner planner) {
        this.planner = planner;
        this.executor = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "batch-prefetch");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Returns the batch of {@code step} and starts preparing the batch of {@code step + 1}.
     *
     * @throws IllegalStateException when preparing the batch failed, with the failure as the cause
     */
    PreparedBatch take(long step) throws InterruptedException {
        Future<PreparedBatch> current = step == nextStep ? next : executor.submit(() -> planner.prepare(step));
        next = executor.submit(() -> planner.prepare(step + 1));
        nextStep = step + 1;
        try {
            return current.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Failed to prepare the batch of step " + step + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (CancellationException e) {
            throw new IllegalStateException("Preparing the batch of step " + step + " was cancelled", e);
        }
    }

    /** Stops the background thread, dropping a batch that is still being prepared. */
    @Override
    public void close() {
        executor.shutdownNow();
    }
}
