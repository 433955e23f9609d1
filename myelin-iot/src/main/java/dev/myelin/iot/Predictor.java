package dev.myelin.iot;

import java.util.concurrent.CompletableFuture;

/**
 * Runs a model on single samples, batching them behind the scenes: the narrow seam between the
 * bridge and whatever executes the model ({@link BatcherPredictor}: the inference server's
 * batcher, alone or inside a running server; a test double in tests). Samples are flat, row-major, of
 * {@link #inputShape()}; results are the model's output row, flat, of {@link #outputShape()}.
 * Futures complete in submission order for samples submitted from one thread.
 *
 * <pre>{@code float[] out = predictor.submit(window).join();}</pre>
 */
public interface Predictor extends AutoCloseable {

    /** One sample's shape, without the batch axis, e.g. (steps, features). */
    int[] inputShape();

    /** One result's shape, without the batch axis. */
    int[] outputShape();

    /** Queues a sample, waiting while the queue is full (backpressure). */
    CompletableFuture<float[]> submit(float[] sample) throws InterruptedException;

    /** Queues a sample if there is room now; null when the queue is full. */
    CompletableFuture<float[]> trySubmit(float[] sample);

    /** Finishes the samples already queued, then stops; later submissions fail. */
    @Override
    void close();
}
