package dev.myelin.iot;

import dev.myelin.nn.Model;
import dev.myelin.serve.Batcher;
import dev.myelin.serve.InferenceServer;
import dev.myelin.serve.QueueFullException;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link Predictor} over the inference server's {@link Batcher}: the bridge's windows take the
 * same batching, inference path and meters as the server's HTTP requests (one implementation, in
 * myelin-serve). {@code submit} waits while the batcher's queue is full (backpressure for QoS 1/2
 * readings); {@code trySubmit} gives null where the batcher refuses with {@link QueueFullException}.
 *
 * <pre>{@code
 * try (var p = BatcherPredictor.of(Batcher.builder("detector", model).maxBatchSize(64).server(server).build())) {
 *     float[] y = p.submit(window).join();
 * }
 * }</pre>
 */
public final class BatcherPredictor implements Predictor {
    private final Batcher batcher;
    private final boolean owns;
    private final int[] inputShape, outputShape;

    private BatcherPredictor(Batcher batcher, boolean owns) {
        this.batcher = batcher;
        this.owns = owns;
        List<int[]> ins = batcher.inputShapes(), outs = batcher.outputShapes();
        if (ins.size() != 1 || outs.size() != 1) {
            throw new IllegalArgumentException("the bridge needs a model with one input and one output, got " + ins.size() + " inputs and " + outs.size() + " outputs");
        }
        this.inputShape = withoutBatchAxis(ins.getFirst(), "input");
        this.outputShape = withoutBatchAxis(outs.getFirst(), "output");
    }

    /** A predictor on a batcher the caller keeps: closing the predictor leaves the batcher running. */
    public static BatcherPredictor of(Batcher batcher) {
        return new BatcherPredictor(batcher, false);
    }

    /**
     * A predictor on a new batcher over {@code model}, named {@code name} (the {@code model} tag of
     * its meters), recording into {@code server}'s metrics when given, else into {@code registry}.
     * A batch leaves as soon as the model is free, holding every window queued meanwhile (up to
     * {@code maxBatch}); with {@code maxDelayMs > 0} it waits that long for company first.
     * Closing the predictor closes the batcher.
     */
    public static BatcherPredictor create(String name, Model model, int maxBatch, double maxDelayMs, int queueCapacity,
                                          InferenceServer server, MeterRegistry registry) {
        Batcher.Builder b = Batcher.builder(name, model).maxBatchSize(maxBatch).maxQueueSize(queueCapacity)
                .maxQueueDelay(java.time.Duration.ofNanos(Math.round(maxDelayMs * 1e6))).earlyDispatch(maxDelayMs == 0);
        if (server != null) b.server(server);
        else if (registry != null) b.meterRegistry(registry);
        return new BatcherPredictor(b.build(), true);
    }

    private static int[] withoutBatchAxis(int[] shape, String what) {
        int[] s = Arrays.copyOfRange(shape, 1, shape.length);
        for (int d : s) {
            if (d < 0) throw new IllegalArgumentException("the model's " + what + " shape " + Arrays.toString(shape) + " has a variable size; the bridge needs fixed sizes");
        }
        return s;
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public int[] outputShape() {
        return outputShape.clone();
    }

    @Override
    public CompletableFuture<float[]> submit(float[] sample) throws InterruptedException {
        return batcher.submitWaiting(sample);
    }

    @Override
    public CompletableFuture<float[]> trySubmit(float[] sample) {
        try {
            return batcher.submit(sample);
        } catch (QueueFullException e) {
            return null;
        }
    }

    /** The batcher this predictor submits to. */
    public Batcher batcher() {
        return batcher;
    }

    @Override
    public void close() {
        if (owns) batcher.close();
    }
}
