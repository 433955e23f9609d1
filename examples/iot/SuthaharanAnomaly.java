import com.fasterxml.jackson.jr.ob.JSON;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.myelin.core.Tensor;
import dev.myelin.data.io.Csv;
import dev.myelin.iot.BridgeConfig;
import dev.myelin.iot.MqttBridge;
import dev.myelin.nn.FitOptions;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Conv1D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.GlobalMaxPooling1D;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.Normalization;
import dev.myelin.nn.optimizers.Adam;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An anomaly detector for the Suthaharan single-hop sensor network (4 TelosB motes, humidity and
 * temperature every 5 s for six hours, 149 readings labelled as introduced events), trained on
 * windows of 8 readings, then run live: every reading is replayed through a real Mosquitto broker
 * at many times real time into an {@link MqttBridge}, and the precision, recall and F1 of the
 * live predictions are compared with those of {@code model.predict} on the same windows offline.
 *
 * <p>Motes 1, 2 and 3 train the detector (mote 1 holds 117 of the events); mote 4 (outdoor, 32
 * events) is held out. A window is labelled by its last reading. The run fails (exit 1) when live
 * and offline disagree.
 *
 * <pre>
 * examples/iot/run-suthaharan                 # 1000x real time
 * examples/iot/run-suthaharan --speedup 50
 * </pre>
 */
public class SuthaharanAnomaly {
    static final int WINDOW = 8, FEATURES = 2;
    static final long PERIOD_MS = 5_000;  // the motes' sampling interval
    static final String HELD_OUT = "4";

    record Mote(String id, long[] reading, float[] values, int[] label) {  // values: (n, 2) humidity, temperature
        int size() {
            return reading.length;
        }

        /** Window ending at reading index {@code end}: (WINDOW, FEATURES), oldest first. */
        float[] window(int end) {
            float[] w = new float[WINDOW * FEATURES];
            System.arraycopy(values, (end - WINDOW + 1) * FEATURES, w, 0, WINDOW * FEATURES);
            return w;
        }
    }

    public static void main(String[] args) throws Exception {
        Path data = null, work = Path.of("myelin-iot/target-example/suthaharan"), config = Path.of("examples/iot/suthaharan-bridge.json");
        String mosquitto = "/usr/sbin/mosquitto";
        double speedup = 1000;
        int epochs = 20;
        float weight = 10; // events are 1 in 118 training windows; weighting them 10x trades a little precision for recall
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                case "--config" -> config = Path.of(args[++i]);
                case "--mosquitto" -> mosquitto = args[++i];
                case "--speedup" -> speedup = Double.parseDouble(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--event-weight" -> weight = Float.parseFloat(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; expected --data DIR --work DIR --config FILE --mosquitto BIN --speedup X --epochs N --event-weight W");
            }
        }
        if (data == null) throw new IllegalArgumentException("give --data, the folder scripts/iot-data suthaharan prints");
        if (speedup < 10) throw new IllegalArgumentException("replay at least 10x real time, got " + speedup);
        Files.createDirectories(work);

        Map<String, Mote> motes = load(data.resolve("data.csv"));
        int events = 0, total = 0;
        for (Mote m : motes.values()) {
            total += m.size();
            for (int l : m.label()) events += l;
        }
        System.out.printf("Suthaharan single-hop sensor network: %,d readings from %d motes, %d labelled events%n", total, motes.size(), events);

        // ---- train on motes 1-3
        List<float[]> trainX = new ArrayList<>();
        List<Integer> trainY = new ArrayList<>();
        for (Mote m : motes.values()) {
            if (m.id().equals(HELD_OUT)) continue;
            for (int e = WINDOW - 1; e < m.size(); e++) {
                trainX.add(m.window(e));
                trainY.add(m.label()[e]);
            }
        }
        Tensor x = stack(trainX);
        float[] y = new float[trainY.size()];
        int positives = 0;
        for (int i = 0; i < y.length; i++) {
            y[i] = trainY.get(i);
            positives += trainY.get(i);
        }
        Normalization norm = new Normalization();
        norm.adapt(x);
        Model model = new Sequential(new InputLayer(WINDOW, FEATURES), norm,
                new Conv1D(16, 3, "relu"), new Conv1D(16, 3, "relu"), new GlobalMaxPooling1D(),
                new Dense(16, "relu"), new Dense(1, "sigmoid")).seed(2010);
        model.compile(new Adam(1e-3f), "binary_crossentropy", "accuracy");
        long t0 = System.nanoTime();
        model.fit(x, Tensor.wrap(y, y.length, 1), new FitOptions().epochs(epochs).batchSize(64).classWeights(Map.of(0, 1f, 1, weight)).verbose(0));
        System.out.printf("trained on %,d windows of motes 1-3 (%d events, weighted %.0fx), %d epochs, in %.1f s%n",
                y.length, positives, weight, epochs, (System.nanoTime() - t0) / 1e9);
        Path modelFile = work.resolve("suthaharan-detector.myelin");
        model.save(modelFile);

        // ---- offline: model.predict on every window of every mote
        Model loaded = Model.load(modelFile);
        Map<String, float[]> offline = new TreeMap<>(); // "mote@reading" -> score
        for (Mote m : motes.values()) {
            List<float[]> ws = new ArrayList<>();
            for (int e = WINDOW - 1; e < m.size(); e++) ws.add(m.window(e));
            float[] s = loaded.predict(stack(ws), 256).toFloatArray();
            for (int i = 0; i < s.length; i++) offline.put(m.id() + "@" + m.reading()[WINDOW - 1 + i], new float[]{s[i]});
        }

        // ---- live: a broker, the bridge, a collector, and the motes replayed
        Process broker = null;
        boolean agree;
        int port = freePort();
        Path brokerDir = Files.createTempDirectory("suthaharan-mosquitto-");
        try {
            broker = startMosquitto(mosquitto, brokerDir, port);
            BridgeConfig c = BridgeConfig.load(config).toBuilder().broker("tcp://127.0.0.1:" + port).model(modelFile).build();
            ConcurrentLinkedQueue<String[]> received = new ConcurrentLinkedQueue<>(); // topic, payload
            Mqtt5AsyncClient sink = client("suthaharan-sink", port);
            sink.publishes(MqttGlobalPublishFilter.ALL, p -> received.add(new String[]{p.getTopic().toString(), new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)}));
            sink.connectWith().cleanStart(false).sessionExpiryInterval(600).send().get(10, TimeUnit.SECONDS);
            sink.subscribeWith().topicFilter("predictions/#").qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
            sink.subscribeWith().topicFilter("alerts/#").qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
            sink.subscribeWith().topicFilter("myelin/bridge/+/errors").qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
            int windows = offline.size();
            double seconds;
            try (MqttBridge bridge = MqttBridge.start(c)) {
                Mqtt5AsyncClient motesClient = client("suthaharan-motes", port);
                motesClient.connectWith().cleanStart(false).sessionExpiryInterval(600).send().get(10, TimeUnit.SECONDS);
                seconds = replay(motes, motesClient, speedup);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (count(received, "predictions/") < windows && System.nanoTime() < deadline) Thread.sleep(20);
                Thread.sleep(200); // the last alerts
                motesClient.disconnect().get(5, TimeUnit.SECONDS);
                System.out.printf("replayed %,d readings (%.1f h of sensor time) in %.1f s: %.0fx real time; bridge %s%n",
                        total, maxReadings(motes) * PERIOD_MS / 3.6e6, seconds, maxReadings(motes) * PERIOD_MS / 1000.0 / seconds, bridge.stats());
            }
            sink.disconnect().get(5, TimeUnit.SECONDS);

            Map<String, float[]> live = new TreeMap<>();
            List<String[]> alerts = new ArrayList<>(), errors = new ArrayList<>();
            for (String[] r : received) {
                if (r[0].startsWith("alerts/")) alerts.add(r);
                if (r[0].contains("/errors")) errors.add(r);
                if (!r[0].startsWith("predictions/")) continue;
                Map<String, Object> p = JSON.std.with(JSON.Feature.USE_BIG_DECIMAL_FOR_FLOATS).mapFrom(r[1]);
                long t = ((Number) p.get("time")).longValue();
                float score = Float.parseFloat(((List<?>) p.get("output")).getFirst().toString());
                live.put(p.get("device") + "@" + (t / PERIOD_MS), new float[]{score});
            }
            agree = report(motes, offline, live, alerts, errors, windows);
        } finally {
            if (broker != null) {
                broker.destroy();
                broker.waitFor(10, TimeUnit.SECONDS);
            }
            try (var s = Files.walk(brokerDir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(agree ? 0 : 1); // the MQTT clients' threads would keep the JVM up
    }

    /** Prints the confusion counts and P/R/F1, live and offline; true when they agree. */
    static boolean report(Map<String, Mote> motes, Map<String, float[]> offline, Map<String, float[]> live,
                          List<String[]> alerts, List<String[]> errors, int windows) {
        System.out.printf("predictions: %,d of %,d windows arrived; %d error messages%n", live.size(), windows, errors.size());
        int labelDisagree = 0;
        double maxDiff = 0;
        for (var e : offline.entrySet()) {
            float[] l = live.get(e.getKey());
            if (l == null) continue;
            maxDiff = Math.max(maxDiff, Math.abs(l[0] - e.getValue()[0]));
            if ((l[0] > 0.5f) != (e.getValue()[0] > 0.5f)) labelDisagree++;
        }
        System.out.printf("live vs offline: largest score difference %.2g, %d windows on different sides of 0.5%n", maxDiff, labelDisagree);
        System.out.println();
        System.out.println("                          |  TP   FP   FN      TN | precision  recall     F1");
        boolean agree = live.size() == windows;
        for (String part : new String[]{"held-out mote 4", "motes 1-3 (train)", "all motes"}) {
            int[] off = confusion(motes, offline, part), on = confusion(motes, live, part);
            System.out.println(row(part + ", offline", off));
            System.out.println(row(part + ", live", on));
            agree &= java.util.Arrays.equals(off, on);
        }
        System.out.println();
        System.out.printf("alerts (score > 0.5 for 3 windows in a row): %d%n", alerts.size());
        for (String[] a : alerts) {
            try {
                Map<String, Object> m = JSON.std.mapFrom(a[1]);
                String mote = (String) m.get("device");
                long reading = ((Number) m.get("time")).longValue() / PERIOD_MS;
                Mote mo = motes.get(mote);
                int idx = java.util.Arrays.binarySearch(mo.reading(), reading);
                System.out.printf("  mote %s at reading %d (%s): score %.3f, labelled %s%n", mote, reading,
                        hms(reading), ((Number) m.get("score")).doubleValue(), idx >= 0 && mo.label()[idx] == 1 ? "event" : "normal");
            } catch (IOException e) {
                System.out.println("  unreadable alert: " + a[1]);
            }
        }
        System.out.println(agree ? "live and offline agree" : "LIVE AND OFFLINE DISAGREE");
        return agree;
    }

    static String row(String name, int[] c) {
        int tp = c[0], fp = c[1], fn = c[2], tn = c[3];
        double p = tp + fp == 0 ? 0 : (double) tp / (tp + fp), r = tp + fn == 0 ? 0 : (double) tp / (tp + fn), f1 = p + r == 0 ? 0 : 2 * p * r / (p + r);
        return String.format("%-25s | %4d %4d %4d %7d |    %.3f   %.3f  %.3f", name, tp, fp, fn, tn, p, r, f1);
    }

    /** TP, FP, FN, TN at score > 0.5 over the windows of a part. */
    static int[] confusion(Map<String, Mote> motes, Map<String, float[]> scores, String part) {
        int[] c = new int[4];
        for (Mote m : motes.values()) {
            boolean held = m.id().equals(HELD_OUT);
            if (part.startsWith("held-out") && !held || part.startsWith("motes 1-3") && held) continue;
            for (int e = WINDOW - 1; e < m.size(); e++) {
                float[] s = scores.get(m.id() + "@" + m.reading()[e]);
                if (s == null) continue;
                boolean predicted = s[0] > 0.5f, actual = m.label()[e] == 1;
                c[predicted ? (actual ? 0 : 1) : (actual ? 2 : 3)]++;
            }
        }
        return c;
    }

    /** Publishes reading k of every mote at k * 5 s / speedup after the start (QoS 1, in order per mote); returns the seconds it took. */
    static double replay(Map<String, Mote> motes, Mqtt5AsyncClient client, double speedup) throws Exception {
        long maxReading = maxReadings(motes);
        Map<String, Map<Long, Integer>> index = new TreeMap<>();
        for (Mote m : motes.values()) {
            Map<Long, Integer> ix = new java.util.HashMap<>();
            for (int i = 0; i < m.size(); i++) ix.put(m.reading()[i], i);
            index.put(m.id(), ix);
        }
        long stepNanos = (long) (PERIOD_MS * 1e6 / speedup);
        long start = System.nanoTime();
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (long k = 1; k <= maxReading; k++) {
            LockSupport.parkNanos(start + (k - 1) * stepNanos - System.nanoTime());
            for (Mote m : motes.values()) {
                Integer i = index.get(m.id()).get(k);
                if (i == null) continue;
                String json = "{\"t\":" + k * PERIOD_MS + ",\"humidity\":" + m.values()[2 * i] + ",\"temperature\":" + m.values()[2 * i + 1] + "}";
                sent.add(client.publishWith().topic("motes/" + m.id() + "/readings").qos(MqttQos.AT_LEAST_ONCE)
                        .payload(json.getBytes(StandardCharsets.UTF_8)).send());
            }
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        return (System.nanoTime() - start) / 1e9;
    }

    static long maxReadings(Map<String, Mote> motes) {
        long max = 0;
        for (Mote m : motes.values()) max = Math.max(max, m.reading()[m.size() - 1]);
        return max;
    }

    static String hms(long reading) {
        long s = (reading - 1) * PERIOD_MS / 1000;
        return String.format("%d:%02d:%02d into the run", s / 3600, s / 60 % 60, s % 60);
    }

    static Map<String, Mote> load(Path csv) throws IOException {
        Csv.Table t = Csv.read(csv);
        float[] reading = t.numeric("reading").toFloatArray(), mote = t.numeric("mote_id").toFloatArray(),
                hum = t.numeric("humidity").toFloatArray(), temp = t.numeric("temperature").toFloatArray(), label = t.numeric("label").toFloatArray();
        Map<String, List<Integer>> rows = new TreeMap<>();
        for (int r = 0; r < reading.length; r++) rows.computeIfAbsent(Integer.toString((int) mote[r]), k -> new ArrayList<>()).add(r);
        Map<String, Mote> out = new TreeMap<>();
        for (var e : rows.entrySet()) {
            List<Integer> rs = e.getValue();
            rs.sort((a, b) -> Float.compare(reading[a], reading[b]));
            long[] rd = new long[rs.size()];
            float[] v = new float[rs.size() * FEATURES];
            int[] l = new int[rs.size()];
            for (int i = 0; i < rs.size(); i++) {
                int r = rs.get(i);
                rd[i] = (long) reading[r];
                v[2 * i] = hum[r];
                v[2 * i + 1] = temp[r];
                l[i] = (int) label[r];
            }
            out.put(e.getKey(), new Mote(e.getKey(), rd, v, l));
        }
        return out;
    }

    static Tensor stack(List<float[]> windows) {
        float[] x = new float[windows.size() * WINDOW * FEATURES];
        for (int i = 0; i < windows.size(); i++) System.arraycopy(windows.get(i), 0, x, i * WINDOW * FEATURES, WINDOW * FEATURES);
        return Tensor.wrap(x, windows.size(), WINDOW, FEATURES);
    }

    static int count(ConcurrentLinkedQueue<String[]> q, String prefix) {
        int n = 0;
        for (String[] r : q) if (r[0].startsWith(prefix)) n++;
        return n;
    }

    static Mqtt5AsyncClient client(String id, int port) {
        return MqttClient.builder().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(2, TimeUnit.SECONDS).applyAutomaticReconnect()
                .useMqttVersion5().buildAsync();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** Mosquitto on a loopback port; max_inflight_messages raised so the bridge can batch windows of several motes. */
    static Process startMosquitto(String bin, Path dir, int port) throws IOException, InterruptedException {
        String user = System.getProperty("user.name");
        Files.writeString(dir.resolve("mosquitto.conf"), String.join("\n",
                "listener " + port + " 127.0.0.1", "allow_anonymous true", "persistence true", "persistence_location " + dir + "/",
                "user " + user, "max_inflight_messages 1000", "max_queued_messages 100000", "log_dest file " + dir.resolve("mosquitto.log"), ""));
        Process p = new ProcessBuilder(bin, "-c", dir.resolve("mosquitto.conf").toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        for (int i = 0; i < 200; i++) {
            if (!p.isAlive()) throw new IOException("mosquitto exited: " + Files.readString(dir.resolve("stdout.log")));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return p;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IOException("mosquitto did not start on port " + port);
    }
}
