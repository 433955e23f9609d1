package dev.myelin.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.myelin.iot.BridgeConfig;
import dev.myelin.iot.MqttBridge;
import dev.myelin.iot.PayloadFormat;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.InputLayer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Stream;

/**
 * {@code bench/run mqtt}: the MQTT bridge at full speed on a real Mosquitto (Debian's, found or
 * installed by {@code scripts/mosquitto}; the suite is skipped, saying why, without one), all on
 * this machine: 1,000 devices publish JSON readings ({@code {"t":..,"a":..,"b":..}}) at QoS 1 to
 * {@code bench/<device>/r}; the bridge keeps a 32-reading window per device and runs a small model
 * on each (Flatten, Dense 16 relu, Dense 1 sigmoid: the model costs little, the MQTT path is what is
 * measured) with stride 1, so every reading gives one prediction, published at QoS 1 (the bridge's
 * default: at least once both ways). A collector subscribes to the predictions.
 *
 * <p>The devices publish as fast as the whole path sustains: at most {@code bench.mqtt.in_flight}
 * (default 256) readings may wait for their prediction, so the rate settles where the broker and
 * the bridge keep up (closed loop). After {@code bench.mqtt.warmup_s} (8: the JIT compiles the
 * model's vector kernels and the MQTT paths, slowly on a busy machine) it measures for
 * {@code bench.mqtt.measure_s} (12):
 * <ul>
 * <li>{@code d1000 readings_per_s}: predictions received per second (one per reading);</li>
 * <li>{@code d1000 p50_ms}, {@code p99_ms}: from a device's publish to its prediction at the collector
 *     (device to broker to bridge to broker to collector: arrival-to-publish plus two broker hops);</li>
 * <li>{@code d1000 bridge_p99_ms}: the bridge's own {@code myelin.iot.result.latency} over the measured
 *     span, from the reading's arrival at the bridge to its prediction acknowledged by the broker, as the
 *     upper bound of the timer's bucket that holds the 99th percentile (1, 2, 5, 10, 20, 50 ms...);</li>
 * <li>{@code d1000 bridge_cpu_pct}, {@code broker_cpu_pct}, {@code loadgen_cpu_pct}, {@code others_cpu_pct}: CPU over
 *     the measured span, % of one core, of the bridge's threads, Mosquitto, the devices and collector, and the rest
 *     of the machine (see {@link CpuSnapshot}); printed per reading too.</li>
 * </ul>
 * There is no peer library, so no ratio. Broker, bridge, devices and collector share the machine's
 * cores: on 2 cores they compete with each other (and with any other work on the machine).
 */
final class MqttSuite implements Suite {
    static final int DEVICES = Integer.getInteger("bench.mqtt.devices", 1000);
    static final int WINDOW = 32;
    static final int IN_FLIGHT = Integer.getInteger("bench.mqtt.in_flight", 256);
    static final double WARMUP_S = Double.parseDouble(System.getProperty("bench.mqtt.warmup_s", "8"));
    static final double MEASURE_S = Double.parseDouble(System.getProperty("bench.mqtt.measure_s", "12"));
    static final int QOS = Integer.getInteger("bench.mqtt.qos", 1);
    static final int MAX_BATCH = Integer.getInteger("bench.mqtt.max_batch", 256);
    /** The bridge's batching.max_delay_ms: 0 (its default), a batch leaves as soon as the model is free. */
    static final int MAX_DELAY_MS = Integer.getInteger("bench.mqtt.max_delay_ms", 0);
    /** Latency histogram: 10 µs buckets up to 10 s. */
    static final double BUCKET_MS = 0.01;
    static final int BUCKETS = 1_000_000;

    @Override
    public String name() {
        return "mqtt";
    }

    @Override
    public String about() {
        return "MQTT bridge on a local Mosquitto, 1,000 devices, 32-reading windows, QoS 1: readings/s and publish-to-prediction p50/p99";
    }

    @Override
    public List<Result> run(Machine machine) throws Exception {
        String bin = mosquitto();
        if (bin == null) return List.of();
        Path dir = Files.createTempDirectory("myelin-bench-mqtt-");
        Process broker = null;
        try {
            int port = freePort();
            Files.writeString(dir.resolve("mosquitto.conf"), String.join("\n",
                    "listener " + port + " 127.0.0.1",
                    "allow_anonymous true",
                    "persistence false",
                    // the bridge may hold this many unacknowledged QoS 1 readings, so windows of many devices share a model call
                    "max_inflight_messages 2000",
                    "max_queued_messages 1000000",
                    // Mosquitto's default (false) keeps Nagle's algorithm on its sockets: at this load it coalesces small packets
                    // (measured: with true, 35 instead of 25 us of broker CPU per reading); -Dbench.mqtt.nodelay=true to compare
                    "set_tcp_nodelay " + Boolean.parseBoolean(System.getProperty("bench.mqtt.nodelay", "false")),
                    "log_dest file " + dir.resolve("mosquitto.log"),
                    "log_type error",
                    "log_type warning",
                    ""), StandardCharsets.UTF_8);
            broker = new ProcessBuilder(bin, "-c", dir.resolve("mosquitto.conf").toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()).start();
            awaitListening(broker, port);
            return measure(dir, port, broker.pid());
        } finally {
            if (broker != null) {
                broker.destroy();
                broker.waitFor(10, TimeUnit.SECONDS);
            }
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private List<Result> measure(Path dir, int port, long brokerPid) throws Exception {
        Path modelFile = dir.resolve("w32.myelin");
        new Sequential(new InputLayer(WINDOW, 2), new Flatten(), new Dense(16, "relu"), new Dense(1, "sigmoid")).seed(1).save(modelFile);
        BridgeConfig config = BridgeConfig.builder().broker("tcp://127.0.0.1:" + port).clientId("bench-bridge").qos(QOS)
                .topics("bench/+/r").payload(PayloadFormat.json("t", "a", "b")).model(modelFile).window(WINDOW, 1)
                .batching(MAX_BATCH, Duration.ofMillis(MAX_DELAY_MS), 8192).devices(Duration.ofMinutes(10), 100_000).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        System.out.printf(Locale.ROOT, "mqtt: Mosquitto on 127.0.0.1:%d, %d devices, windows of %d, QoS %d, at most %d readings in flight, max batch %d, max delay %d ms%n",
                port, DEVICES, WINDOW, QOS, IN_FLIGHT, MAX_BATCH, MAX_DELAY_MS);

        long t0 = System.nanoTime();
        AtomicLongArray hist = new AtomicLongArray(BUCKETS);
        AtomicLong measured = new AtomicLong(), predictions = new AtomicLong();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        // the collector: a prediction's "time" is its reading's publish time, in ms since t0
        Mqtt5AsyncClient sink = client("bench-sink", port);
        sink.publishes(MqttGlobalPublishFilter.ALL, p -> {
            long now = System.nanoTime();
            long sent = timeField(p.getPayloadAsBytes());
            predictions.incrementAndGet();
            if (sent >= 0) {
                inFlight.release();
                long sentNanos = t0 + sent * 1000;
                if (sentNanos >= measureFrom && now < measureTo) {
                    measured.incrementAndGet();
                    int b = (int) Math.min(BUCKETS - 1, (now - sentNanos) / 1e6 / BUCKET_MS);
                    hist.incrementAndGet(Math.max(0, b));
                }
            }
        });
        sink.connectWith().cleanStart(true).send().get(10, TimeUnit.SECONDS);
        sink.subscribeWith().topicFilter("predictions/#").qos(MqttQos.AT_MOST_ONCE).send().get(10, TimeUnit.SECONDS);

        Mqtt5AsyncClient devices = client("bench-devices", port);
        devices.connectWith().cleanStart(true).send().get(10, TimeUnit.SECONDS);
        MqttQos qos = MqttQos.fromCode(QOS);
        String[] topics = new String[DEVICES];
        for (int k = 0; k < DEVICES; k++) topics[k] = "bench/d" + k + "/r";

        MqttBridge.Stats stats;
        double bridgeP99;
        try (MqttBridge bridge = MqttBridge.start(config, registry)) {
            // fill every window but the last reading (no predictions yet), then the closed loop
            List<CompletableFuture<?>> fill = new ArrayList<>();
            for (int i = 0; i < WINDOW - 1; i++) {
                for (int k = 0; k < DEVICES; k++) fill.add(devices.publishWith().topic(topics[k]).payload(reading(i, k, i)).qos(qos).send());
            }
            CompletableFuture.allOf(fill.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            long filled = (long) DEVICES * (WINDOW - 1);
            long fillDeadline = System.nanoTime() + 60_000_000_000L;
            while (bridge.stats().received() < filled && System.nanoTime() < fillDeadline) Thread.sleep(10);
            System.out.printf(Locale.ROOT, "mqtt: windows filled (%d readings) in %.1f s; running %.0f s + %.0f s%n",
                    filled, (System.nanoTime() - t0) / 1e9, WARMUP_S, MEASURE_S);

            long start = System.nanoTime();
            long end = start + (long) ((WARMUP_S + MEASURE_S) * 1e9);
            measureFrom = start + (long) (WARMUP_S * 1e9);
            measureTo = end;
            long sent = 0;
            int round = WINDOW - 1;
            long nextReport = start + 1_000_000_000L, lastPred = predictions.get();
            io.micrometer.core.instrument.distribution.HistogramSnapshot atMeasureStart = null;
            CpuSnapshot cpuAtStart = null;
            var latencyTimer = registry.get("myelin.iot.result.latency").timer();
            while (System.nanoTime() < end) {
                for (int k = 0; k < DEVICES && System.nanoTime() < end; k++) {
                    if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        k--;
                        continue;
                    }
                    long t = TIME_BASE + (System.nanoTime() - t0) / 1000;
                    devices.publishWith().topic(topics[k]).payload(reading(t, k, round)).qos(qos).send();
                    sent++;
                    long now = System.nanoTime();
                    if (atMeasureStart == null && now >= measureFrom) {
                        atMeasureStart = latencyTimer.takeSnapshot();
                        cpuAtStart = CpuSnapshot.take(brokerPid);
                    }
                    if (now >= nextReport) {
                        long p = predictions.get();
                        System.out.printf(Locale.ROOT, "mqtt: %4.0f s  %8.0f readings/s  in flight %4d  bridge %s%n",
                                (now - start) / 1e9, (p - lastPred) / ((now - nextReport + 1e9) / 1e9), IN_FLIGHT - inFlight.availablePermits(),
                                bridge.stats());
                        lastPred = p;
                        nextReport += 1_000_000_000L;
                    }
                }
                round++;
            }
            cpu = cpuAtStart == null ? null : CpuSnapshot.take(brokerPid).since(cpuAtStart);
            // let what is in flight come back before closing
            inFlight.tryAcquire(IN_FLIGHT, 10, TimeUnit.SECONDS);
            stats = bridge.stats();
            bridgeP99 = bucketPercentile(atMeasureStart, latencyTimer.takeSnapshot(), 0.99);
            System.out.printf(Locale.ROOT, "mqtt: published %d readings after the fill; bridge %s%n", sent, stats);
            var batch = registry.get("myelin.serve.inference.batch.size").summary();
            System.out.printf(Locale.ROOT, "mqtt: model calls %d, mean batch %.1f, max batch %.0f%n", batch.count(), batch.mean(), batch.max());
        } finally {
            devices.disconnect().get(5, TimeUnit.SECONDS);
            sink.disconnect().get(5, TimeUnit.SECONDS);
        }
        long n = measured.get();
        double rate = n / MEASURE_S;
        double p50 = percentile(hist, n, 0.50), p99 = percentile(hist, n, 0.99);
        System.out.printf(Locale.ROOT, "mqtt: %d predictions in the %.0f s measured: %.0f readings/s, publish-to-prediction p50 %.2f ms, p99 %.2f ms; "
                + "bridge arrival-to-published p99 <= %.0f ms (its bucket)%n", n, MEASURE_S, rate, p50, p99, bridgeP99);
        String c = "d" + DEVICES + (QOS == 1 ? "" : "_qos" + QOS);
        List<Result> results = new ArrayList<>(List.of(
                new Result("mqtt", c, "readings_per_s", true, rate, null, Double.NaN),
                new Result("mqtt", c, "p50_ms", false, p50, null, Double.NaN),
                new Result("mqtt", c, "p99_ms", false, p99, null, Double.NaN),
                new Result("mqtt", c, "bridge_p99_ms", false, bridgeP99, null, Double.NaN)));
        if (cpu != null) {
            System.out.printf(Locale.ROOT, "mqtt: CPU over the measured span, %% of one core: %s%n", cpu);
            System.out.printf(Locale.ROOT, "mqtt: per reading: bridge %.1f us, broker %.1f us, devices+collector %.1f us of CPU%n",
                    cpu.bridge() * 1e6 / n, cpu.broker() * 1e6 / n, cpu.loadGenerator() * 1e6 / n);
            results.add(new Result("mqtt", c, "bridge_cpu_pct", false, 100 * cpu.bridge() / cpu.seconds(), null, Double.NaN));
            results.add(new Result("mqtt", c, "broker_cpu_pct", false, 100 * cpu.broker() / cpu.seconds(), null, Double.NaN));
            results.add(new Result("mqtt", c, "loadgen_cpu_pct", false, 100 * cpu.loadGenerator() / cpu.seconds(), null, Double.NaN));
            results.add(new Result("mqtt", c, "others_cpu_pct", false, 100 * cpu.others() / cpu.seconds(), null, Double.NaN));
        }
        return results;
    }

    /** CPU seconds over the measured span, set at its end. */
    private CpuSnapshot cpu;

    /**
     * CPU time (seconds) by who spent it, so the result says where the 2 cores went: the bridge's threads (its MQTT
     * client's event loop {@code myelin-mqtt-netty-*}, the intake, the batcher {@code myelin-serve-*}), the load
     * generator's (the devices' and collector's clients {@code bench-mqtt-netty-*} and the publishing {@code main}),
     * the HiveMQ clients' shared RxJava threads, the rest of this JVM (JIT compilers, GC), Mosquitto (from
     * /proc/PID/stat), and everything else on the machine (from /proc/stat; other people's work included).
     */
    record CpuSnapshot(double seconds, double bridge, double loadGenerator, double rx, double jvmOther, double broker, double others,
                       java.util.Map<Long, Long> threads, java.util.Map<Long, String> names, double process, double machineBusy) {
        static CpuSnapshot take(long brokerPid) {
            var mx = java.lang.management.ManagementFactory.getThreadMXBean();
            java.util.Map<Long, Long> threads = new java.util.HashMap<>();
            java.util.Map<Long, String> names = new java.util.HashMap<>();
            for (var info : mx.getThreadInfo(mx.getAllThreadIds())) {
                if (info == null) continue;
                long t = mx.getThreadCpuTime(info.getThreadId());
                if (t < 0) continue;
                threads.put(info.getThreadId(), t);
                names.put(info.getThreadId(), info.getThreadName());
            }
            double process = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime() / 1e9;
            double broker = Double.NaN, busy = Double.NaN;
            try {
                // fields 14 and 15 (utime, stime) after the ")" that ends the command name, in clock ticks (USER_HZ, 100 on Linux)
                String stat = Files.readString(Path.of("/proc/" + brokerPid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                broker = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
                String[] cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
                long total = 0;
                for (int i = 1; i < Math.min(cpu.length, 9); i++) total += Long.parseLong(cpu[i]); // user .. steal (guest is within user)
                busy = (total - Long.parseLong(cpu[4]) - Long.parseLong(cpu[5])) / 100.0; // minus idle and iowait
            } catch (IOException | RuntimeException e) {
                // not Linux: no broker or machine figures
            }
            return new CpuSnapshot(System.nanoTime() / 1e9, 0, 0, 0, 0, broker, 0, threads, names, process, busy);
        }

        /** The CPU spent between {@code start} and this snapshot, by group. */
        CpuSnapshot since(CpuSnapshot start) {
            double bridge = 0, load = 0, rx = 0, accounted = 0;
            for (var e : threads.entrySet()) {
                double s = (e.getValue() - start.threads.getOrDefault(e.getKey(), 0L)) / 1e9;
                String n = names.get(e.getKey());
                if (n.startsWith("myelin-")) bridge += s;
                else if (n.startsWith("bench-mqtt-") || n.equals("main")) load += s;
                else if (n.startsWith("Rx")) rx += s;
                else continue;
                accounted += s;
            }
            double proc = process - start.process;
            double broker = this.broker - start.broker;
            double others = (machineBusy - start.machineBusy) - proc - broker;
            return new CpuSnapshot(seconds - start.seconds, bridge, load, rx, proc - accounted, broker, others, java.util.Map.of(), java.util.Map.of(), proc, Double.NaN);
        }

        @Override
        public String toString() {
            double s = seconds / 100;
            return String.format(Locale.ROOT, "bridge %.0f%%, devices+collector %.0f%%, HiveMQ Rx threads (both) %.0f%%, JIT/GC/other JVM %.0f%%, "
                    + "Mosquitto %.0f%%, the rest of the machine %.0f%% (of %d cores)", bridge / s, loadGenerator / s, rx / s, jvmOther / s,
                    broker / s, others / s, Runtime.getRuntime().availableProcessors());
        }
    }

    /** The measured span (nanoTime), set when the closed loop starts; the collector counts predictions of readings sent in it. */
    private volatile long measureFrom = Long.MAX_VALUE, measureTo = Long.MIN_VALUE;

    private static final java.util.concurrent.Executor NETTY =
            java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().name("bench-mqtt-netty-", 0).factory());

    private static Mqtt5AsyncClient client(String id, int port) {
        // daemon network threads, so the run ends when the suite is done
        return MqttClient.builder().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .executorConfig(MqttClientExecutorConfig.builder().nettyExecutor(NETTY)
                        // completions and the collector's callback on the network thread: no hop through RxJava's pool
                        .applicationScheduler(io.reactivex.schedulers.Schedulers.trampoline()).build())
                .useMqttVersion5().buildAsync();
    }

    /**
     * Reading times in the closed loop: TIME_BASE + microseconds since start (the bridge takes any
     * increasing number); the fill readings have times 0..30, below it.
     */
    static final long TIME_BASE = 1_000_000_000L;
    /** Each device's readings cycle through this many values, written once: the devices' side stays cheap. */
    static final int CYCLE = 64;
    private static final byte[][] VALUES = new byte[DEVICES * CYCLE][];

    static {
        for (int k = 0; k < DEVICES; k++) {
            for (int i = 0; i < CYCLE; i++) {
                float a = (float) Math.sin(0.1 * i + k), b = (float) Math.cos(0.13 * i * (k % 7 + 1));
                VALUES[k * CYCLE + i] = (",\"a\":" + a + ",\"b\":" + b + "}").getBytes(StandardCharsets.US_ASCII);
            }
        }
    }

    /** {"t":<t>,"a":..,"b":..} */
    private static byte[] reading(long t, int k, int i) {
        byte[] v = VALUES[k * CYCLE + i % CYCLE];
        byte[] head = ("{\"t\":" + t).getBytes(StandardCharsets.US_ASCII);
        byte[] out = java.util.Arrays.copyOf(head, head.length + v.length);
        System.arraycopy(v, 0, out, head.length, v.length);
        return out;
    }

    private static final byte[] TIME_KEY = "\"time\":".getBytes(StandardCharsets.US_ASCII);

    /** The prediction's "time" as microseconds since start, or -1 for a fill reading's. */
    private static long timeField(byte[] json) {
        outer:
        for (int i = 0; i + TIME_KEY.length < json.length; i++) {
            for (int j = 0; j < TIME_KEY.length; j++) if (json[i + j] != TIME_KEY[j]) continue outer;
            long t = 0;
            for (int p = i + TIME_KEY.length; p < json.length && json[p] >= '0' && json[p] <= '9'; p++) t = t * 10 + (json[p] - '0');
            return t < TIME_BASE ? -1 : t - TIME_BASE;
        }
        return -1;
    }

    private static double percentile(AtomicLongArray hist, long n, double q) {
        if (n == 0) return Double.NaN;
        long want = (long) Math.ceil(q * n), seen = 0;
        for (int b = 0; b < BUCKETS; b++) {
            seen += hist.get(b);
            if (seen >= want) return (b + 1) * BUCKET_MS;
        }
        return BUCKETS * BUCKET_MS;
    }

    /**
     * The smallest service-level bucket (ms) holding the {@code q} quantile of the bridge's latency
     * timer between two snapshots (the buckets count cumulatively, so the measured span is their difference).
     */
    private static double bucketPercentile(io.micrometer.core.instrument.distribution.HistogramSnapshot from,
                                           io.micrometer.core.instrument.distribution.HistogramSnapshot to, double q) {
        if (from == null) return Double.NaN;
        long want = (long) Math.ceil(q * (to.count() - from.count()));
        var a = from.histogramCounts();
        var b = to.histogramCounts();
        for (int i = 0; i < b.length; i++) {
            if (b[i].count() - a[i].count() >= want) return b[i].bucket(TimeUnit.MILLISECONDS);
        }
        return Double.POSITIVE_INFINITY; // above the largest bucket (5 s)
    }

    // ------------------------------------------------------------------ the broker

    /** Mosquitto's binary: scripts/mosquitto (which installs Debian's package as root), else the usual paths; null (and why) when none. */
    private static String mosquitto() {
        Path script = null;
        String home = System.getProperty("myelin.home");
        for (Path d = home != null ? Path.of(home) : Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("scripts/mosquitto"))) {
                script = d.resolve("scripts/mosquitto");
                break;
            }
        }
        String why = "scripts/mosquitto not found from " + Path.of("").toAbsolutePath();
        if (script != null) {
            try {
                Process p = new ProcessBuilder("bash", script.toString()).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0 && Files.isExecutable(Path.of(out))) return out;
                why = err.isEmpty() ? out : err;
            } catch (IOException e) {
                why = "cannot run " + script + ": " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                why = "interrupted";
            }
        }
        for (String p : new String[]{"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto"}) {
            if (Files.isExecutable(Path.of(p))) return p;
        }
        System.out.println("mqtt: skipped: no Mosquitto broker (" + why + "); install it with apt-get install mosquitto");
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    private static void awaitListening(Process p, int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) throw new IOException("mosquitto exited at start (code " + p.exitValue() + ")");
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IOException("mosquitto did not listen on 127.0.0.1:" + port + " within 10 s");
    }
}
