package dev.myelin.iot;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.LSTM;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bridge against a real Mosquitto on a free loopback port, with tiny models made here. */
class MqttBridgeTest {
    private static final JSON BIG = JSON.std.with(JSON.Feature.USE_BIG_DECIMAL_FOR_FLOATS);

    @TempDir
    Path tmp;

    /** A small sequence model, (steps, 2) -> sigmoid score, saved to a model file as the bridge loads it. */
    private Path lstmModel(int steps) throws IOException {
        Model m = new Sequential(new InputLayer(steps, 2), new LSTM(4), new Dense(1, "sigmoid")).seed(7);
        Path p = tmp.resolve("lstm.myelin");
        m.save(p);
        return p;
    }

    /** Reading i of device k: two smooth signals that differ per device. */
    private static float[] reading(int k, int i) {
        return new float[]{(float) Math.sin(0.3 * i + k), (float) Math.cos(0.17 * i * (k + 1))};
    }

    private static String json(double t, float[] v) {
        return "{\"t\":" + (long) t + ",\"a\":" + v[0] + ",\"b\":" + v[1] + "}";
    }

    private static Map<String, Object> parse(TestMqtt.Received r) {
        try {
            return BIG.mapFrom(r.text());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] floats(Object list) {
        List<?> l = (List<?>) list;
        float[] out = new float[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = Float.parseFloat(l.get(i).toString()); // the exact float the bridge wrote
        return out;
    }

    private static long asLong(Object o) {
        return o instanceof BigDecimal b ? b.longValueExact() : ((Number) o).longValue();
    }

    /** model.predict on stacked windows (n, steps, features), as one offline call. */
    private static float[][] offline(Model model, List<float[]> windows, int steps) {
        float[] x = new float[windows.size() * steps * 2];
        for (int i = 0; i < windows.size(); i++) System.arraycopy(windows.get(i), 0, x, i * steps * 2, steps * 2);
        Tensor y = model.predict(Tensor.wrap(x, windows.size(), steps, 2));
        float[] flat = y.toFloatArray();
        int o = flat.length / windows.size();
        float[][] out = new float[windows.size()][];
        for (int i = 0; i < out.length; i++) out[i] = Arrays.copyOfRange(flat, i * o, (i + 1) * o);
        return out;
    }

    private static float[] window(int k, int end, int steps) {
        float[] w = new float[steps * 2];
        for (int s = 0; s < steps; s++) System.arraycopy(reading(k, end - steps + 1 + s), 0, w, s * 2, 2);
        return w;
    }

    @Test
    @Timeout(60)
    void predictionsArriveForEveryWindowAndEqualModelPredict() throws Exception {
        int steps = 5, devices = 6, n = 30;
        Path modelFile = lstmModel(steps);
        Model model = Model.load(modelFile);
        // The expected outputs, computed offline, pick a threshold that some windows pass.
        Map<String, float[]> expected = new HashMap<>();
        List<float[]> windows = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < devices; k++) {
            for (int i = steps - 1; i < n; i++) {
                windows.add(window(k, i, steps));
                keys.add("m" + k + "@" + (1000 + i));
            }
        }
        float[][] out = offline(model, windows, steps);
        for (int i = 0; i < keys.size(); i++) expected.put(keys.get(i), out[i]);
        float[] scores = new float[out.length];
        for (int i = 0; i < out.length; i++) scores[i] = out[i][0];
        Arrays.sort(scores);
        float threshold = scores[scores.length / 2];

        try (Mosquitto broker = Mosquitto.start();
             TestMqtt sink = TestMqtt.connect("sink", broker.port(), "predictions/#", "alerts/#", "myelin/bridge/#")) {
            BridgeConfig c = BridgeConfig.builder().broker(broker.url()).clientId("bridge-a")
                    .topics("sensors/+/readings").payload(PayloadFormat.json("t", "a", "b"))
                    .model(modelFile).window(steps, 1)
                    .alert(AlertRule.above("high", threshold).consecutive(2))
                    .batching(16, Duration.ofMillis(5), 256)
                    .build();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (MqttBridge bridge = MqttBridge.start(c, registry);
                 TestMqtt devicesClient = TestMqtt.connect("devices", broker.port())) {
                List<CompletableFuture<?>> sent = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < devices; k++) sent.add(devicesClient.publish("sensors/m" + k + "/readings", json(1000 + i, reading(k, i)), 1));
                }
                CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
                int want = devices * (n - steps + 1);
                assertTrue(TestMqtt.await(() -> sink.on("predictions/").size() >= want, Duration.ofSeconds(20)),
                        "predictions: " + sink.on("predictions/").size() + " of " + want);
                assertTrue(TestMqtt.await(() -> bridge.stats().received() == (long) devices * n, Duration.ofSeconds(5)));

                // one prediction per window, equal to model.predict on the same window, in order per device
                Map<String, Long> lastTime = new HashMap<>();
                Map<String, List<float[]>> scoresByDevice = new LinkedHashMap<>();
                Set<String> seen = new HashSet<>();
                int exact = 0;
                for (TestMqtt.Received r : sink.on("predictions/")) {
                    Map<String, Object> p = parse(r);
                    String device = (String) p.get("device");
                    long t = asLong(p.get("time"));
                    assertEquals("predictions/" + device, r.topic());
                    assertEquals(t - steps + 1, asLong(p.get("window_start")));
                    assertTrue(seen.add(device + "@" + t), "duplicate prediction " + device + "@" + t);
                    assertTrue(t > lastTime.getOrDefault(device, Long.MIN_VALUE), "out of order for " + device + " at " + t);
                    lastTime.put(device, t);
                    float[] got = floats(p.get("output"));
                    // model.predict here ran other batches than the bridge; the kernels may round the last bit differently per batch size
                    assertArrayEquals(expected.get(device + "@" + t), got, 1e-6f, device + "@" + t);
                    if (Arrays.equals(expected.get(device + "@" + t), got)) exact++;
                    scoresByDevice.computeIfAbsent(device, x -> new ArrayList<>()).add(new float[]{t, got[0]});
                }
                assertEquals(expected.keySet(), seen);
                System.out.printf("predictions: %d of %d bit-identical to the offline model.predict, all within 1e-6%n", exact, want);

                // alerts: the rule (score > threshold for 2 windows in a row, once per run), replayed on the predictions
                List<String> wantAlerts = new ArrayList<>();
                for (var e : scoresByDevice.entrySet()) {
                    int run = 0;
                    boolean fired = false;
                    for (float[] ts : e.getValue()) {
                        if (ts[1] > threshold) {
                            run++;
                            if (run >= 2 && !fired) {
                                fired = true;
                                wantAlerts.add(e.getKey() + "@" + (long) ts[0]);
                            }
                        } else {
                            run = 0;
                            fired = false;
                        }
                    }
                }
                assertTrue(TestMqtt.await(() -> sink.on("alerts/").size() >= wantAlerts.size(), Duration.ofSeconds(5)));
                List<String> gotAlerts = new ArrayList<>();
                for (TestMqtt.Received r : sink.on("alerts/")) {
                    Map<String, Object> a = parse(r);
                    String device = (String) a.get("device");
                    long t = asLong(a.get("time"));
                    gotAlerts.add(device + "@" + t);
                    assertEquals("high", a.get("rule"));
                    // within 1e-6 as the predictions: the batch the window ran in may round the last bit differently
                    assertEquals(expected.get(device + "@" + t)[0], Float.parseFloat(a.get("score").toString()), 1e-6f);
                    @SuppressWarnings("unchecked")
                    Map<String, Object> w = (Map<String, Object>) a.get("window");
                    List<?> rows = (List<?>) w.get("values");
                    assertEquals(steps, rows.size());
                    int k = Integer.parseInt(device.substring(1));
                    for (int s = 0; s < steps; s++) assertArrayEquals(reading(k, (int) (t - 1000) - steps + 1 + s), floats(rows.get(s)), 0f);
                }
                assertTrue(!wantAlerts.isEmpty(), "the threshold should let some runs through");
                assertEquals(new HashSet<>(wantAlerts), new HashSet<>(gotAlerts));
                assertEquals(wantAlerts.size(), gotAlerts.size());

                assertTrue(TestMqtt.await(() -> bridge.stats().predictions() == want, Duration.ofSeconds(5)), bridge.stats().toString());
                MqttBridge.Stats s = bridge.stats();
                assertEquals(0, s.malformed());
                assertEquals(devices, s.devices());
                assertEquals(devices, registry.get("myelin.iot.devices").gauge().value());
                assertTrue(registry.get("myelin.serve.inference.batch.size").tag("model", "mqtt-bridge-a").summary().max() > 1, "windows from several devices should share model calls");
                // the retained status says online while the bridge runs
                assertTrue(TestMqtt.await(() -> sink.on("myelin/bridge/bridge-a/status").stream().anyMatch(r -> r.text().equals("online")), Duration.ofSeconds(5)));
            }
            // closed cleanly: the retained status says offline
            assertTrue(TestMqtt.await(() -> {
                List<TestMqtt.Received> st = sink.on("myelin/bridge/bridge-a/status");
                return !st.isEmpty() && st.getLast().text().equals("offline");
            }, Duration.ofSeconds(5)));
        }
    }

    @Test
    @Timeout(60)
    void malformedPayloadsGoToTheErrorTopicAndTheStreamGoesOn() throws Exception {
        int steps = 3;
        Path modelFile = lstmModel(steps);
        Model model = Model.load(modelFile);
        try (Mosquitto broker = Mosquitto.start();
             TestMqtt sink = TestMqtt.connect("sink", broker.port(), "predictions/#", "errors/#")) {
            // MQTT 3.1.1 and CSV lines "time,a,b" this time
            BridgeConfig c = BridgeConfig.builder().broker(broker.url()).clientId("bridge-b").mqttVersion(3)
                    .topics("plant/+/sensor/#").payload(PayloadFormat.csv(',', 0, 1, 2))
                    .model(modelFile).errorTopic("errors/{id}/{device}").build();
            try (MqttBridge bridge = MqttBridge.start(c);
                 TestMqtt dev = TestMqtt.connect("devices", broker.port())) {
                String topic = "plant/p1/sensor/x";
                List<String> payloads = new ArrayList<>();
                List<Integer> good = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    if (i == 4) payloads.add("1004,not-a-number,0.5");
                    if (i == 6) payloads.add("{\"t\": 1006}");
                    if (i == 7) payloads.add("1007,0.5");
                    float[] v = reading(0, i);
                    payloads.add((1000 + i) + "," + v[0] + "," + v[1]);
                    good.add(i);
                }
                for (String p : payloads) dev.publish(topic, p, 1).get(5, TimeUnit.SECONDS);
                int wantPredictions = good.size() - steps + 1;
                assertTrue(TestMqtt.await(() -> sink.on("errors/").size() >= 3 && sink.on("predictions/").size() >= wantPredictions, Duration.ofSeconds(15)),
                        "errors " + sink.on("errors/").size() + ", predictions " + sink.on("predictions/").size());
                List<TestMqtt.Received> errors = sink.on("errors/");
                assertEquals(3, errors.size());
                Map<String, Object> e0 = parse(errors.get(0));
                assertEquals("errors/bridge-b/p1", errors.get(0).topic());
                assertEquals("p1", e0.get("device"));
                assertEquals(topic, e0.get("topic"));
                assertEquals("1004,not-a-number,0.5", e0.get("payload"));
                assertTrue(((String) e0.get("reason")).contains("column 1: expected a number, found 'not-a-number'"), (String) e0.get("reason"));
                assertTrue(((String) parse(errors.get(1)).get("reason")).contains("expected at least 3 fields separated by ',', found 1"), errors.get(1).text());
                assertTrue(((String) parse(errors.get(2)).get("reason")).contains("expected at least 3 fields separated by ',', found 2"), errors.get(2).text());

                // the good readings form the windows, as if the bad ones had never come
                List<float[]> windows = new ArrayList<>();
                for (int i = steps - 1; i < 10; i++) windows.add(window(0, i, steps));
                float[][] want = offline(model, windows, steps);
                List<TestMqtt.Received> preds = sink.on("predictions/");
                assertEquals(want.length, preds.size());
                for (int i = 0; i < want.length; i++) {
                    Map<String, Object> p = parse(preds.get(i));
                    assertEquals(1000 + steps - 1 + i, asLong(p.get("time")));
                    assertArrayEquals(want[i], floats(p.get("output")), 1e-6f);
                }
                assertEquals(3, bridge.stats().malformed());
            }
        }
    }

    @Test
    @Timeout(120)
    void brokerRestartMidStreamLosesNoQos1Reading() throws Exception {
        int steps = 4, devices = 8, n = 120;
        Path modelFile = lstmModel(steps);
        try (Mosquitto broker = Mosquitto.start();
             TestMqtt sink = TestMqtt.connect("sink", broker.port(), "predictions/#")) {
            BridgeConfig c = BridgeConfig.builder().broker(broker.url()).clientId("bridge-c")
                    .topics("sensors/+/readings").payload(PayloadFormat.json("t", "a", "b"))
                    .model(modelFile).reconnect(Duration.ofMillis(100), Duration.ofSeconds(1))
                    .batching(32, Duration.ofMillis(2), 512).build();
            try (MqttBridge bridge = MqttBridge.start(c);
                 TestMqtt dev = TestMqtt.connect("devices", broker.port())) {
                AtomicInteger published = new AtomicInteger();
                List<CompletableFuture<?>> sent = new ArrayList<>();
                Thread publisher = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < n; i++) {
                        for (int k = 0; k < devices; k++) {
                            synchronized (sent) {
                                sent.add(dev.publish("sensors/d" + k + "/readings", json(1000 + i, reading(k, i)), 1));
                            }
                        }
                        published.set(i + 1);
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                // stop the broker a third of the way in, keep it down for a moment, start it again
                assertTrue(TestMqtt.await(() -> published.get() >= n / 3, Duration.ofSeconds(30)));
                int before = sink.on("predictions/").size();
                broker.stop();
                Thread.sleep(700);
                broker.restart();
                publisher.join(60_000);
                CompletableFuture<?>[] all;
                synchronized (sent) {
                    all = sent.toArray(CompletableFuture[]::new);
                }
                CompletableFuture.allOf(all).get(30, TimeUnit.SECONDS); // every reading is at the broker

                int want = devices * (n - steps + 1);
                boolean complete = TestMqtt.await(() -> distinct(sink.on("predictions/")).size() >= want, Duration.ofSeconds(40));
                Set<String> got = distinct(sink.on("predictions/"));
                assertTrue(complete, "predictions for " + got.size() + " of " + want + " windows; bridge " + bridge.stats() + "; broker log:\n" + broker.log());
                // every window of every device, none lost, and per device in order (repeats of a window allowed: at least once)
                Map<String, Long> last = new HashMap<>();
                int repeats = 0;
                for (TestMqtt.Received r : sink.on("predictions/")) {
                    Map<String, Object> p = parse(r);
                    String d = (String) p.get("device");
                    long t = asLong(p.get("time"));
                    long prev = last.getOrDefault(d, Long.MIN_VALUE);
                    if (t == prev) {
                        repeats++;
                        continue;
                    }
                    assertTrue(t > prev, "device " + d + ": prediction for " + t + " after " + prev);
                    last.put(d, t);
                }
                for (int k = 0; k < devices; k++) assertEquals(1000L + n - 1, last.get("d" + k));
                assertEquals(want, got.size());
                assertTrue(before > 0 && before < want / 2, "the restart should fall mid-stream; predictions before it: " + before);
                System.out.printf("broker restart: %d predictions for %d windows (%d repeated at the restart), bridge %s%n",
                        sink.on("predictions/").size(), want, repeats, bridge.stats());
            }
        }
    }

    @Test
    @Timeout(120)
    void bridgeRestartedWithItsClientIdResumesTheSessionAndLosesNoQos1Reading() throws Exception {
        // A model on single readings, so every reading has its prediction without carrying windows over
        Model m = new Sequential(new InputLayer(2), new Dense(1, "sigmoid")).seed(5);
        Path modelFile = tmp.resolve("single.myelin");
        m.save(modelFile);
        Map<String, Object> last = restartMidStream(modelFile, 1, null, "bridge-r");
        // the values are the model's
        int k = Integer.parseInt(((String) last.get("device")).substring(1));
        int i = (int) (asLong(last.get("time")) - 1000);
        assertEquals(m.predict(Tensor.wrap(reading(k, i), 1, 2)).toFloatArray()[0], floats(last.get("output"))[0], 1e-6f);
    }

    @Test
    @Timeout(120)
    void aWindowModelGoesOnFromTheStateFileAfterARestart() throws Exception {
        // Windows of 4 readings: the first bridge leaves its windows in the state file, the second goes on from them,
        // so every window has its prediction across the restart (without the file 3 per device would be missing)
        int steps = 4;
        Path modelFile = lstmModel(steps);
        Path state = tmp.resolve("windows.state");
        Map<String, Object> last = restartMidStream(modelFile, steps, state, "bridge-w");
        // the second bridge read (and deleted) the first one's file, then left its own when it closed
        assertTrue(java.nio.file.Files.exists(state), "the second bridge leaves its windows for a third");
        int k = Integer.parseInt(((String) last.get("device")).substring(1));
        int i = (int) (asLong(last.get("time")) - 1000);
        float[][] want = offline(Model.load(modelFile), List.of(window(k, i, steps)), steps);
        assertArrayEquals(want[0], floats(last.get("output")), 1e-6f);
    }

    /**
     * Devices publish at QoS 1 while a bridge (fixed client id, persistent session) is stopped a
     * third of the way in and, a moment later, a new one with the same client id started; checks
     * that every window is predicted, per device in order, repeats counted; returns the last prediction.
     */
    private Map<String, Object> restartMidStream(Path modelFile, int steps, Path stateFile, String clientId) throws Exception {
        int devices = 8, n = 150;
        try (Mosquitto broker = Mosquitto.start();
             TestMqtt sink = TestMqtt.connect("sink", broker.port(), "predictions/#")) {
            // the defaults spelled out: QoS 1, a persistent session (clean start off, an hour's expiry), one client id
            BridgeConfig c = BridgeConfig.builder().broker(broker.url()).clientId(clientId).qos(1)
                    .cleanStart(false).sessionExpiry(Duration.ofHours(1))
                    .topics("sensors/+/readings").payload(PayloadFormat.json("t", "a", "b"))
                    .model(modelFile).stateFile(stateFile).batching(32, Duration.ZERO, 512).build();
            MqttBridge first = MqttBridge.start(c);
            MqttBridge.Stats firstStats;
            MqttBridge second = null;
            try (TestMqtt dev = TestMqtt.connect("devices", broker.port())) {
                AtomicInteger published = new AtomicInteger();
                List<CompletableFuture<?>> sent = new ArrayList<>();
                Thread publisher = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < n; i++) {
                        for (int k = 0; k < devices; k++) {
                            synchronized (sent) {
                                sent.add(dev.publish("sensors/d" + k + "/readings", json(1000 + i, reading(k, i)), 1));
                            }
                        }
                        published.set(i + 1);
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                // stop the bridge a third of the way in; the devices go on publishing while no bridge is connected
                assertTrue(TestMqtt.await(() -> published.get() >= n / 3, Duration.ofSeconds(30)));
                first.close();
                firstStats = first.stats();
                int atStop = published.get();
                Thread.sleep(300);
                int atRestart = published.get();
                second = MqttBridge.start(c);
                if (stateFile != null) assertEquals(devices, second.restoredDevices());
                publisher.join(60_000);
                CompletableFuture<?>[] all;
                synchronized (sent) {
                    all = sent.toArray(CompletableFuture[]::new);
                }
                CompletableFuture.allOf(all).get(30, TimeUnit.SECONDS);

                int want = devices * (n - steps + 1);
                boolean complete = TestMqtt.await(() -> distinct(sink.on("predictions/")).size() >= want, Duration.ofSeconds(40));
                Set<String> got = distinct(sink.on("predictions/"));
                MqttBridge.Stats secondStats = second.stats();
                assertTrue(complete, "predictions for " + got.size() + " of " + want + " windows; first bridge " + firstStats
                        + ", second " + secondStats + "; broker log:\n" + broker.log());
                assertEquals(want, got.size());
                // per device in reading order; a window predicted twice (at least once) is counted, never one out of order
                Map<String, Long> last = new HashMap<>();
                int repeats = 0;
                for (TestMqtt.Received r : sink.on("predictions/")) {
                    Map<String, Object> p = parse(r);
                    String d = (String) p.get("device");
                    long t = asLong(p.get("time"));
                    long prev = last.getOrDefault(d, Long.MIN_VALUE);
                    if (t == prev) {
                        repeats++;
                        continue;
                    }
                    assertTrue(t > prev, "device " + d + ": prediction for " + t + " after " + prev);
                    last.put(d, t);
                }
                for (int k = 0; k < devices; k++) assertEquals(1000L + n - 1, last.get("d" + k));
                int total = sink.on("predictions/").size();
                assertEquals(want + repeats, total, "every prediction is a window's first or a counted repeat");
                // the first bridge published only what it acknowledged (a clean stop); the readings it left unacknowledged
                // and those sent while no bridge was there came to the second through the resumed session
                assertEquals(firstStats.predictions() + secondStats.predictions(), total);
                assertTrue(firstStats.predictions() > 0 && secondStats.predictions() > 0, firstStats + " / " + secondStats);
                assertTrue(secondStats.received() < (long) devices * n, "the second bridge resumed the session instead of starting over: " + secondStats);
                assertTrue(atRestart > atStop, "readings were published while no bridge was connected: " + atStop + ".." + atRestart);
                assertEquals(0, secondStats.malformed());
                System.out.printf("bridge restart (windows of %d%s): %d predictions for %d windows (%d repeated); first bridge %s; second %s; "
                        + "stopped at round %d, restarted at %d of %d%n", steps, stateFile != null ? ", state file" : "", total, want, repeats,
                        firstStats, secondStats, atStop, atRestart, n);
                return parse(sink.on("predictions/").getLast());
            } finally {
                if (second != null) second.close();
            }
        }
    }

    @Test
    @Timeout(60)
    void aBridgeBesideAnInferenceServerSharesItsBatcherAndMetrics() throws Exception {
        Model m = new Sequential(new InputLayer(2), new Dense(1)).seed(9);
        Path modelFile = tmp.resolve("beside.myelin");
        m.save(modelFile);
        Path repo = java.nio.file.Files.createDirectories(tmp.resolve("models"));
        try (Mosquitto broker = Mosquitto.start();
             TestMqtt sink = TestMqtt.connect("sink", broker.port(), "predictions/#");
             dev.myelin.serve.InferenceServer server = dev.myelin.serve.InferenceServer.builder(repo).port(0).pollInterval(Duration.ZERO).start()) {
            BridgeConfig c = BridgeConfig.builder().broker(broker.url()).clientId("bridge-s")
                    .topics("sensors/+/readings").payload(PayloadFormat.json("t", "a", "b")).model(modelFile).build();
            try (MqttBridge bridge = MqttBridge.start(c, server);
                 TestMqtt dev = TestMqtt.connect("devices", broker.port())) {
                for (int i = 0; i < 3; i++) dev.publish("sensors/x/readings", json(1000 + i, reading(1, i)), 1).get(5, TimeUnit.SECONDS);
                assertTrue(TestMqtt.await(() -> sink.on("predictions/").size() >= 3, Duration.ofSeconds(15)), bridge.stats().toString());
                String text = java.net.http.HttpClient.newHttpClient().send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                // the bridge's meters and its batcher's, at the server's /metrics
                assertTrue(text.contains("myelin_iot_readings_received_total{bridge=\"bridge-s\"} 3.0"), text);
                assertTrue(text.contains("myelin_iot_predictions_published_total{bridge=\"bridge-s\"} 3.0"), text);
                assertTrue(text.contains("myelin_serve_inference_requests_total{model=\"mqtt-bridge-s\",version=\"1\"} 3.0"), text);
            }
        }
    }

    private static Set<String> distinct(List<TestMqtt.Received> preds) {
        Set<String> s = new HashSet<>();
        for (TestMqtt.Received r : preds) {
            Map<String, Object> p = parse(r);
            s.add(p.get("device") + "@" + asLong(p.get("time")));
        }
        return s;
    }

    @Test
    @Timeout(120)
    void tenThousandDevicesStayWithinTheMemoryBound() throws Exception {
        int devices = 10_000, maxDevices = 1_000;
        Model m = new Sequential(new InputLayer(2, 2), new Flatten(), new Dense(1)).seed(3);
        Path modelFile = tmp.resolve("tiny.myelin");
        m.save(modelFile);
        try (Mosquitto broker = Mosquitto.start();
             TestMqtt sink = TestMqtt.connect("sink", broker.port(), "predictions/#")) {
            BridgeConfig c = BridgeConfig.builder().broker(broker.url()).clientId("bridge-d")
                    .topics("fleet/+/r").payload(PayloadFormat.float32(2, true)).model(modelFile)
                    .devices(Duration.ofSeconds(2), maxDevices).batching(128, Duration.ofMillis(2), 2048).build();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (MqttBridge bridge = MqttBridge.start(c, registry);
                 TestMqtt dev = TestMqtt.connect("devices", broker.port())) {
                AtomicInteger maxSeen = new AtomicInteger();
                Thread watcher = Thread.ofPlatform().daemon(true).start(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        maxSeen.accumulateAndGet(bridge.deviceCount(), Math::max);
                        try {
                            Thread.sleep(2);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                List<CompletableFuture<?>> sent = new ArrayList<>();
                for (int k = 0; k < devices; k++) {
                    for (int i = 0; i < 2; i++) {
                        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                        b.putLong(1000 + i).putFloat(k).putFloat(i);
                        sent.add(dev.publish("fleet/dev" + k + "/r", b.array(), 1));
                    }
                }
                CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                assertTrue(TestMqtt.await(() -> sink.on("predictions/").size() >= devices, Duration.ofSeconds(60)),
                        "predictions: " + sink.on("predictions/").size() + " of " + devices + "; " + bridge.stats());
                watcher.interrupt();
                MqttBridge.Stats s = bridge.stats();
                assertEquals(devices, s.predictions());
                assertTrue(maxSeen.get() <= maxDevices, "held " + maxSeen.get() + " devices, limit " + maxDevices);
                assertTrue(s.evicted() >= devices - maxDevices, "evicted " + s.evicted());
                double bytes = registry.get("myelin.iot.devices.state.bytes").gauge().value();
                assertTrue(bytes <= (double) maxDevices * bridge.bytesPerDevice(), "state bytes " + bytes);
                // silent devices are forgotten after the idle time-out
                assertTrue(TestMqtt.await(() -> bridge.deviceCount() == 0, Duration.ofSeconds(10)), "devices still held: " + bridge.deviceCount());
                assertEquals(0.0, registry.get("myelin.iot.devices").gauge().value());
                System.out.printf("10k devices: held at most %d (limit %d, ~%d bytes each), evicted %d, %s%n",
                        maxSeen.get(), maxDevices, bridge.bytesPerDevice(), bridge.stats().evicted(), bridge.stats());
            }
        }
    }
}
