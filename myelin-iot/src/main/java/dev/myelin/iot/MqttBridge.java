package dev.myelin.iot;

import com.hivemq.client.mqtt.datatypes.MqttTopic;
import dev.myelin.nn.Model;
import dev.myelin.serve.InferenceServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.myelin.nn.io.AtomicFile;
import dev.myelin.nn.io.ModelFile;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Live inference on device streams: subscribes to the readings of many devices, keeps a sliding
 * window per device, runs the model on full windows (windows from many devices batched into one
 * model call by the {@link Predictor}), and publishes each prediction, the alerts its rules
 * raise, and an error message for every reading it cannot use.
 *
 * <pre>{@code
 * try (MqttBridge bridge = MqttBridge.start(BridgeConfig.load(Path.of("bridge.json")))) {
 *     ...   // runs until closed
 * }
 * }</pre>
 *
 * <h2>Delivery</h2>
 * Readings are acknowledged by hand: a QoS 1/2 reading is acknowledged only once everything it
 * caused is at the broker: its prediction and alerts when it completes a window, its error
 * message when it is malformed (at least once: a reading in flight when the connection drops is
 * delivered again and processed again). With a time in the payload, a reading no later than the
 * device's last one is recognised as such a repeat: it is acknowledged, counted
 * ({@code myelin.iot.readings.duplicate}) and reported on the error topic, and changes nothing.
 * Results for one device are published in reading order: each waits for the broker to take the
 * previous one. The broker sends at most the receive maximum of unacknowledged readings, so a slow
 * model slows the stream down (backpressure) instead of filling memory; QoS 0 readings, which the
 * broker does not hold back, are dropped with an error message when the inference queue is full.
 *
 * <h2>State</h2>
 * Device windows live in memory, bounded by the idle time-out and the device limit (see
 * {@link DeviceWindows}); a bridge restarted from scratch fills each device's window anew.
 *
 * <h2>Meters</h2> (tag {@code bridge=<client id>}) counters {@code myelin.iot.readings.received},
 * {@code .malformed}, {@code .duplicate}, {@code .dropped}; {@code myelin.iot.predictions.published},
 * {@code myelin.iot.alerts.published}, {@code myelin.iot.errors.published},
 * {@code myelin.iot.publish.failures}, {@code myelin.iot.devices.evicted}; gauges
 * {@code myelin.iot.devices} and {@code myelin.iot.devices.state.bytes}; timer
 * {@code myelin.iot.result.latency} (a reading's arrival to its results at the broker, with
 * buckets from 1 ms to 5 s). The windows' batches: the batcher's {@code myelin.serve.inference.*}.
 */
public final class MqttBridge implements AutoCloseable {
    private static final byte[] ONLINE = "online".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OFFLINE = "offline".getBytes(StandardCharsets.US_ASCII);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);
    private static final System.Logger LOG = System.getLogger(MqttBridge.class.getName());
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5)};

    private final BridgeConfig config;
    private final Predictor predictor;
    private final boolean ownsPredictor;
    private final Payloads.Parser parser;
    private final int features, windowSize, outputSize;
    private final String statusTopic;
    private final ScheduledThreadPoolExecutor intake;
    private final DeviceWindows devices;
    /** Work still in flight for devices already evicted: a device that comes back waits for it, so its order holds. */
    private final Map<String, CompletableFuture<Void>> draining = new ConcurrentHashMap<>();
    private final MqttTransport mqtt;
    private final Counter received, malformed, duplicate, dropped, predictionsOut, alertsOut, errorsOut, publishFailures;
    /** Reading arrival to its prediction and alerts at the broker (readings that complete a window). */
    private final Timer resultLatency;
    private volatile int deviceCount;
    /** Devices whose windows came from the state file at start. */
    private final int restored;
    private volatile boolean closing;

    /**
     * Starts a bridge on the config's model file, with its own meter registry. Fails with an
     * IOException, at once, when the first connection fails (broker down, TLS or credentials refused).
     */
    public static MqttBridge start(BridgeConfig config) throws IOException {
        return start(config, new SimpleMeterRegistry());
    }

    /**
     * Starts a bridge on the config's model file, with meters in {@code registry}. The windows go
     * through myelin-serve's {@link dev.myelin.serve.Batcher} (its meters, tagged
     * {@code model=mqtt-<client id>}, in the same registry).
     */
    public static MqttBridge start(BridgeConfig config, MeterRegistry registry) throws IOException {
        return startOnModel(config, null, registry);
    }

    /**
     * Starts a bridge beside an inference server: the windows go through a batcher of the server's
     * (its meters beside the served models', tagged {@code model=mqtt-<client id>}) and the bridge's
     * meters go to the server's registry, so the server's {@code /metrics} shows both.
     */
    public static MqttBridge start(BridgeConfig config, InferenceServer server) throws IOException {
        return startOnModel(config, server, server.meterRegistry());
    }

    private static MqttBridge startOnModel(BridgeConfig config, InferenceServer server, MeterRegistry registry) throws IOException {
        if (config.model() == null) throw new IllegalArgumentException("the config names no model file; give one, or start with a Predictor");
        Model model = Model.load(config.model());
        BatcherPredictor p = BatcherPredictor.create(batcherName(config.clientId()), model, config.maxBatch(), config.maxDelay().toNanos() / 1e6,
                config.queueCapacity(), server, registry);
        try {
            return new MqttBridge(config, p, true, registry);
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /** The batcher's name (its meters' {@code model} tag): {@code mqtt-<client id>}, other characters than letters, digits, '_', '.', '-' as '_'. */
    static String batcherName(String clientId) {
        return "mqtt-" + clientId.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    /**
     * Starts a bridge on a given predictor (the config's model file is not read). The caller keeps
     * the predictor: closing the bridge does not close it.
     */
    public static MqttBridge start(BridgeConfig config, Predictor predictor, MeterRegistry registry) throws IOException {
        return new MqttBridge(config, predictor, false, registry);
    }

    private MqttBridge(BridgeConfig config, Predictor predictor, boolean ownsPredictor, MeterRegistry registry) throws IOException {
        this.config = config;
        this.predictor = predictor;
        this.ownsPredictor = ownsPredictor;
        int[] in = predictor.inputShape();
        if (in.length == 1) { // (features): one reading per prediction
            if (config.windowSize() > 1) {
                throw new IllegalArgumentException("the model takes single readings of shape " + Arrays.toString(in) + ", not windows of " + config.windowSize());
            }
            windowSize = 1;
            features = in[0];
        } else if (in.length == 2) { // (steps, features)
            if (config.windowSize() != 0 && config.windowSize() != in[0]) {
                throw new IllegalArgumentException("the window size " + config.windowSize() + " does not match the model's input " + Arrays.toString(in) + " (steps, features)");
            }
            windowSize = in[0];
            features = in[1];
        } else {
            throw new IllegalArgumentException("the bridge feeds models that take (features) or (steps, features), not " + Arrays.toString(in));
        }
        int fc = config.payload().featureCount();
        if (fc >= 0 && fc != features) {
            throw new IllegalArgumentException("the payload format gives " + fc + " values per reading, but the model takes " + features + " features");
        }
        int o = 1;
        for (int d : predictor.outputShape()) o *= d;
        outputSize = o;
        for (AlertRule r : config.alertRules()) {
            if (r.output() >= outputSize) {
                throw new IllegalArgumentException("alert rule '" + r.name() + "' reads output " + r.output() + ", but the model gives " + outputSize + " values");
            }
        }
        this.parser = Payloads.parser(config.payload());
        this.statusTopic = config.topic(config.statusTopic(), null, null);
        this.devices = new DeviceWindows(windowSize, config.windowStride(), features, config.alertRules().size(),
                config.idleTimeout().toNanos(), config.maxDevices(), this::onEvicted);
        this.restored = restoreState();
        this.deviceCount = devices.count();

        String id = config.clientId();
        received = counter(registry, "myelin.iot.readings.received", "readings received", id);
        malformed = counter(registry, "myelin.iot.readings.malformed", "readings refused as malformed (reported on the error topic)", id);
        duplicate = counter(registry, "myelin.iot.readings.duplicate", "readings not after the device's last one (redeliveries), skipped", id);
        dropped = counter(registry, "myelin.iot.readings.dropped", "QoS 0 windows dropped because the inference queue was full", id);
        predictionsOut = counter(registry, "myelin.iot.predictions.published", "predictions published", id);
        alertsOut = counter(registry, "myelin.iot.alerts.published", "alerts published", id);
        errorsOut = counter(registry, "myelin.iot.errors.published", "error messages published", id);
        publishFailures = counter(registry, "myelin.iot.publish.failures", "results the broker did not take", id);
        resultLatency = Timer.builder("myelin.iot.result.latency").description("from a reading's arrival to its prediction and alerts at the broker")
                .serviceLevelObjectives(LATENCY_BUCKETS).tag("bridge", id).register(registry);
        Gauge.builder("myelin.iot.devices", this, b -> b.deviceCount).description("devices with a window in memory").tag("bridge", id).register(registry);
        Gauge.builder("myelin.iot.devices.state.bytes", this, b -> (double) b.deviceCount * b.devices.bytesPerDevice())
                .description("estimated bytes of device state").baseUnit("bytes").tag("bridge", id).register(registry);
        FunctionCounter.builder("myelin.iot.devices.evicted", devices, DeviceWindows::evicted).description("devices forgotten (idle or over the limit)")
                .tag("bridge", id).register(registry);

        this.intake = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().name("myelin-iot-intake-" + id).daemon(true).unstarted(r));
        long sweep = Math.clamp(config.idleTimeout().toMillis() / 4, 50, 60_000);
        intake.scheduleWithFixedDelay(this::evictIdle, sweep, sweep, TimeUnit.MILLISECONDS);

        this.mqtt = MqttTransport.create(config, statusTopic, OFFLINE, this::announceOnline);
        try {
            await(mqtt.connect(this::onMessage, intake), "connecting to " + config.brokerUrl());
            await(mqtt.subscribe(config.topics(), config.qos()), "subscribing to " + config.topics());
        } catch (IOException | RuntimeException e) {
            closing = true;
            mqtt.disconnect().exceptionally(x -> null);
            intake.shutdownNow();
            throw e;
        }
    }

    private static Counter counter(MeterRegistry r, String name, String description, String bridge) {
        return Counter.builder(name).description(description).tag("bridge", bridge).register(r);
    }

    private static <T> T await(CompletableFuture<T> f, String what) throws IOException {
        try {
            return f.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // the client wraps the reason as "SomeException: reason": say the reason
            Throwable t = e.getCause();
            while (t.getCause() != null && t.getMessage() != null && t.getMessage().equals(t.getCause().toString())) t = t.getCause();
            throw new IOException(what + " failed: " + t.getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException(what + " did not finish within " + START_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(what + " was interrupted");
        }
    }

    /**
     * The windows a cleanly closed bridge left in the state file, if there is one; the file is
     * deleted once read, so a later crash cannot leave these (by then old) windows to the next bridge.
     */
    private int restoreState() throws IOException {
        Path file = config.stateFile();
        if (file == null || !Files.exists(file)) return 0;
        int n;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            n = devices.load(in, file.toString(), System.nanoTime());
        } catch (java.io.EOFException e) {
            throw new IOException(file + ": the bridge state file is cut short; delete it to start the windows anew", e);
        }
        Files.delete(file);
        return n;
    }

    /** Writes the device windows to the state file, atomically (on the intake thread, which owns them). */
    private void saveState() throws IOException {
        try (AtomicFile f = AtomicFile.create(config.stateFile())) {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(f.channel()), 1 << 16));
            devices.save(out, "myelin " + ModelFile.myelinVersion());
            out.flush();
            f.commit();
        }
    }

    /** Devices whose windows were restored from the state file at start (0 without one). */
    public int restoredDevices() {
        return restored;
    }

    /** After every (re)connection: the retained status goes back to online (the will may have set it offline). */
    private void announceOnline() {
        if (!closing) mqtt.publish(statusTopic, ONLINE, 1, true).exceptionally(e -> null);
    }

    // ------------------------------------------------------------------ intake (one thread)

    private void onMessage(MqttTransport.Incoming m) {
        if (closing) return; // not acknowledged: the broker delivers it again to the next session
        long arrived = System.nanoTime();
        received.increment();
        String device = config.deviceId().of(m.topic());
        if (device == null) {
            malformed.increment();
            reportThenAck(m, null, "no device id in the topic (expected " + describe(config.deviceId()) + ")");
            return;
        }
        Payloads.Reading r;
        try {
            r = parser.parse(m.payload());
        } catch (Payloads.MalformedPayloadException e) {
            malformed.increment();
            reportThenAck(m, device, e.getMessage());
            return;
        }
        if (r.values().length != features) {
            malformed.increment();
            reportThenAck(m, device, "expected " + features + " values, found " + r.values().length);
            return;
        }
        DeviceWindows.Device d = devices.touch(device, System.nanoTime());
        deviceCount = devices.count();
        if (d.fresh) {
            d.fresh = false;
            CompletableFuture<Void> pending = draining.get(device);
            if (pending != null) d.tail = pending;
        }
        boolean timed = !Double.isNaN(r.time());
        double time = timed ? r.time() : System.currentTimeMillis();
        if (timed && time <= d.lastTime) {
            duplicate.increment();
            // after the device's earlier work, so a redelivered reading is acknowledged no sooner than its first delivery's results
            String reason = "reading at time " + plain(time) + " is not after the device's last reading (" + plain(d.lastTime)
                    + "): skipped as a redelivery or a stale reading";
            d.tail = d.tail.thenCompose(v -> report(m, device, reason)).thenRun(() -> ack(m)).exceptionally(e -> failed(e));
            return;
        }
        float[] window = devices.append(d, r.values(), time);
        if (window == null) { // the window is not full yet, or this reading falls between strides
            if (d.tail.isDone()) ack(m); // nothing of this device's is pending: no need to queue behind it
            else d.tail = d.tail.thenRun(() -> ack(m));
            return;
        }
        double start = devices.windowStart(d);
        CompletableFuture<float[]> prediction;
        try {
            if (m.qos() == 0) {
                prediction = predictor.trySubmit(window);
                if (prediction == null) {
                    dropped.increment();
                    reportThenAck(m, device, "the inference queue is full: this QoS 0 reading's window (time " + plain(time) + ") was dropped");
                    return;
                }
            } else {
                prediction = predictor.submit(window); // waits while the queue is full
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // shutting down; not acknowledged
        } catch (RuntimeException e) {
            reportThenAck(m, device, "the model could not take the window: " + e.getMessage());
            return;
        }
        // This device's results leave in reading order: after its earlier work (d.tail), which is usually done by now,
        // so the prediction leads straight to the publication. Then the reading is acknowledged, or reported and acknowledged.
        // (Not pipelined: the HiveMQ client blocks the publishing thread once more publications wait for the broker than
        // its window holds, so the bridge keeps at most one result per device in flight.)
        DeviceWindows.Device dev = d;
        CompletableFuture<Void> previous = d.tail;
        CompletableFuture<float[]> ready = previous.isDone() ? prediction : previous.thenCompose(v -> prediction);
        CompletableFuture<Void> done = new CompletableFuture<>();
        ready.thenCompose(out -> publishResults(dev, time, start, window, out)).whenComplete((v, e) -> {
            if (e == null) {
                ack(m);
                resultLatency.record(System.nanoTime() - arrived, TimeUnit.NANOSECONDS);
                done.complete(null);
                return;
            }
            Throwable cause = unwrap(e);
            String reason = cause instanceof PublishFailed pf
                    ? "the broker did not take the result: " + pf.getMessage()
                    : "the model failed on this window: " + cause;
            // a report that cannot be published leaves the reading unacknowledged (publish.failures counts it); the chain goes on
            report(m, device, reason).whenComplete((x, y) -> {
                if (y == null) ack(m);
                done.complete(null);
            });
        });
        d.tail = done;
    }

    /** Publishes the prediction, then evaluates the rules and publishes the alerts they raise (this device's work runs one step at a time). */
    private CompletableFuture<Void> publishResults(DeviceWindows.Device d, double time, double start, float[] window, float[] out) {
        String id = config.clientId();
        if (d.outputTopic == null) { // built once per device
            String topic = config.topic(config.outputTopic(), d.id, null);
            try {
                d.outputTopic = MqttTopic.of(topic);
            } catch (IllegalArgumentException e) {
                publishFailures.increment();
                return CompletableFuture.failedFuture(new PublishFailed(topic, e));
            }
        }
        CompletableFuture<Void> prediction = publish(d.outputTopic, Messages.prediction(id, d.id, time, start, out),
                config.outputQos(), config.outputRetain(), predictionsOut);
        List<AlertRule> rules = config.alertRules();
        if (rules.isEmpty()) return prediction;
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        sent.add(prediction);
        for (int i = 0; i < rules.size(); i++) {
            AlertRule rule = rules.get(i);
            float score = out[rule.output()];
            if (!rule.op().holds(score, rule.threshold())) {
                d.runs[i] = 0;
                d.fired[i] = false;
                continue;
            }
            d.runs[i]++;
            if (d.runs[i] >= rule.consecutive() && !d.fired[i]) {
                d.fired[i] = true;
                sent.add(publish(config.topic(config.alertTopic(), d.id, rule.name()),
                        Messages.alert(id, d.id, rule, score, time, start, window, features), config.outputQos(), false, alertsOut));
            }
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
    }

    /** A result publication that the broker refused or that could not be sent. */
    private static final class PublishFailed extends RuntimeException {
        PublishFailed(String topic, Throwable cause) {
            super(topic + ": " + unwrap(cause).getMessage(), unwrap(cause));
        }
    }

    /** Publishes; completes once the broker has it ({@code published} counts it), or fails with {@link PublishFailed}. */
    private CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retain, Counter published) {
        MqttTopic t;
        try {
            t = MqttTopic.of(topic);
        } catch (IllegalArgumentException e) {
            publishFailures.increment();
            return CompletableFuture.failedFuture(new PublishFailed(topic, e));
        }
        return publish(t, payload, qos, retain, published);
    }

    private CompletableFuture<Void> publish(MqttTopic topic, byte[] payload, int qos, boolean retain, Counter published) {
        CompletableFuture<Void> f;
        try {
            f = mqtt.publish(topic, payload, qos, retain);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        // one stage per publication: counted either way
        return f.handle((v, e) -> {
            if (e == null) {
                published.increment();
                return null;
            }
            publishFailures.increment();
            throw new PublishFailed(topic.toString(), e);
        });
    }

    /** Reports on the error topic; completes once the broker has the report, exceptionally if it could not be published. */
    private CompletableFuture<Void> report(MqttTransport.Incoming m, String device, String reason) {
        byte[] msg = Messages.error(config.clientId(), m.topic(), device, reason, m.payload());
        return publish(config.topic(config.errorTopic(), device == null ? "unknown" : device, null), msg, Math.max(1, config.outputQos()), false, errorsOut);
    }

    /** A reading answered by an error message: acknowledged once the report is at the broker. */
    private void reportThenAck(MqttTransport.Incoming m, String device, String reason) {
        report(m, device, reason).thenRun(() -> ack(m)).exceptionally(this::failed);
    }

    /** Nothing could be published about a reading: it stays unacknowledged, so the broker delivers it again to the next session. */
    private Void failed(Throwable e) {
        return null; // counted in publish.failures where it happened
    }

    private static void ack(MqttTransport.Incoming m) {
        try {
            m.ack().run();
        } catch (RuntimeException e) {
            // acknowledged already, or the session it came in is gone (the broker redelivers it)
        }
    }

    /**
     * Forgets idle devices, but only once the intake has caught up: while readings wait in its queue,
     * a device whose next reading is among them is not idle, however long ago its last one was
     * processed (the queue holds no arrival times). The device limit still bounds memory meanwhile.
     */
    private void evictIdle() {
        if (!intake.getQueue().isEmpty()) return;
        devices.evictIdle(System.nanoTime());
        deviceCount = devices.count();
    }

    /** An evicted device's pending work stays reachable until done, so a device that returns keeps its order. */
    private void onEvicted(DeviceWindows.Device d) {
        CompletableFuture<Void> t = d.tail;
        if (t.isDone()) return;
        draining.put(d.id, t);
        t.whenComplete((v, e) -> draining.remove(d.id, t));
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) e = e.getCause();
        return e;
    }

    private static String plain(double t) {
        return t == Math.rint(t) && Math.abs(t) < 1e15 ? Long.toString((long) t) : Double.toString(t);
    }

    private static String describe(DeviceId d) {
        return switch (d) {
            case DeviceId.Level l -> "topic level " + l.index();
            case DeviceId.Regex r -> "a match of " + r.pattern().pattern();
        };
    }

    // ------------------------------------------------------------------ state and shutdown

    public BridgeConfig config() {
        return config;
    }

    /** Readings per window: the model's input steps, or 1 for a model on single readings. */
    public int windowSize() {
        return windowSize;
    }

    /** Devices with a window in memory now. */
    public int deviceCount() {
        return deviceCount;
    }

    /** Counts since start. */
    public record Stats(long received, long malformed, long duplicate, long dropped, long predictions, long alerts,
                        long errors, long publishFailures, int devices, long evicted) {}

    public Stats stats() {
        return new Stats((long) received.count(), (long) malformed.count(), (long) duplicate.count(), (long) dropped.count(),
                (long) predictionsOut.count(), (long) alertsOut.count(), (long) errorsOut.count(), (long) publishFailures.count(),
                deviceCount, devices.evicted());
    }

    /** Estimated bytes of device state per device (see {@link DeviceWindows#bytesPerDevice()}). */
    public long bytesPerDevice() {
        return devices.bytesPerDevice();
    }

    /** Whether the MQTT connection is up now. */
    public boolean connected() {
        return mqtt.connected();
    }

    /**
     * Stops taking readings (those arriving now stay unacknowledged for the next session), waits
     * for the results in flight, sets the retained status to offline, and disconnects cleanly (the
     * broker keeps the session for the session expiry).
     */
    @Override
    public void close() {
        if (closing) return;
        closing = true;
        try {
            // everything pending: the device chains, read on the intake thread that owns them
            CompletableFuture<CompletableFuture<Void>> all = new CompletableFuture<>();
            intake.execute(() -> {
                List<CompletableFuture<Void>> tails = new ArrayList<>(draining.values());
                for (DeviceWindows.Device d : devices.all()) tails.add(d.tail);
                all.complete(CompletableFuture.allOf(tails.toArray(CompletableFuture[]::new)));
            });
            all.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            // Every reading taken is published and acknowledged: the windows are complete, so the next bridge may go on from them.
            // (With work still pending they are not saved: a window holding a reading whose results never left would skip
            // that reading's redelivery as a repeat.)
            if (config.stateFile() != null) {
                try {
                    intake.submit(() -> { saveState(); return null; }).get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    LOG.log(System.Logger.Level.WARNING, "the bridge could not write its state file " + config.stateFile() + ": " + e.getCause().getMessage()
                            + "; the next bridge starts its windows anew");
                }
            }
        } catch (ExecutionException | TimeoutException | java.util.concurrent.RejectedExecutionException e) {
            // results still pending after the time-out stay unacknowledged: the broker redelivers them (and no state is saved)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            mqtt.publish(statusTopic, OFFLINE, 1, true).get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // the will says offline if this did not get through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            mqtt.disconnect().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // already disconnected
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        intake.shutdownNow();
        if (ownsPredictor) predictor.close();
    }
}
