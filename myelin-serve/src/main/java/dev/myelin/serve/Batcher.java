package dev.myelin.serve;

import dev.myelin.core.DType;
import dev.myelin.core.GradMode;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Context;
import dev.myelin.nn.Model;
import dev.myelin.nn.layers.InputLayer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Dynamic batching for one model version, as Triton's dynamic_batching: the one batching
 * implementation of Myelin, used by the inference server for every served version and open to
 * other parts (the MQTT bridge) that want the same inference path, batching and metrics.
 *
 * <p>Requests wait in a bounded queue; a worker (one per model instance, each with its own copy of
 * the model) takes the oldest request together with the queued requests of the same non-batch
 * shapes, up to {@code maxBatchSize} rows, and runs them as one model call (inference mode, no
 * autograd), answering each request with its own rows. Rows do not interact in inference (batch
 * normalization uses its moving statistics), so answers equal unbatched ones up to float rounding.
 *
 * <p>When a batch leaves: as soon as it holds {@code maxBatchSize} rows, or the oldest request has
 * waited {@code maxQueueDelay}, or (early dispatch, on by default) no announced request is still
 * on its way: callers that know a request is coming (the server, while it reads a body) take an
 * {@link #announce() announcement} first, and a batch waits for announced requests only. So one
 * client alone never waits the delay, and a caller that announces nothing gets greedy batching:
 * a batch leaves whenever a worker is free, holding what queued while the previous one ran.
 *
 * <pre>{@code
 * try (Batcher b = Batcher.builder("sensor", model).maxBatchSize(64).maxQueueDelay(Duration.ofMillis(2))
 *         .maxQueueSize(1024).meterRegistry(server.meterRegistry()).build()) {
 *     float[] y = b.submit(window).join();                  // one row in, the output row back
 *     List<Tensor> outs = b.submit(List.of(x)).join();      // (rows, ...) tensors in, (rows, ...) out
 * }
 * }</pre>
 *
 * <p>Each model call runs on its instance's worker thread alone (the worker is a one-thread
 * ForkJoinPool worker, where Myelin's {@code Parallel.forRange} runs inline): in a server the
 * cores are shared with the HTTP threads, and the thread team's workers, which keep spinning for
 * a moment after each job, cost more CPU than they save (measured: a third to a half less CPU per
 * request for the MLP and CNN of {@code bench/run serve}). {@code instance_count} gives parallelism
 * across batches instead; {@code intra_op_parallel: true} lets one call use the team again.
 *
 * <p>A full queue refuses at once with {@link QueueFullException} (status 503);
 * {@link #submitWaiting} waits for room instead. A request still queued when its timeout passes
 * fails with a {@link ServeException} of status 504 (a model call already running is not cut). A batch that fails on its data (an
 * IllegalArgumentException, such as an id outside an embedding's range) is run again request by
 * request, so only the request at fault fails (status 400).
 *
 * <p>Meters (Micrometer, tags {@code model} and {@code version}): {@code myelin.serve.inference.requests},
 * {@code .failures{status}}, {@code .queue}, {@code .compute}, {@code .request} timers,
 * {@code .batch.size}, {@code .queue.depth}; see {@link ServeMetrics}.
 */
public final class Batcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Batcher.class.getName());

    /** One queued request: its inputs in signature order (INT32 already widened to INT64). */
    private static final class Pending {
        final List<InferTensor> inputs;
        final int rows;
        final String key;
        final long enqueued = System.nanoTime();
        final CompletableFuture<List<InferTensor>> result = new CompletableFuture<>();

        /** {@code oneShape}: every request has the same non-batch shapes (one fixed-size input), so the key is not worked out. */
        Pending(List<InferTensor> inputs, boolean oneShape) {
            this.inputs = inputs;
            this.rows = inputs.getFirst().rows();
            if (oneShape) {
                this.key = "";
            } else {
                StringBuilder k = new StringBuilder();
                for (InferTensor t : inputs) {
                    int[] s = t.shape();
                    k.append(Arrays.toString(Arrays.copyOfRange(s, 1, s.length))).append(';');
                }
                this.key = k.toString();
            }
        }
    }

    private final String label;
    private final Signature signature;
    private final ModelConfig config;
    private final ServeMetrics metrics;
    private final ServeMetrics.VersionMeters meters;
    /** This batcher's share of the version's queue-depth gauge (one object, so it can be released). */
    private final Supplier<Number> depth = this::queueDepth;
    private final long delayNanos, timeoutNanos;
    private final boolean fixedWidth;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a request is queued or an announced one will not come: the workers look again. */
    private final Condition changed = lock.newCondition();
    /** Signalled when a batch leaves the queue: {@link #submitWaiting} looks for room again. */
    private final Condition roomMade = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final List<CompletableFuture<Void>> workers = new ArrayList<>();
    private final List<ForkJoinPool> pools = new ArrayList<>();
    /** Announced requests not yet queued (guarded by lock). */
    private int coming;
    /** Workers waiting in {@link #nextBatch} for a request or for the batch to fill (guarded by lock). */
    private int idle;
    /**
     * A submission signalled a waiting worker that has not yet looked at the queue again (guarded by
     * lock): later arrivals need not signal (the worker sees them when it looks), so a burst costs
     * one signal. Without it every arrival signalled, as the woken worker still counts as idle until
     * it gets the lock back (measured: 575 signals for 58 batches of 3000 rows submitted in a row).
     */
    private boolean woken;
    /** Times a submission woke a worker (guarded by lock): at most one per batch, not one per request. */
    private long wakeUps;
    private boolean closing;

    /** Starts one worker thread per model in {@code instances}. */
    Batcher(String model, long version, Signature signature, List<Model> instances, ModelConfig config, ServeMetrics metrics) {
        this.label = "model '" + model + "' version " + version;
        this.signature = signature;
        this.config = config;
        this.delayNanos = Math.round(config.maxQueueDelayMs() * 1e6);
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.timeoutMs());
        this.metrics = metrics;
        this.meters = metrics.version(model, version, depth);
        int[] s0 = signature.inputs().getFirst().shape();
        this.fixedWidth = signature.inputs().size() == 1 && s0.length == 2 && s0[1] >= 0;
        for (int i = 0; i < instances.size(); i++) {
            Model m = instances.get(i);
            String name = "myelin-serve-" + model + "-v" + version + "-" + i;
            CompletableFuture<Void> finished = new CompletableFuture<>();
            Runnable run = () -> {
                try {
                    work(m);
                } finally {
                    finished.complete(null);
                }
            };
            if (!config.intraOpParallel()) {
                // one thread, never a spare: the worker blocks on the queue's lock, which would otherwise make the pool add one
                ForkJoinPool pool = new ForkJoinPool(1, p -> {
                    ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
                    t.setName(name);
                    t.setDaemon(true);
                    return t;
                }, null, false, 1, 1, 0, p -> true, 60, TimeUnit.SECONDS);
                pool.execute(run);
                pools.add(pool);
            } else {
                Thread.ofPlatform().daemon().name(name).start(run);
            }
            workers.add(finished);
        }
    }

    // ------------------------------------------------------------------ building

    /** Settings for a batcher over one model instance; {@code name} is the {@code model} tag of its meters. */
    public static Builder builder(String name, Model model) {
        return new Builder(name, List.of(model));
    }

    /** Settings for a batcher over several copies of one model, each run by its own worker thread. */
    public static Builder builder(String name, List<Model> instances) {
        return new Builder(name, instances);
    }

    /**
     * The settings of a {@link Batcher}, defaults as a served model's ({@link ModelConfig#DEFAULT}):
     * at most 32 rows a batch, no delay, 256 requests queued, 30 s timeout, early dispatch on.
     */
    public static final class Builder {
        private final String name;
        private final List<Model> instances;
        private long version = 1;
        private ModelConfig config = ModelConfig.DEFAULT;
        private MeterRegistry registry;
        private InferenceServer server;

        private Builder(String name, List<Model> instances) {
            if (!ModelRepository.validName(name)) {
                throw new IllegalArgumentException("batcher name must be letters, digits, '_', '.' and '-', not starting with '.', got '" + name + "'");
            }
            if (instances == null || instances.isEmpty()) throw new IllegalArgumentException("a batcher needs at least one model instance");
            for (Model m : instances) if (m == null) throw new IllegalArgumentException("model instances must not be null");
            this.name = name;
            this.instances = List.copyOf(instances);
        }

        /** The {@code version} tag of the meters (default 1). */
        public Builder version(long v) {
            if (v < 1) throw new IllegalArgumentException("version must be at least 1, got " + v);
            this.version = v;
            return this;
        }

        /** Every setting at once, as a served model's config.json gives them (its instance_count and version_policy are not used here). */
        public Builder config(ModelConfig c) {
            this.config = c;
            return this;
        }

        public Builder maxBatchSize(int n) {
            config = config.withMaxBatchSize(n);
            return this;
        }

        public Builder maxQueueDelay(Duration d) {
            config = config.withMaxQueueDelayMs(d.toNanos() / 1e6);
            return this;
        }

        public Builder maxQueueSize(int n) {
            config = config.withMaxQueueSize(n);
            return this;
        }

        /** From queueing to the answer; later fails with status 504. */
        public Builder timeout(Duration d) {
            config = config.withTimeoutMs(Math.max(1, d.toMillis()));
            return this;
        }

        /** Whether one model call may use Myelin's shared thread team (default false: each call runs on its worker thread alone). */
        public Builder intraOpParallel(boolean on) {
            config = config.withIntraOpParallel(on);
            return this;
        }

        /** Whether a batch leaves as soon as no announced request is on its way (default true); false always waits the delay. */
        public Builder earlyDispatch(boolean on) {
            config = config.withEarlyDispatch(on);
            return this;
        }

        /** Records into this registry (default: a private SimpleMeterRegistry). */
        public Builder meterRegistry(MeterRegistry r) {
            this.registry = r;
            this.server = null;
            return this;
        }

        /** Records into {@code s}'s metrics, so the meters show at its {@code /metrics} beside the served models'. */
        public Builder server(InferenceServer s) {
            this.server = s;
            this.registry = null;
            return this;
        }

        /**
         * Warms each instance up on a row of zeros (which also proves it runs and gives the output
         * shapes), then starts the workers. The models must be built (input shapes known).
         */
        public Batcher build() {
            ServeMetrics m = server != null ? server.metrics() : new ServeMetrics(registry != null ? registry : new SimpleMeterRegistry());
            Signature sig = signatureOf(instances.getFirst());
            return new Batcher(name, version, sig, instances, config, m);
        }
    }

    /** A model's signature without a file: its input shapes and names, warm-up output shapes. */
    private static Signature signatureOf(Model model) {
        List<int[]> shapes = model.inputShapes();
        boolean unknown = shapes == null || shapes.isEmpty();
        for (int i = 0; !unknown && i < shapes.size(); i++) unknown = shapes.get(i) == null;
        if (unknown) {
            throw new IllegalArgumentException("the model's input shapes are not known; build it first (inputShape(...) or a call on data)");
        }
        List<String> names = inputNames(model, shapes.size());
        Map<String, Object> meta = new LinkedHashMap<>();
        List<Object> ins = new ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) {
            List<Object> shape = new ArrayList<>();
            shape.add(-1);
            for (int d : shapes.get(i)) shape.add(d < 0 ? -1 : d);
            ins.add(Map.of("name", names.get(i), "shape", shape));
        }
        meta.put("inputs", ins);
        List<Signature.TensorSpec> inputs = Signature.inputs(model, meta);
        return Signature.of(inputs, Map.of(), warmUp(model, inputs));
    }

    /** Input names as a model file records them: the functional graph's inputs, a Sequential's InputLayer, else input / input_i. */
    private static List<String> inputNames(Model model, int count) {
        List<String> out = new ArrayList<>();
        try {
            if (model.config().get("input_layers") instanceof List<?> refs && refs.size() == count) {
                for (Object r : refs) out.add(String.valueOf(((List<?>) r).getFirst()));
                return out;
            }
        } catch (RuntimeException e) {
            out.clear();   // a model without a config: default names
        }
        if (count == 1 && !model.layers().isEmpty() && model.layers().getFirst() instanceof InputLayer in) return List.of(in.name());
        for (int i = 0; i < count; i++) out.add(count == 1 ? "input" : "input_" + i);
        return out;
    }

    /** One inference on a row of zeros (variable sizes as 1), which also proves the model runs; returns the output shapes. */
    @SuppressWarnings("try")   // the no-grad scope is used for its effect only
    static List<int[]> warmUp(Model model, List<Signature.TensorSpec> inputs) {
        List<Tensor> xs = new ArrayList<>();
        for (Signature.TensorSpec in : inputs) {
            int[] s = in.shape();
            for (int i = 0; i < s.length; i++) if (s[i] < 0) s[i] = 1;
            xs.add(in.datatype() == Datatype.FP32 ? Tensor.zeros(s) : Tensor.ofLongs(new long[(int) InferTensor.numel(s)], s));
        }
        List<Tensor> outs;
        try (var ignored = GradMode.noGrad()) {
            outs = model.applyAll(xs, Context.inference());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the warm-up inference on a row of zeros failed: " + e.getMessage(), e);
        }
        List<int[]> shapes = new ArrayList<>();
        for (Tensor t : outs) shapes.add(t.shape());
        return shapes;
    }

    // ------------------------------------------------------------------ what it serves

    /** Input shapes, batch axis first as -1 (and -1 for any other variable size), in the order submit takes them. */
    public List<int[]> inputShapes() {
        List<int[]> out = new ArrayList<>();
        for (Signature.TensorSpec s : signature.inputs()) out.add(s.shape());
        return out;
    }

    /** Output shapes, batch axis first as -1, in the order answers give them. */
    public List<int[]> outputShapes() {
        List<int[]> out = new ArrayList<>();
        for (Signature.TensorSpec s : signature.outputs()) out.add(s.shape());
        return out;
    }

    /** The batching settings. */
    public ModelConfig config() {
        return config;
    }

    ServeMetrics.VersionMeters meters() {
        return meters;
    }

    Signature signature() {
        return signature;
    }

    // ------------------------------------------------------------------ submitting

    /**
     * One row (one sample, flat, row-major, of the single input's shape without the batch axis)
     * of a model with one input and one output; the future gives the output row, flat. An INT64
     * (id) input takes whole-number floats. Refuses at once with {@link QueueFullException}.
     */
    public CompletableFuture<float[]> submit(float[] sample) {
        List<InferTensor> ins = List.of(row(sample));
        return counted(ins, false).thenApply(outs -> outs.getFirst().floats() != null ? outs.getFirst().floats() : toFloats(outs.getFirst().longs()));
    }

    /** As {@link #submit(float[])}, but waits while the queue is full (backpressure) instead of refusing. */
    public CompletableFuture<float[]> submitWaiting(float[] sample) throws InterruptedException {
        Pending p = pending(List.of(row(sample)));
        meters.requests.increment();
        lock.lockInterruptibly();
        try {
            while (!closing && queue.size() >= config.maxQueueSize()) roomMade.await();
            enqueue(p, false);   // room now (or closing: refused)
        } catch (ServeException e) {
            meters.failure(e.status());
            throw e;
        } finally {
            lock.unlock();
        }
        return timed(p).thenApply(outs -> outs.getFirst().floats() != null ? outs.getFirst().floats() : toFloats(outs.getFirst().longs()));
    }

    /**
     * Tensors in input order, each (rows, ...) with the same rows (float32 for FP32 inputs, int64
     * or int32 for id inputs); the future gives the outputs, each (rows, ...). Refuses at once
     * with {@link QueueFullException} when the queue is full.
     */
    public CompletableFuture<List<Tensor>> submit(List<Tensor> inputs) {
        return tensors(counted(fromTensors(inputs), false));
    }

    private Pending pending(List<InferTensor> inputs) {
        return new Pending(inputs, fixedWidth);
    }

    private static CompletableFuture<List<Tensor>> tensors(CompletableFuture<List<InferTensor>> f) {
        return f.thenApply(outs -> {
            List<Tensor> ts = new ArrayList<>();
            for (InferTensor o : outs) ts.add(o.floats() != null ? Tensor.wrap(o.floats(), o.shape()) : Tensor.ofLongs(o.longs(), o.shape()));
            return ts;
        });
    }

    /** Checks tensors against the inputs and turns them into protocol tensors (FP32 or INT64). */
    private List<InferTensor> fromTensors(List<Tensor> inputs) {
        if (inputs.size() != signature.inputs().size()) {
            throw new IllegalArgumentException("the model takes " + signature.inputs().size() + " inputs (" + signature.inputs() + "), got " + inputs.size());
        }
        List<InferTensor> ins = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Signature.TensorSpec spec = signature.inputs().get(i);
            Tensor t = inputs.get(i);
            int[] shape = t.shape();
            check(spec, shape);
            if (spec.datatype() == Datatype.FP32) {
                if (t.dtype() != DType.FLOAT32) throw new IllegalArgumentException("input '" + spec.name() + "' takes float32, got " + t.dtype());
                ins.add(InferTensor.fp32(spec.name(), t.toFloatArray(), shape));
            } else {
                if (t.dtype() != DType.INT64 && t.dtype() != DType.INT32) {
                    throw new IllegalArgumentException("input '" + spec.name() + "' takes ids (int64 or int32), got " + t.dtype());
                }
                ins.add(InferTensor.int64(spec.name(), t.toLongArray(), shape));
            }
        }
        return ins;
    }

    private InferTensor row(float[] sample) {
        if (signature.inputs().size() != 1 || signature.outputs().size() != 1) {
            throw new IllegalArgumentException("submit(float[]) needs a model with one input and one output; this one takes "
                    + signature.inputs().size() + " and gives " + signature.outputs().size() + "; use submit(List<Tensor>)");
        }
        Signature.TensorSpec spec = signature.inputs().getFirst();
        int[] shape = spec.shape();
        shape[0] = 1;
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] < 0) throw new IllegalArgumentException("input '" + spec.name() + "' has a variable size " + Arrays.toString(spec.shape()) + "; use submit(List<Tensor>)");
            n *= shape[i];
        }
        if (sample.length != n) {
            throw new IllegalArgumentException("a sample of input '" + spec.name() + "' " + Arrays.toString(spec.shape()) + " has " + n + " values, got " + sample.length);
        }
        if (spec.datatype() == Datatype.FP32) return InferTensor.fp32(spec.name(), sample, shape);
        long[] ids = new long[sample.length];
        for (int i = 0; i < ids.length; i++) {
            if (sample[i] != Math.rint(sample[i])) throw new IllegalArgumentException("input '" + spec.name() + "' takes whole-number ids, got " + sample[i] + " at " + i);
            ids[i] = (long) sample[i];
        }
        return InferTensor.int64(spec.name(), ids, shape);
    }

    private static void check(Signature.TensorSpec spec, int[] shape) {
        int[] want = spec.shape();
        boolean fits = shape.length == want.length && shape.length > 0 && shape[0] >= 1;
        for (int i = 1; fits && i < want.length; i++) fits = want[i] < 0 || want[i] == shape[i];
        if (!fits) throw new IllegalArgumentException("input '" + spec.name() + "' has shape " + Arrays.toString(shape) + "; expected " + Arrays.toString(want) + " (-1: any size, batch at least 1)");
    }

    private static float[] toFloats(long[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = v[i];
        return f;
    }

    /** Counts a request of the public API in, queues it and records its time and failure in the meters. */
    private CompletableFuture<List<InferTensor>> counted(List<InferTensor> ins, boolean announced) {
        meters.requests.increment();
        try {
            return timed(enqueue(pending(ins), announced));
        } catch (ServeException e) {
            meters.failure(e.status());
            throw e;
        }
    }

    /**
     * The request's future, recording its latency or its failure. (The timeout is kept by the
     * workers, which fail a request still queued past it with 504, so no timer is set per request.)
     */
    private CompletableFuture<List<InferTensor>> timed(Pending p) {
        return p.result.handle((outs, failure) -> {
            if (failure == null) {
                meters.total.record(System.nanoTime() - p.enqueued, TimeUnit.NANOSECONDS);
                return outs;
            }
            ServeException se = failure instanceof ServeException s ? s : new ServeException(500, label + ": inference failed: " + failure, 0, failure);
            meters.failure(se.status());
            throw se;
        });
    }

    /**
     * Tells the batcher a request is on its way (early dispatch waits for it); the request is
     * then {@link Announcement#submit submitted} through the announcement, or the announcement is
     * closed when the request will not come (a bad body). Closing after submitting does nothing.
     *
     * <pre>{@code
     * try (Batcher.Announcement a = batcher.announce()) {
     *     List<Tensor> x = readRequest();               // meanwhile a batch waits for this request
     *     return a.submit(x);
     * }
     * }</pre>
     */
    public Announcement announce() {
        lock.lock();
        try {
            coming++;
        } finally {
            lock.unlock();
        }
        return new Announcement();
    }

    /** An announced request (see {@link #announce()}); not for use by several threads. */
    public final class Announcement implements AutoCloseable {
        private boolean done;

        private Announcement() {}

        /** As {@link Batcher#submit(List)}, counting the announced request as arrived. */
        public CompletableFuture<List<Tensor>> submit(List<Tensor> inputs) {
            if (done) throw new IllegalStateException("this announcement was already used");
            List<InferTensor> ins;
            try {
                ins = fromTensors(inputs);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
            done = true;
            return tensors(counted(ins, true));
        }

        /** For the server: queues checked protocol tensors (in signature order) in place of the announcement. */
        CompletableFuture<List<InferTensor>> submitTensors(List<InferTensor> inputs) {
            if (done) throw new IllegalStateException("this announcement was already used");
            done = true;
            return enqueue(pending(inputs), true).result;
        }

        /** The request will not come (or came): a waiting batch stops waiting for it. */
        @Override
        public void close() {
            if (done) return;
            done = true;
            lock.lock();
            try {
                if (--coming == 0 && idle > 0) changed.signal();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Queues a request whose inputs are checked against the signature and in its order; refuses
     * with 503 when the queue is full or the batcher is closing. {@code announced}: the request
     * was announced, so it no longer counts as coming.
     */
    private Pending enqueue(Pending p, boolean announced) {
        lock.lock();
        try {
            if (announced) coming--;
            if (closing) {
                if (announced && coming == 0 && idle > 0) changed.signal();
                throw ServeException.unavailable(label + " is being unloaded; retry, and the request goes to the version serving now", 1);
            }
            if (queue.size() >= config.maxQueueSize()) {
                if (announced && coming == 0 && idle > 0) changed.signal();
                throw new QueueFullException(label + " is overloaded: " + queue.size() + " requests are waiting (max_queue_size "
                        + config.maxQueueSize() + "); retry later");
            }
            queue.addLast(p);
            // Wake a worker only when this arrival can change its decision: every announced request
            // is now here (early dispatch), or the batch it waits to fill is full. A worker waiting
            // for its delay otherwise sleeps on, so a burst of arrivals costs one wake-up, not one each.
            if (idle > 0 && !woken && (queue.size() == 1 || (config.earlyDispatch() && coming == 0) || queuedRows() >= config.maxBatchSize())) {
                woken = true;
                changed.signal();
                wakeUps++;
            }
        } finally {
            lock.unlock();
        }
        return p;
    }

    /** Rows queued (an upper bound of the next batch's rows), counted only while batches are of one shape. */
    private int queuedRows() {
        if (fixedWidth) {
            int rows = 0;
            for (Pending q : queue) {
                rows += q.rows;
                if (rows >= config.maxBatchSize()) break;
            }
            return rows;
        }
        Pending first = queue.peekFirst();
        return first == null ? 0 : rowsReady(first);
    }

    /** Times a submission signalled a waiting worker so far (for tests: wake-ups are per batch, not per request). */
    long wakeUps() {
        lock.lock();
        try {
            return wakeUps;
        } finally {
            lock.unlock();
        }
    }

    /** Requests waiting now. */
    public int queueDepth() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ the workers

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
                long now = System.nanoTime();
                // answered already (the server's own timeout), or queued past the timeout: 504
                queue.removeIf(p -> p.result.isDone() || (now - p.enqueued > timeoutNanos
                        && p.result.completeExceptionally(new ServeException(504, label + " did not answer within " + config.timeoutMs() + " ms (timeout_ms)"))));
                if (queue.isEmpty()) {
                    if (closing) return null;
                    idle++;
                    try {
                        changed.await();
                    } finally {
                        idle--;
                        woken = false;   // this worker looks again now (if it was not the one signalled, that one will look too)
                    }
                    continue;
                }
                Pending first = queue.peekFirst();
                long wait = first.enqueued + delayNanos - now;
                if (closing || wait <= 0 || (config.earlyDispatch() && coming == 0) || rowsReady(first) >= config.maxBatchSize()) {
                    List<Pending> batch = take(first);
                    roomMade.signalAll();
                    // more queued than this batch takes: let another idle worker look
                    if (!queue.isEmpty() && idle > 0) changed.signal();
                    return batch;
                }
                idle++;
                try {
                    // the oldest request is also the first to time out
                    changed.awaitNanos(Math.min(wait, first.enqueued + timeoutNanos - now + 1));
                } finally {
                    idle--;
                    woken = false;
                }
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
            if (rows >= config.maxBatchSize()) break;
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

    // ------------------------------------------------------------------ closing

    /**
     * Stops taking requests, lets the workers finish what is queued (waiting up to {@code drain}),
     * then removes the meters. Requests still queued after that fail with status 503.
     */
    public void close(Duration drain) {
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
            roomMade.signalAll();
        } finally {
            lock.unlock();
        }
        long deadline = System.nanoTime() + drain.toNanos();
        for (CompletableFuture<Void> w : workers) {
            try {
                long left = deadline - System.nanoTime();
                if (left > 0) w.get(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException | TimeoutException e) {
                // a worker that does not finish in time is left to end on its own (daemon)
            }
        }
        for (ForkJoinPool p : pools) p.shutdown();
        lock.lock();
        try {
            for (Pending p : queue) p.result.completeExceptionally(ServeException.unavailable(label + " was unloaded before this request ran", 1));
            queue.clear();
        } finally {
            lock.unlock();
        }
        metrics.release(meters, depth);
    }

    /** {@link #close(Duration)} with 30 s to drain. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
