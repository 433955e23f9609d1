package dev.myelin.iot;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Model;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Predictor} over a {@link Model}: one worker thread takes up to {@code maxBatch}
 * queued samples (waiting at most {@code maxDelay} after the first for more), stacks them into
 * one (batch, ...) tensor and makes one {@code model.predict} call. The queue holds at most
 * {@code capacity} samples; {@link #submit} waits for room. Only the worker touches the model.
 *
 * <pre>{@code
 * try (var p = new BatchingPredictor(Model.load(path), 64, Duration.ofMillis(2), 1024)) {
 *     float[] y = p.submit(window).join();
 * }
 * }</pre>
 *
 * Meters (tag {@code predictor}): {@code myelin.iot.batch.size}, {@code myelin.iot.batch.latency}
 * (one model call), {@code myelin.iot.queue.depth}.
 */
public final class BatchingPredictor implements Predictor {
    private record Job(float[] sample, CompletableFuture<float[]> result) {}

    private final Model model;
    private final int[] inputShape, outputShape;
    private final int sampleSize, outputSize, maxBatch, capacity;
    private final long maxDelayNanos;
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition(), notEmpty = lock.newCondition();
    private final Thread worker;
    private final DistributionSummary batchSizes;
    private final Timer latency;
    private volatile int depth;
    private boolean closed; // guarded by lock

    public BatchingPredictor(Model model, int maxBatch, Duration maxDelay, int capacity) {
        this(model, maxBatch, maxDelay, capacity, new SimpleMeterRegistry(), "model");
    }

    /** With meters in {@code registry}, tagged {@code predictor=name}. */
    public BatchingPredictor(Model model, int maxBatch, Duration maxDelay, int capacity, MeterRegistry registry, String name) {
        if (maxBatch < 1) throw new IllegalArgumentException("max batch must be at least 1, got " + maxBatch);
        if (capacity < 1) throw new IllegalArgumentException("queue capacity must be at least 1, got " + capacity);
        if (maxDelay.isNegative()) throw new IllegalArgumentException("max delay must be >= 0, got " + maxDelay);
        List<int[]> ins = model.inputShapes();
        if (ins == null || ins.size() != 1) {
            throw new IllegalArgumentException("the predictor needs a built model with one input, got " + (ins == null ? "an unbuilt model" : ins.size() + " inputs"));
        }
        this.model = model;
        this.inputShape = ins.getFirst().clone();
        for (int d : inputShape) {
            if (d < 1) throw new IllegalArgumentException("the model's input shape " + Arrays.toString(inputShape) + " has a variable size; the predictor needs fixed sizes");
        }
        List<int[]> outs = model.outputShapes();
        if (outs.size() != 1) throw new IllegalArgumentException("the predictor needs a model with one output, got " + outs.size());
        this.outputShape = outs.getFirst().clone();
        this.sampleSize = Shape.numel(inputShape);
        this.outputSize = Shape.numel(outputShape);
        this.maxBatch = maxBatch;
        this.capacity = capacity;
        this.maxDelayNanos = maxDelay.toNanos();
        this.batchSizes = DistributionSummary.builder("myelin.iot.batch.size").description("samples per model call")
                .tag("predictor", name).register(registry);
        this.latency = Timer.builder("myelin.iot.batch.latency").description("time of one batched model call")
                .tag("predictor", name).register(registry);
        Gauge.builder("myelin.iot.queue.depth", this, p -> p.depth).description("samples waiting for the model")
                .tag("predictor", name).register(registry);
        this.worker = Thread.ofPlatform().name("myelin-iot-batcher-" + name).daemon(true).start(this::run);
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
        Job job = job(sample);
        lock.lockInterruptibly();
        try {
            while (queue.size() >= capacity && !closed) notFull.await();
            enqueue(job);
        } finally {
            lock.unlock();
        }
        return job.result;
    }

    @Override
    public CompletableFuture<float[]> trySubmit(float[] sample) {
        Job job = job(sample);
        lock.lock();
        try {
            if (queue.size() >= capacity && !closed) return null;
            enqueue(job);
        } finally {
            lock.unlock();
        }
        return job.result;
    }

    private void enqueue(Job job) {
        if (closed) throw new IllegalStateException("the predictor is closed");
        queue.addLast(job);
        depth = queue.size();
        notEmpty.signal();
    }

    private Job job(float[] sample) {
        if (sample.length != sampleSize) {
            throw new IllegalArgumentException("a sample of shape " + Arrays.toString(inputShape) + " has " + sampleSize + " values, got " + sample.length);
        }
        return new Job(sample, new CompletableFuture<>());
    }

    /** The worker: waits for a first sample, gathers more until the batch is full or the delay is over, runs it. */
    private void run() {
        List<Job> batch = new ArrayList<>(maxBatch);
        while (true) {
            batch.clear();
            lock.lock();
            try {
                while (queue.isEmpty() && !closed) notEmpty.awaitUninterruptibly();
                if (queue.isEmpty()) return; // closed and drained
                long deadline = System.nanoTime() + maxDelayNanos;
                while (true) {
                    while (batch.size() < maxBatch && !queue.isEmpty()) batch.add(queue.pollFirst());
                    long left = deadline - System.nanoTime();
                    if (batch.size() == maxBatch || left <= 0 || closed) break;
                    try {
                        notEmpty.awaitNanos(left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                depth = queue.size();
                notFull.signalAll();
            } finally {
                lock.unlock();
            }
            runBatch(batch);
        }
    }

    private void runBatch(List<Job> batch) {
        int n = batch.size();
        try {
            // x: (n, inputShape...), one sample per row
            float[] x = new float[n * sampleSize];
            for (int i = 0; i < n; i++) System.arraycopy(batch.get(i).sample, 0, x, i * sampleSize, sampleSize);
            int[] shape = new int[inputShape.length + 1];
            shape[0] = n;
            System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
            long t0 = System.nanoTime();
            float[] y = model.predict(Tensor.wrap(x, shape), n).toFloatArray();
            latency.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
            batchSizes.record(n);
            for (int i = 0; i < n; i++) batch.get(i).result.complete(Arrays.copyOfRange(y, i * outputSize, (i + 1) * outputSize));
        } catch (RuntimeException | Error e) {
            for (Job j : batch) j.result.completeExceptionally(e);
        }
    }

    /** Runs what is queued, then stops the worker. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
