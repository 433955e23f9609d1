package dev.myelin.bench;

import dev.myelin.backend.Parallel;
import dev.myelin.core.GradMode;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Dropout;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.MaxPooling2D;
import dev.myelin.serve.InferTensor;
import dev.myelin.serve.InferenceServer;
import dev.myelin.serve.KServeClient;
import io.micrometer.core.instrument.DistributionSummary;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Stream;

/**
 * {@code bench/run serve}: a model behind Myelin's KServe v2 server ({@link InferenceServer},
 * in-process, loopback) under a closed-loop HTTP load ({@link ServeLoad}) of C = 1, 8, 64, 256
 * clients each sending one sample per request, served with dynamic batching (max_batch_size 64,
 * max_queue_delay_ms 2) and without (max_batch_size 1). Models: the quickstart's MNIST CNN and
 * the 784-256-256-10 MLP, with untrained (initial) weights, which cost the same to run.
 *
 * <p>Cases {@code <model>_c<C>_<batched|unbatched>}: requests/s and latency p50/p99, the batched
 * run against the unbatched one; and {@code served_over_raw}: served samples/s against
 * {@code model.forward} (no grad) timed in the same process on batches of the mean batch size
 * the server formed in that run. With {@code bench.serve.open_loop} (default on), each model is
 * also loaded open-loop (a fixed rate; {@code -Dbench.serve.arrivals=poisson} for Poisson arrivals) at 80% of its
 * best batched rate, for p99/p50.
 *
 * <p>The load generator runs in the same JVM on the same cores as the server, so the numbers are
 * those of client and server together; on a machine shared with other work they are noisy. Each
 * closed-loop case also prints the process CPU time per answered request (server and generator),
 * steadier than the rates under outside load. The generator is a lean HTTP/1.1 socket client by
 * default ({@code -Dbench.serve.client=jdk} for java.net.http, see {@link ServeLoad}); raw is
 * {@code model.forward} on one thread, as the server runs each model call (the thread team's rate
 * is printed too). The open loop counts the requests scheduled in its window, prints the GC
 * pauses during it and how late sends started (the generator's own stalls), and when 80% of the
 * closed-loop peak is more than it sustains, runs again at 80% of what it answered.
 * Narrow a run with {@code -Dbench.serve.models=mlp -Dbench.serve.concurrency=1,64
 * -Dbench.serve.warmup_s=1 -Dbench.serve.measure_s=2}; {@code -Dbench.serve.unbatched=false} skips the
 * unbatched cases, {@code -Dbench.serve.early_dispatch=false} makes batches always wait their delay.
 */
final class ServeSuite implements Suite {
    static final List<String> MODELS = csv(System.getProperty("bench.serve.models", "cnn,mlp"));
    static final int[] CONCURRENCY = csv(System.getProperty("bench.serve.concurrency", "1,8,64,256"))
            .stream().mapToInt(Integer::parseInt).toArray();
    static final double WARMUP_S = Double.parseDouble(System.getProperty("bench.serve.warmup_s", "3"));
    static final double MEASURE_S = Double.parseDouble(System.getProperty("bench.serve.measure_s", "5"));
    static final int MAX_BATCH = Integer.getInteger("bench.serve.max_batch", 64);
    static final double QUEUE_DELAY_MS = Double.parseDouble(System.getProperty("bench.serve.delay_ms", "2"));
    static final boolean OPEN_LOOP = Boolean.parseBoolean(System.getProperty("bench.serve.open_loop", "true"));
    /** The batched models' early_dispatch setting (a batch leaves once every request in flight is queued). */
    /** Whether to run the unbatched cases too (max_batch_size 1). */
    static final boolean UNBATCHED = Boolean.parseBoolean(System.getProperty("bench.serve.unbatched", "true"));
    static final boolean EARLY_DISPATCH = Boolean.parseBoolean(System.getProperty("bench.serve.early_dispatch", "true"));
    /** Distinct request bodies each model's clients cycle through. */
    static final int BODIES = 64;
    /** Raw forward timing: warm-up, then the measured span. */
    static final long RAW_WARM_NANOS = 500_000_000L, RAW_MEASURE_NANOS = 1_500_000_000L;
    static final double TOLERANCE = 1e-5;

    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String about() {
        return "KServe v2 server over loopback HTTP, CNN and MLP, 1..256 clients: dynamic batching vs none (rps, p50, p99) and served vs raw forward";
    }

    /** One served model: the Myelin model, one sample's shape, and its two served names. */
    private record Served(String key, Sequential model, int[] sample) {
        String name(boolean batched) {
            return key + (batched ? "_batched" : "_unbatched");
        }

        int sampleSize() {
            int n = 1;
            for (int d : sample) n *= d;
            return n;
        }

        int[] shape(int rows) {
            int[] s = new int[sample.length + 1];
            s[0] = rows;
            System.arraycopy(sample, 0, s, 1, sample.length);
            return s;
        }
    }

    private static Served served(String key) {
        return switch (key) {
            // the quickstart's MNIST CNN
            case "cnn" -> new Served(key, new Sequential(new InputLayer(28, 28, 1),
                    new Conv2D(32, 3, "relu"), new MaxPooling2D(2),
                    new Conv2D(64, 3, "relu"), new MaxPooling2D(2),
                    new Flatten(), new Dropout(0.5f), new Dense(10, "softmax")), new int[]{28, 28, 1});
            case "mlp" -> new Served(key, Workload.MLP.myelinModel(), new int[]{784});
            default -> throw new IllegalArgumentException("serve: unknown model '" + key + "'; models: cnn, mlp");
        };
    }

    @Override
    public List<Result> run(Machine machine) throws Exception {
        System.out.printf(Locale.ROOT, "serve: models %s, clients %s, warm-up %.1f s + measured %.1f s per case, batched: max_batch_size %d, "
                        + "max_queue_delay_ms %s; unbatched: max_batch_size 1; myelin threads %d; untrained weights (same cost as trained)%n",
                MODELS, Arrays.toString(CONCURRENCY), WARMUP_S, MEASURE_S, MAX_BATCH, QUEUE_DELAY_MS, Parallel.threads());
        List<Served> models = new ArrayList<>();
        for (String k : MODELS) models.add(served(k));

        Path repo = Files.createTempDirectory("myelin-bench-serve");
        List<Result> results = new ArrayList<>();
        List<String> peerless = new ArrayList<>();
        try {
            for (Served s : models) {
                write(repo, s, true);
                write(repo, s, false);
            }
            try (InferenceServer server = InferenceServer.builder(repo).host("127.0.0.1").port(0)
                    .pollInterval(Duration.ZERO).maxConcurrentRequests(4096).start();
                 KServeClient client = new KServeClient(server.uri())) {
                System.out.println("serve: server at " + server.uri() + ", repository " + repo);
                for (Served s : models) runModel(server, client, s, results, peerless);
            }
        } finally {
            deleteTree(repo);
        }
        // Result always has a peer; the unbatched and open-loop lines have none, so they are printed here.
        System.out.println();
        for (String l : peerless) System.out.println(l);
        return results;
    }

    private void runModel(InferenceServer server, KServeClient client, Served s, List<Result> results, List<String> peerless) throws Exception {
        long warm = (long) (WARMUP_S * 1e9), measure = (long) (MEASURE_S * 1e9);
        Map<Integer, Double> rawBySize = new HashMap<>();
        double bestBatchedRps = 0;
        String input = inputName(client, s.name(true));
        List<ServeLoad.Body> bodies = new ArrayList<>();
        float[][] samples = new float[BODIES][];
        for (int i = 0; i < BODIES; i++) {
            samples[i] = gaussian(s.sampleSize(), 1000L + i);
            bodies.add(ServeLoad.binaryBody(input, s.shape(1), samples[i]));
        }
        check(client, s, input, samples[0]);

        for (int c : CONCURRENCY) {
            // unbatched first, then batched at the same C: a load burst from elsewhere then tends to hit both
            ServeLoad.Stats[] st = new ServeLoad.Stats[2];
            double[] meanBatch = {Double.NaN, Double.NaN};
            for (int b = UNBATCHED ? 0 : 1; b < 2; b++) {
                boolean batched = b == 1;
                String name = s.name(batched);
                DistributionSummary sizes = server.meterRegistry().find("myelin.serve.inference.batch.size").tag("model", name).summary();
                double[] at = new double[6];
                try (ServeLoad load = new ServeLoad(URI.create(server.uri() + "/v2/models/" + name + "/infer"), bodies)) {
                    st[b] = load.closedLoop(c, warm, measure,
                            () -> { at[0] = sizes.count(); at[1] = sizes.totalAmount(); at[4] = cpuNanos(); },
                            () -> { at[2] = sizes.count(); at[3] = sizes.totalAmount(); at[5] = cpuNanos(); });
                }
                meanBatch[b] = at[2] > at[0] ? (at[3] - at[1]) / (at[2] - at[0]) : Double.NaN;
                // CPU time of the whole process (server and load generator) per answered request:
                // steadier than the rates on a machine shared with other work
                double cpuUs = st[b].ok() > 0 ? (at[5] - at[4]) / 1e3 / st[b].ok() : Double.NaN;
                System.out.printf(Locale.ROOT, "serve %s_c%d_%s: %s; mean batch %.2f rows (%.0f model calls); process CPU %.0f us per request%n",
                        s.key(), c, batched ? "batched" : "unbatched", st[b].describe(), meanBatch[b], at[2] - at[0], cpuUs);
                if (st[b].errors() > 0) System.out.println("serve: WARNING " + st[b].errors() + " requests failed in this case");
                if (!Double.isNaN(cpuUs)) peerless.add(line(s.key() + "_c" + c + "_" + (batched ? "batched" : "unbatched"), "cpu_us_per_request", cpuUs));
            }
            ServeLoad.Stats u = st[0], bt = st[1];
            bestBatchedRps = Math.max(bestBatchedRps, bt.rps());
            String caseB = s.key() + "_c" + c + "_batched", caseU = s.key() + "_c" + c + "_unbatched";
            if (u != null) {
                results.add(new Result("serve", caseB, "rps", true, bt.rps(), "unbatched", u.rps()));
                results.add(new Result("serve", caseB, "p50_ms", false, bt.p50Ms(), "unbatched", u.p50Ms()));
                results.add(new Result("serve", caseB, "p99_ms", false, bt.p99Ms(), "unbatched", u.p99Ms()));
                peerless.add(line(caseU, "rps", u.rps()));
                peerless.add(line(caseU, "p50_ms", u.p50Ms()));
                peerless.add(line(caseU, "p99_ms", u.p99Ms()));
            } else {
                peerless.add(line(caseB, "rps", bt.rps()));
                peerless.add(line(caseB, "p50_ms", bt.p50Ms()));
                peerless.add(line(caseB, "p99_ms", bt.p99Ms()));
            }
            for (int b = 0; b < 2; b++) {
                if (Double.isNaN(meanBatch[b])) continue;
                int rows = (int) Math.max(1, Math.round(meanBatch[b]));
                double raw = rawBySize.computeIfAbsent(rows, r -> rawSamplesPerSecond(s, r));
                double servedSamples = st[b].rps();   // one sample per request
                System.out.printf(Locale.ROOT, "serve %s_c%d_%s: raw forward at batch %d: %.1f samples/s; served %.1f samples/s = %.3f of raw%n",
                        s.key(), c, b == 1 ? "batched" : "unbatched", rows, raw, servedSamples, servedSamples / raw);
                results.add(new Result("serve", b == 1 ? caseB : caseU, "served_over_raw", true, servedSamples, "raw", raw));
            }
        }

        if (OPEN_LOOP && bestBatchedRps > 0) {
            // 80% of the best closed-loop rate; the open loop costs more CPU per request (a thread
            // per request, smaller batches), so on a busy machine that rate can be past what it
            // sustains (requests not sent, fewer answered than asked, p50 in hundreds of ms). Then
            // once more at 80% of the rate it did answer, so the latencies are those of a server
            // with headroom, not of a queue growing for the whole run.
            String caseO = s.key() + "_open80_batched";
            double rate = 0.8 * bestBatchedRps;
            String basis = String.format(Locale.ROOT, "80%% of the best batched %.1f", bestBatchedRps);
            ServeLoad.Stats o = null;
            for (int attempt = 0; attempt < 2; attempt++) {
                GcPauses gc = new GcPauses();
                try (ServeLoad load = new ServeLoad(URI.create(server.uri() + "/v2/models/" + s.name(true) + "/infer"), bodies)) {
                    o = load.openLoop(rate, warm, measure);
                } finally {
                    gc.close();
                }
                boolean saturated = o.dropped() > 0 || o.rps() < 0.97 * rate;
                System.out.printf(Locale.ROOT, "serve %s: open loop at %.1f req/s (%s): %s; p99/p50 %.2f%s%n",
                        caseO, rate, basis, o.describe(), o.p99Ms() / o.p50Ms(), saturated ? "; SATURATED" : "");
                System.out.printf(Locale.ROOT, "serve %s: GC pauses during the run (warm-up included, %.1f s): %s%n", caseO, (warm + measure) / 1e9, gc.describe());
                if (!saturated || attempt == 1) break;
                basis = String.format(Locale.ROOT, "80%% of the %.1f the open loop at %.1f answered", o.rps(), rate);
                rate = 0.8 * o.rps();
            }
            peerless.add(line(caseO, "rate_asked", rate));
            peerless.add(line(caseO, "rps", o.rps()));
            peerless.add(line(caseO, "p50_ms", o.p50Ms()));
            peerless.add(line(caseO, "p99_ms", o.p99Ms()));
            peerless.add(String.format(Locale.ROOT, "RESULT serve %s p99_over_p50 myelin=%.2f", caseO, o.p99Ms() / o.p50Ms()));
        }
    }

    /**
     * The stop-the-world GC pauses while it is open, from the collectors' notifications: for a
     * collector that reports its pauses apart from its concurrent cycles (ZGC, Shenandoah: beans
     * named "... Pauses"), only those; otherwise (Parallel, Serial, G1) every collection, which
     * for them is a pause (G1's concurrent marking is reported by a bean of its own, left out).
     */
    private static final class GcPauses implements AutoCloseable {
        private final List<Runnable> removers = new ArrayList<>();
        private final List<Long> pausesMs = new ArrayList<>();

        GcPauses() {
            List<java.lang.management.GarbageCollectorMXBean> beans = java.lang.management.ManagementFactory.getGarbageCollectorMXBeans();
            boolean separate = beans.stream().anyMatch(b -> b.getName().contains("Pauses"));
            for (java.lang.management.GarbageCollectorMXBean b : beans) {
                if (separate ? !b.getName().contains("Pauses") : b.getName().contains("Concurrent")) continue;
                if (!(b instanceof javax.management.NotificationEmitter e)) continue;
                javax.management.NotificationListener l = (n, h) -> {
                    if (!com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
                    var info = com.sun.management.GarbageCollectionNotificationInfo.from((javax.management.openmbean.CompositeData) n.getUserData());
                    synchronized (pausesMs) {
                        pausesMs.add(info.getGcInfo().getDuration());
                    }
                };
                e.addNotificationListener(l, null, null);
                removers.add(() -> {
                    try {
                        e.removeNotificationListener(l);
                    } catch (javax.management.ListenerNotFoundException ignored) {
                        // already gone
                    }
                });
            }
        }

        String describe() {
            synchronized (pausesMs) {
                long total = 0, max = 0;
                for (long p : pausesMs) {
                    total += p;
                    max = Math.max(max, p);
                }
                return pausesMs.size() + " pauses, " + total + " ms in all, longest " + max + " ms";
            }
        }

        @Override
        public void close() {
            for (Runnable r : removers) r.run();
        }
    }

    /** CPU time used by this process so far (all threads), in nanoseconds; NaN where the JVM does not say. */
    private static double cpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long t = os.getProcessCpuTime();
            return t < 0 ? Double.NaN : t;
        }
        return Double.NaN;
    }

    /** A RESULT line without a peer, in {@link Result#line()}'s number format. */
    private static String line(String caseName, String metric, double v) {
        return String.format(Locale.ROOT, "RESULT serve %s %s myelin=%.1f", caseName, metric, v);
    }

    /** {@code repo/<model>_<mode>/1/model.myelin} with a config.json for the mode. */
    private static void write(Path repo, Served s, boolean batched) throws IOException {
        Path dir = repo.resolve(s.name(batched));
        Files.createDirectories(dir.resolve("1"));
        ModelFile.save(s.model(), dir.resolve("1").resolve("model.myelin"));
        // queue room for every client at once, so that 256 clients are never refused with 503
        String config = batched
                ? "{\"max_batch_size\": " + MAX_BATCH + ", \"max_queue_delay_ms\": " + QUEUE_DELAY_MS + ", \"max_queue_size\": 4096, \"early_dispatch\": " + EARLY_DISPATCH + "}"
                : "{\"max_batch_size\": 1, \"max_queue_delay_ms\": 0, \"max_queue_size\": 4096}";
        Files.writeString(dir.resolve("config.json"), config);
    }

    @SuppressWarnings("unchecked")
    private static String inputName(KServeClient client, String model) throws Exception {
        if (!client.modelReady(model)) throw new IllegalStateException("serve: model " + model + " is not ready: " + client.modelMetadata(model));
        List<Map<String, Object>> inputs = (List<Map<String, Object>>) client.modelMetadata(model).get("inputs");
        return String.valueOf(inputs.get(0).get("name"));
    }

    /** The served answer (through KServeClient, binary) must equal the in-process forward on the same sample. */
    private static void check(KServeClient client, Served s, String input, float[] sample) throws Exception {
        for (boolean batched : new boolean[]{false, true}) {
            float[] got = client.infer(s.name(batched), null, List.of(InferTensor.fp32(input, sample, s.shape(1))), true).outputs().get(0).floats();
            float[] want;
            try (var ignored = GradMode.noGrad()) {
                want = s.model().forward(Tensor.wrap(sample.clone(), s.shape(1))).toFloatArray();
            }
            double d = SideBySide.maxAbsDiff(got, want);
            System.out.printf(Locale.ROOT, "serve %s: max |served - forward| %.2e%n", s.name(batched), d);
            if (!(d <= TOLERANCE)) throw new AssertionError("serve " + s.name(batched) + ": served answer differs from model.forward by " + d);
        }
    }

    /**
     * {@code model.forward} in no-grad mode on a batch of {@code rows}, output copied out as the
     * server does: samples/s on one thread, as the served models run (one instance, one worker
     * thread, intra_op_parallel false), so served/raw is the serving overhead on the same compute.
     * The thread team's rate is printed beside it: at large batches it is faster (CNN at batch 61:
     * 22800 against 14600 samples/s), and holding a one-thread server against it halved the ratio.
     */
    private static double rawSamplesPerSecond(Served s, int rows) {
        double team = rawSamplesPerSecond(s, rows, false);
        double one;
        try (ForkJoinPool single = new ForkJoinPool(1)) {
            // inside a ForkJoinPool worker Parallel.forRange runs inline: one thread
            one = single.submit(() -> rawSamplesPerSecond(s, rows, true)).join();
        }
        System.out.printf(Locale.ROOT, "serve %s raw forward at batch %d: %.1f samples/s on the thread team, %.1f on one thread%n",
                s.key(), rows, team, one);
        return one;
    }

    private static double rawSamplesPerSecond(Served s, int rows, boolean oneThread) {
        Tensor x = Tensor.wrap(gaussian(rows * s.sampleSize(), 99L + rows), s.shape(rows));
        Runnable call = () -> {
            try (var ignored = GradMode.noGrad()) {
                s.model().forward(x).toFloatArray();
            }
        };
        for (long end = System.nanoTime() + RAW_WARM_NANOS; System.nanoTime() < end; ) call.run();
        long start = System.nanoTime(), now;
        long calls = 0;
        do {
            call.run();
            calls++;
            now = System.nanoTime();
        } while (now - start < RAW_MEASURE_NANOS);
        return (double) calls * rows / ((now - start) / 1e9);
    }

    private static float[] gaussian(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller: N(0, 1)
            double u = 1 - rnd.nextDouble(), v = rnd.nextDouble();
            x[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
        }
        return x;
    }

    private static List<String> csv(String s) {
        List<String> out = new ArrayList<>();
        for (String p : s.split(",")) if (!p.isBlank()) out.add(p.trim());
        return out;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a temp file left behind is harmless
                }
            });
        } catch (IOException e) {
            // same
        }
    }
}
