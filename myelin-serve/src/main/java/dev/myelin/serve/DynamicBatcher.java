package dev.myelin.serve;

import dev.myelin.core.DType;
import dev.myelin.core.GradMode;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Context;
import dev.myelin.nn.Model;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Dynamic batching for one model version, as Triton's dynamic_batching: requests wait in a
 * bounded queue; a worker (one per model instance, each with its own copy of the model) takes the
 * oldest request together with the queued requests of the same non-batch shapes, up to
 * {@code max_batch_size} rows, waiting at most {@code max_queue_delay_ms} after the oldest
 * arrived for more to join; it runs them as one model call (inference mode, no autograd) and
 * answers each request with its own rows. Rows do not interact in inference (batch normalization
 * uses its moving statistics), so answers equal unbatched ones up to float rounding.
 *
 * <p>A batch that fails on its data (an IllegalArgumentException, such as an id outside an
 * embedding's range) is run again request by request, so only the request at fault gets the 400.
 */
final class DynamicBatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DynamicBatcher.class.getName());

    /** One queued request: its inputs in signature order (INT32 already widened to INT64). */
    private static final class Pending {
        final List<InferTensor> inputs;
        final int rows;
        final String key;
        final long enqueued = System.nanoTime();
        final CompletableFuture<List<InferTensor>> result = new CompletableFuture<>();

        Pending(List<InferTensor> inputs) {
            this.inputs = inputs;
            this.rows = inputs.getFirst().rows();
            StringBuilder k = new StringBuilder();
            for (InferTensor t : inputs) {
                int[] s = t.shape();
                k.append(Arrays.toString(Arrays.copyOfRange(s, 1, s.length))).append(';');
            }
            this.key = k.toString();
        }
    }

    private final String label;
    private final Signature signature;
    private final ModelConfig config;
    private final ServeMetrics metrics;
    private final ServeMetrics.VersionMeters meters;
    /** This batcher's share of the version's queue-depth gauge (one object, so it can be released). */
    private final Supplier<Number> depth = this::queueDepth;
    private final long delayNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final List<Thread> workers = new ArrayList<>();
    private boolean closing;

    /** Starts one worker thread per model in {@code instances}. */
    DynamicBatcher(String model, long version, Signature signature, List<Model> instances, ModelConfig config, ServeMetrics metrics) {
        this.label = "model '" + model + "' version " + version;
        this.signature = signature;
        this.config = config;
        this.delayNanos = Math.round(config.maxQueueDelayMs() * 1e6);
        this.metrics = metrics;
        this.meters = metrics.version(model, version, depth);
        for (int i = 0; i < instances.size(); i++) {
            Model m = instances.get(i);
            workers.add(Thread.ofPlatform().daemon().name("myelin-serve-" + model + "-v" + version + "-" + i).start(() -> work(m)));
        }
    }

    ServeMetrics.VersionMeters meters() {
        return meters;
    }

    /**
     * Queues a request whose inputs are checked against the signature and in its order; the
     * future gives the outputs in signature order. Refuses with 503 when the queue is full or the
     * version is being unloaded.
     */
    CompletableFuture<List<InferTensor>> submit(List<InferTensor> inputs) {
        Pending p = new Pending(inputs);
        lock.lock();
        try {
            if (closing) throw ServeException.unavailable(label + " is being unloaded; retry, and the request goes to the version serving now", 1);
            if (queue.size() >= config.maxQueueSize()) {
                throw ServeException.unavailable(label + " is overloaded: " + queue.size() + " requests are waiting (max_queue_size "
                        + config.maxQueueSize() + "); retry later", 1);
            }
            queue.addLast(p);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return p.result;
    }

    int queueDepth() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    private void work(Model model) {
        while (true) {
            List<Pending> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                return;
            }
            if (batch == null) return;
            long start = System.nanoTime();
            for (Pending p : batch) meters.queue.record(start - p.enqueued, TimeUnit.NANOSECONDS);
            execute(model, batch);
        }
    }

    /** The next batch, or null once closing with nothing left. Requests already answered (timed out) are dropped. */
    private List<Pending> nextBatch() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                queue.removeIf(p -> p.result.isDone());
                if (queue.isEmpty()) {
                    if (closing) return null;
                    changed.await();
                    continue;
                }
                Pending first = queue.peekFirst();
                long wait = first.enqueued + delayNanos - System.nanoTime();
                if (closing || wait <= 0 || rowsReady(first) >= config.maxBatchSize()) return take(first);
                changed.awaitNanos(wait);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Rows the batch led by {@code first} would have now (queue order, stopping at the first that would not fit). */
    private int rowsReady(Pending first) {
        int rows = 0;
        for (Pending p : queue) {
            if (!p.key.equals(first.key)) continue;
            if (rows > 0 && rows + p.rows > config.maxBatchSize()) break;
            rows += p.rows;
        }
        return rows;
    }

    private List<Pending> take(Pending first) {
        List<Pending> batch = new ArrayList<>();
        int rows = 0;
        for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (!p.key.equals(first.key)) continue;
            if (rows > 0 && rows + p.rows > config.maxBatchSize()) break;
            batch.add(p);
            rows += p.rows;
            it.remove();
            if (rows >= config.maxBatchSize()) break;
        }
        return batch;
    }

    /** Runs one batch and answers its requests; on a data error with several requests, runs them one by one. */
    private void execute(Model model, List<Pending> batch) {
        int rows = 0;
        for (Pending p : batch) rows += p.rows;
        long start = System.nanoTime();
        try {
            meters.batchSize.record(rows);
            List<List<InferTensor>> answers = compute(model, batch, rows);
            meters.compute.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            for (int i = 0; i < batch.size(); i++) batch.get(i).result.complete(answers.get(i));
        } catch (IllegalArgumentException e) {
            meters.compute.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            if (batch.size() > 1) {
                for (Pending p : batch) execute(model, List.of(p));
            } else {
                batch.getFirst().result.completeExceptionally(ServeException.badRequest(label + " cannot run on this input: " + e.getMessage()));
            }
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, label + ": inference failed on a batch of " + rows + " rows", e);
            ServeException failure = new ServeException(500, label + ": inference failed: " + e, 0, e);
            for (Pending p : batch) p.result.completeExceptionally(failure);
        }
    }

    /** (rows, ...) per input: the requests' rows one after another; outputs cut back into each request's rows. */
    @SuppressWarnings("try")   // the no-grad scope is used for its effect only
    private List<List<InferTensor>> compute(Model model, List<Pending> batch, int rows) {
        List<Tensor> ins = new ArrayList<>();
        for (int j = 0; j < signature.inputs().size(); j++) {
            InferTensor first = batch.getFirst().inputs.get(j);
            int[] shape = first.shape();
            shape[0] = rows;
            if (first.datatype() == Datatype.FP32) {
                float[] all = batch.size() == 1 ? first.floats() : new float[(int) InferTensor.numel(shape)];
                if (batch.size() > 1) {
                    int pos = 0;
                    for (Pending p : batch) {
                        float[] v = p.inputs.get(j).floats();
                        System.arraycopy(v, 0, all, pos, v.length);
                        pos += v.length;
                    }
                }
                ins.add(Tensor.wrap(all, shape));
            } else {
                long[] all = new long[(int) InferTensor.numel(shape)];
                int pos = 0;
                for (Pending p : batch) {
                    long[] v = p.inputs.get(j).longs();
                    System.arraycopy(v, 0, all, pos, v.length);
                    pos += v.length;
                }
                ins.add(Tensor.ofLongs(all, shape));
            }
        }
        List<Tensor> outs;
        try (var ignored = GradMode.noGrad()) {
            outs = model.applyAll(ins, Context.inference());
        }
        if (outs.size() != signature.outputs().size()) {
            throw new IllegalStateException("the model gave " + outs.size() + " outputs; its signature lists " + signature.outputs().size());
        }
        List<List<InferTensor>> answers = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) answers.add(new ArrayList<>());
        for (int k = 0; k < outs.size(); k++) {
            Tensor out = outs.get(k);
            String name = signature.outputs().get(k).name();
            int[] s = out.shape();
            if (s.length == 0 || s[0] != rows) {
                throw new IllegalStateException("output '" + name + "' has shape " + Arrays.toString(s) + " for a batch of " + rows
                        + " rows; a served model's outputs must keep the batch axis first");
            }
            int rowSize = rows == 0 ? 0 : out.numel() / rows;
            boolean integral = out.dtype() != DType.FLOAT32;
            float[] f = integral ? null : out.toFloatArray();
            long[] l = integral ? out.toLongArray() : null;
            int row = 0;
            for (int i = 0; i < batch.size(); i++) {
                int n = batch.get(i).rows;
                int[] shape = s.clone();
                shape[0] = n;
                int from = row * rowSize, to = (row + n) * rowSize;
                InferTensor t = integral
                        ? InferTensor.int64(name, Arrays.copyOfRange(l, from, to), shape)
                        : InferTensor.fp32(name, batch.size() == 1 ? f : Arrays.copyOfRange(f, from, to), shape);
                answers.get(i).add(t);
                row += n;
            }
        }
        return answers;
    }

    /**
     * Stops taking requests, lets the workers finish what is queued (waiting up to {@code drain}),
     * then removes the version's meters. Requests still queued after that get 503.
     */
    void close(Duration drain) {
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        long deadline = System.nanoTime() + drain.toNanos();
        for (Thread w : workers) {
            try {
                long left = deadline - System.nanoTime();
                if (left > 0) w.join(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        lock.lock();
        try {
            for (Pending p : queue) p.result.completeExceptionally(ServeException.unavailable(label + " was unloaded before this request ran", 1));
            queue.clear();
        } finally {
            lock.unlock();
        }
        metrics.release(meters, depth);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
