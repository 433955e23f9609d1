package dev.myelin.iot;

import com.fasterxml.jackson.jr.ob.JSON;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What an {@link MqttBridge} connects to, reads, runs and publishes. Build one in code, or load
 * it from a JSON file ({@link #load}; the keys are listed there).
 *
 * <pre>{@code
 * BridgeConfig c = BridgeConfig.builder()
 *     .broker("tcp://127.0.0.1:1883").clientId("bridge-1")
 *     .topics("sensors/+/readings").payload(PayloadFormat.json("t", "temperature", "humidity"))
 *     .model(Path.of("detector.myelin")).window(16, 1)
 *     .alert(AlertRule.above("anomaly", 0.5f).consecutive(3))
 *     .build();
 * }</pre>
 *
 * Topic templates may use {@code {device}} (the reading's device id) and {@code {id}} (the
 * bridge's client id); the alert topic also {@code {rule}}.
 */
public record BridgeConfig(
        String brokerUrl, int mqttVersion, String clientId, String username, String password, Tls tls,
        boolean cleanStart, Duration sessionExpiry, Duration reconnectInitialDelay, Duration reconnectMaxDelay,
        Duration keepAlive, int receiveMaximum,
        List<String> topics, int qos, DeviceId deviceId, PayloadFormat payload,
        Path model, int windowSize, int windowStride,
        String outputTopic, int outputQos, boolean outputRetain,
        String alertTopic, List<AlertRule> alertRules, String errorTopic, String statusTopic,
        int maxBatch, Duration maxDelay, int queueCapacity,
        Duration idleTimeout, int maxDevices, Path stateFile) {

    /**
     * TLS trust (and optionally a client certificate): key stores by path, password and type
     * ("PKCS12", "JKS"). With an {@code ssl://} broker and no Tls, the JVM's default trust is used.
     */
    public record Tls(Path truststore, String truststorePassword, String truststoreType,
                      Path keystore, String keystorePassword, String keystoreType) {
        public static Tls truststore(Path path, String password) {
            return new Tls(path, password, "PKCS12", null, null, null);
        }
    }

    public BridgeConfig {
        URI uri = brokerUri(brokerUrl);
        if (mqttVersion != 3 && mqttVersion != 5) throw new IllegalArgumentException("mqtt version must be 3 (3.1.1) or 5, got " + mqttVersion);
        if (clientId == null || clientId.isBlank()) throw new IllegalArgumentException("give a client id: the broker keeps the bridge's session under it");
        if (clientId.contains("/") || clientId.contains("+") || clientId.contains("#")) {
            throw new IllegalArgumentException("the client id '" + clientId + "' is used in topics; it cannot contain '/', '+' or '#'");
        }
        if (password != null && username == null) throw new IllegalArgumentException("a password needs a username");
        if (tls != null && !isTls(uri)) throw new IllegalArgumentException("TLS options are given but the broker URL " + brokerUrl + " is not ssl:// or mqtts://");
        requirePositive(sessionExpiry, "session expiry", true);
        requirePositive(reconnectInitialDelay, "reconnect initial delay", false);
        requirePositive(reconnectMaxDelay, "reconnect max delay", false);
        if (reconnectMaxDelay.compareTo(reconnectInitialDelay) < 0) {
            throw new IllegalArgumentException("the reconnect max delay " + reconnectMaxDelay + " is below the initial delay " + reconnectInitialDelay);
        }
        requirePositive(keepAlive, "keep alive", true);
        if (receiveMaximum < 1 || receiveMaximum > 65535) throw new IllegalArgumentException("receive maximum must be in 1..65535, got " + receiveMaximum);
        topics = List.copyOf(topics);
        if (topics.isEmpty()) throw new IllegalArgumentException("give at least one input topic filter, e.g. sensors/+/readings");
        for (String t : topics) checkFilter(t);
        checkQos(qos, "input");
        if (deviceId == null) throw new IllegalArgumentException("say where the device id is in the topic (a level or a regex)");
        if (payload == null) throw new IllegalArgumentException("give the payload format (json, csv or float32)");
        if (windowSize < 0) throw new IllegalArgumentException("window size must be >= 1 (or 0: the model's input length), got " + windowSize);
        if (windowStride < 1) throw new IllegalArgumentException("window stride must be >= 1, got " + windowStride);
        checkTemplate(outputTopic, "output topic", false);
        checkQos(outputQos, "output");
        alertRules = List.copyOf(alertRules);
        Set<String> names = new LinkedHashSet<>();
        for (AlertRule r : alertRules) if (!names.add(r.name())) throw new IllegalArgumentException("two alert rules are named '" + r.name() + "'");
        if (!alertRules.isEmpty()) checkTemplate(alertTopic, "alert topic", true);
        checkTemplate(errorTopic, "error topic", false);
        checkTemplate(statusTopic, "status topic", false);
        if (statusTopic.contains("{device}")) throw new IllegalArgumentException("the status topic cannot use {device}");
        if (maxBatch < 1) throw new IllegalArgumentException("max batch must be at least 1, got " + maxBatch);
        requirePositive(maxDelay, "max batching delay", true);
        if (queueCapacity < 1) throw new IllegalArgumentException("queue capacity must be at least 1, got " + queueCapacity);
        requirePositive(idleTimeout, "device idle timeout", false);
        if (maxDevices < 1) throw new IllegalArgumentException("max devices must be at least 1, got " + maxDevices);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values, to change a few. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.brokerUrl = brokerUrl;
        b.mqttVersion = mqttVersion;
        b.clientId = clientId;
        b.username = username;
        b.password = password;
        b.tls = tls;
        b.cleanStart = cleanStart;
        b.sessionExpiry = sessionExpiry;
        b.reconnectInitialDelay = reconnectInitialDelay;
        b.reconnectMaxDelay = reconnectMaxDelay;
        b.keepAlive = keepAlive;
        b.receiveMaximum = receiveMaximum;
        b.topics = new ArrayList<>(topics);
        b.qos = qos;
        b.deviceId = deviceId;
        b.payload = payload;
        b.model = model;
        b.windowSize = windowSize;
        b.windowStride = windowStride;
        b.outputTopic = outputTopic;
        b.outputQos = outputQos;
        b.outputRetain = outputRetain;
        b.alertTopic = alertTopic;
        b.alertRules = new ArrayList<>(alertRules);
        b.errorTopic = errorTopic;
        b.statusTopic = statusTopic;
        b.maxBatch = maxBatch;
        b.maxDelay = maxDelay;
        b.queueCapacity = queueCapacity;
        b.idleTimeout = idleTimeout;
        b.maxDevices = maxDevices;
        b.stateFile = stateFile;
        return b;
    }

    /** The broker's host. */
    public String host() {
        return brokerUri(brokerUrl).getHost();
    }

    /** The broker's port: the URL's, else 1883 (8883 with TLS). */
    public int port() {
        URI u = brokerUri(brokerUrl);
        return u.getPort() > 0 ? u.getPort() : isTls(u) ? 8883 : 1883;
    }

    public boolean usesTls() {
        return isTls(brokerUri(brokerUrl));
    }

    /** A topic template filled in: {@code {id}}, {@code {device}}, {@code {rule}}. */
    public String topic(String template, String device, String rule) {
        String t = template.replace("{id}", clientId);
        if (device != null) t = t.replace("{device}", device);
        if (rule != null) t = t.replace("{rule}", rule);
        return t;
    }

    // ------------------------------------------------------------------ builder

    /** Settings with defaults: MQTT 5, QoS 1, a persistent session of one hour, windows of the model's length and stride 1. */
    public static final class Builder {
        private String brokerUrl = "tcp://127.0.0.1:1883";
        private int mqttVersion = 5;
        private String clientId;
        private String username, password;
        private Tls tls;
        private boolean cleanStart = false;
        private Duration sessionExpiry = Duration.ofHours(1);
        private Duration reconnectInitialDelay = Duration.ofMillis(250);
        private Duration reconnectMaxDelay = Duration.ofSeconds(30);
        private Duration keepAlive = Duration.ofSeconds(30);
        private int receiveMaximum = -1;
        private List<String> topics = new ArrayList<>();
        private int qos = 1;
        private DeviceId deviceId;
        private PayloadFormat payload;
        private Path model;
        private int windowSize = 0, windowStride = 1;
        private String outputTopic = "predictions/{device}";
        private int outputQos = -1;
        private boolean outputRetain = false;
        private String alertTopic = "alerts/{device}";
        private List<AlertRule> alertRules = new ArrayList<>();
        private String errorTopic = "myelin/bridge/{id}/errors";
        private String statusTopic = "myelin/bridge/{id}/status";
        private int maxBatch = 64;
        private Duration maxDelay = Duration.ZERO;
        private int queueCapacity = 1024;
        private Duration idleTimeout = Duration.ofMinutes(10);
        private int maxDevices = 100_000;
        private Path stateFile;

        /** {@code tcp://host:port} or {@code mqtt://} for plain TCP; {@code ssl://} or {@code mqtts://} for TLS. */
        public Builder broker(String url) { brokerUrl = url; return this; }

        /** 3 (MQTT 3.1.1) or 5 (default). */
        public Builder mqttVersion(int v) { mqttVersion = v; return this; }

        public Builder clientId(String id) { clientId = id; return this; }

        public Builder credentials(String user, String pass) { username = user; password = pass; return this; }

        public Builder tls(Tls t) { tls = t; return this; }

        /** Whether to drop the broker's stored session on connect (default false: resume it). */
        public Builder cleanStart(boolean v) { cleanStart = v; return this; }

        /** How long the broker keeps the session (subscriptions, unacknowledged QoS 1/2 readings) while the bridge is away; MQTT 5 only. */
        public Builder sessionExpiry(Duration d) { sessionExpiry = d; return this; }

        /** Automatic reconnect: the first delay, doubled on each failure (with jitter) up to {@code max}. */
        public Builder reconnect(Duration initial, Duration max) { reconnectInitialDelay = initial; reconnectMaxDelay = max; return this; }

        public Builder keepAlive(Duration d) { keepAlive = d; return this; }

        /**
         * The most unacknowledged QoS 1/2 readings the broker may send at once (MQTT 5); default 65535, the protocol's
         * most. The client drops the connection when a broker sends more, and some do: Mosquitto 2.0 ignores it and
         * uses its own {@code max_inflight_messages} (default 20; raise it so windows of many devices share a model call).
         */
        public Builder receiveMaximum(int n) { receiveMaximum = n; return this; }

        /** Input topic filters ({@code +} and {@code #} allowed); the device id defaults to the first filter's first {@code +}. */
        public Builder topics(String... filters) { topics = new ArrayList<>(List.of(filters)); return this; }

        /** The subscription QoS (default 1: at least once). */
        public Builder qos(int q) { qos = q; return this; }

        public Builder deviceId(DeviceId d) { deviceId = d; return this; }

        public Builder payload(PayloadFormat f) { payload = f; return this; }

        public Builder model(Path p) { model = p; return this; }

        /** Sliding windows of {@code size} readings (0: the model's input length), one every {@code stride} readings. */
        public Builder window(int size, int stride) { windowSize = size; windowStride = stride; return this; }

        public Builder output(String topicTemplate, int q, boolean retain) { outputTopic = topicTemplate; outputQos = q; outputRetain = retain; return this; }

        public Builder outputTopic(String topicTemplate) { outputTopic = topicTemplate; return this; }

        public Builder alertTopic(String topicTemplate) { alertTopic = topicTemplate; return this; }

        public Builder alert(AlertRule rule) { alertRules.add(rule); return this; }

        public Builder errorTopic(String topicTemplate) { errorTopic = topicTemplate; return this; }

        public Builder statusTopic(String topicTemplate) { statusTopic = topicTemplate; return this; }

        /**
         * Up to {@code maxBatch} windows per model call; at most {@code capacity} windows waiting. With {@code maxDelay}
         * 0 (the default) a batch leaves as soon as the model is free, holding every window queued meanwhile (batch 1
         * at low load, bigger under load); otherwise the first window waits up to {@code maxDelay} for company.
         */
        public Builder batching(int maxBatch, Duration maxDelay, int capacity) {
            this.maxBatch = maxBatch;
            this.maxDelay = maxDelay;
            this.queueCapacity = capacity;
            return this;
        }

        /** Devices silent for {@code idle} are forgotten; at most {@code max} are kept (the least recently heard from goes first). */
        public Builder devices(Duration idle, int max) { idleTimeout = idle; maxDevices = max; return this; }

        /**
         * Where a cleanly closed bridge leaves its device windows, for the next bridge to start from (null: none,
         * the default: a restarted bridge fills every window anew). Read once at start and deleted, so a bridge
         * that later crashes does not leave old windows for the next one.
         */
        public Builder stateFile(Path p) { stateFile = p; return this; }

        public BridgeConfig build() {
            DeviceId d = deviceId;
            for (String t : topics) checkFilter(t);
            if (d == null && !topics.isEmpty()) {
                int level = DeviceId.firstWildcardLevel(topics.getFirst());
                if (level < 0) {
                    throw new IllegalArgumentException("the topic filter " + topics.getFirst() + " has no '+' level for the device id; "
                            + "say where it is with deviceId(DeviceId.level(n)) or DeviceId.regex(...)");
                }
                d = DeviceId.level(level);
            }
            return new BridgeConfig(brokerUrl, mqttVersion, clientId, username, password, tls,
                    cleanStart, sessionExpiry, reconnectInitialDelay, reconnectMaxDelay, keepAlive,
                    receiveMaximum > 0 ? receiveMaximum : 65535,
                    topics, qos, d, payload, model, windowSize, windowStride,
                    outputTopic, outputQos >= 0 ? outputQos : qos, outputRetain,
                    alertTopic, alertRules, errorTopic, statusTopic, maxBatch, maxDelay, queueCapacity, idleTimeout, maxDevices, stateFile);
        }
    }

    // ------------------------------------------------------------------ JSON file

    /**
     * Reads a JSON config ({@code .yaml} or {@code .yml} files: the same keys in YAML). Paths (the
     * model, key stores) are relative to the file's folder. A key that is not known is an error, so
     * a typo does not silently fall back to a default.
     * <pre>
     * {
     *   "broker": {"url": "tcp://127.0.0.1:1883", "mqtt_version": 5, "client_id": "bridge-1",
     *              "username": "u", "password": "p" (or "password_env": "MQTT_PASSWORD"),
     *              "tls": {"truststore": "ca.p12", "truststore_password": "...", "truststore_type": "PKCS12",
     *                      "keystore": "client.p12", "keystore_password": "...", "keystore_type": "PKCS12"},
     *              "clean_start": false, "session_expiry_s": 3600, "keep_alive_s": 30,
     *              "reconnect_initial_ms": 250, "reconnect_max_ms": 30000, "receive_maximum": 65535},
     *   "input":  {"topics": ["sensors/+/readings"], "qos": 1,
     *              "device_level": 1 (or "device_regex": "^sensors/([^/]+)/readings$"),
     *              "format": "json", "fields": ["temperature", "humidity"], "time_field": "t"
     *              (csv: "delimiter": ",", "columns": [1, 2], "time_column": 0;
     *               float32: "features": 2, "time_prefix": true)},
     *   "model":  "detector.myelin",
     *   "window": {"size": 16, "stride": 1},
     *   "output": {"topic": "predictions/{device}", "qos": 1, "retain": false},
     *   "alerts": {"topic": "alerts/{device}", "rules": [{"name": "anomaly", "output": 0, "above": 0.5, "consecutive": 3}]},
     *   "errors": {"topic": "myelin/bridge/{id}/errors"},
     *   "status": {"topic": "myelin/bridge/{id}/status"},
     *   "batching": {"max_batch": 64, "max_delay_ms": 0, "queue_capacity": 1024},
     *   "devices": {"idle_timeout_s": 600, "max": 100000, "state_file": "bridge-windows.state"}
     * }
     * </pre>
     */
    public static BridgeConfig load(Path file) throws IOException {
        Map<String, Object> root;
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            // The same keys in YAML; SnakeYAML's safe loader builds only maps, lists, strings, numbers and booleans.
            Object doc;
            try {
                doc = new org.yaml.snakeyaml.Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(new org.yaml.snakeyaml.LoaderOptions())).load(text);
            } catch (org.yaml.snakeyaml.error.YAMLException e) {
                throw new IOException(file + ": not valid YAML: " + e.getMessage().strip().replaceAll("\\s*\\n\\s*", " "), e);
            }
            if (!(doc instanceof Map<?, ?> m)) throw new IOException(file + ": expected a YAML mapping with the bridge's keys (broker, input, model, ...)");
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) m;
            root = map;
        } else {
            try {
                root = JSON.std.mapFrom(text);
            } catch (IOException e) {
                throw new IOException(file + ": not a valid JSON object: " + e.getMessage(), e);
            }
            if (root == null) throw new IOException(file + ": expected a JSON object with the bridge's keys (broker, input, model, ...)");
        }
        Path dir = file.toAbsolutePath().getParent();
        try {
            return fromMap(root, dir);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** A config from parsed JSON; relative paths resolve against {@code dir}. */
    static BridgeConfig fromMap(Map<String, Object> root, Path dir) {
        Section r = new Section(root, "");
        Builder b = builder();
        Section broker = r.section("broker", true);
        b.broker(broker.string("url", b.brokerUrl));
        b.mqttVersion(broker.integer("mqtt_version", 5));
        b.clientId(broker.string("client_id", null));
        String user = broker.string("username", null);
        String pass = broker.string("password", null);
        String passEnv = broker.string("password_env", null);
        if (pass != null && passEnv != null) throw new IllegalArgumentException("broker: give password or password_env, not both");
        if (passEnv != null) {
            pass = System.getenv(passEnv);
            if (pass == null) throw new IllegalArgumentException("broker.password_env: the environment variable " + passEnv + " is not set");
        }
        b.credentials(user, pass);
        Section tls = broker.section("tls", false);
        if (tls != null) {
            b.tls(new Tls(tls.path("truststore", dir), tls.string("truststore_password", null), tls.string("truststore_type", "PKCS12"),
                    tls.path("keystore", dir), tls.string("keystore_password", null), tls.string("keystore_type", "PKCS12")));
            tls.done();
        }
        b.cleanStart(broker.bool("clean_start", false));
        b.sessionExpiry(Duration.ofSeconds(broker.integer("session_expiry_s", 3600)));
        b.keepAlive(Duration.ofSeconds(broker.integer("keep_alive_s", 30)));
        b.reconnect(Duration.ofMillis(broker.integer("reconnect_initial_ms", 250)), Duration.ofMillis(broker.integer("reconnect_max_ms", 30_000)));
        b.receiveMaximum(broker.integer("receive_maximum", -1));
        broker.done();

        Section in = r.section("input", true);
        b.topics(in.strings("topics").toArray(String[]::new));
        b.qos(in.integer("qos", 1));
        Integer level = in.has("device_level") ? in.integer("device_level", 0) : null;
        String regex = in.string("device_regex", null);
        if (level != null && regex != null) throw new IllegalArgumentException("input: give device_level or device_regex, not both");
        if (level != null) b.deviceId(DeviceId.level(level));
        if (regex != null) {
            try {
                b.deviceId(DeviceId.regex(regex));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("input.device_regex: " + e.getDescription() + " in " + regex);
            }
        }
        String format = in.string("format", "json");
        switch (format) {
            case "json" -> b.payload(new PayloadFormat.Json(in.strings("fields"), in.string("time_field", null)));
            case "csv" -> {
                String delim = in.string("delimiter", ",");
                if (delim.length() != 1) throw new IllegalArgumentException("input.delimiter must be one character, got \"" + delim + "\"");
                List<Integer> cols = in.has("columns") ? in.integers("columns") : List.of();
                b.payload(new PayloadFormat.Csv(delim.charAt(0), cols.stream().mapToInt(Integer::intValue).toArray(), in.integer("time_column", -1)));
            }
            case "float32", "float32le" -> b.payload(new PayloadFormat.Float32(in.integer("features", 0), in.bool("time_prefix", false)));
            default -> throw new IllegalArgumentException("input.format must be json, csv or float32, got \"" + format + "\"");
        }
        in.done();

        b.model(r.path("model", dir));
        Section w = r.section("window", false);
        if (w != null) {
            b.window(w.integer("size", 0), w.integer("stride", 1));
            w.done();
        }
        Section out = r.section("output", false);
        if (out != null) {
            b.output(out.string("topic", b.outputTopic), out.integer("qos", -1), out.bool("retain", false));
            out.done();
        }
        Section alerts = r.section("alerts", false);
        if (alerts != null) {
            b.alertTopic(alerts.string("topic", b.alertTopic));
            for (Section rule : alerts.sections("rules")) {
                String name = rule.string("name", null);
                boolean above = rule.has("above"), below = rule.has("below");
                if (above == below) throw new IllegalArgumentException("alerts.rules '" + name + "': give one of above or below");
                float threshold = (float) rule.number(above ? "above" : "below");
                b.alert(new AlertRule(name, rule.integer("output", 0), above ? AlertRule.Op.ABOVE : AlertRule.Op.BELOW, threshold, rule.integer("consecutive", 1)));
                rule.done();
            }
            alerts.done();
        }
        Section errors = r.section("errors", false);
        if (errors != null) {
            b.errorTopic(errors.string("topic", b.errorTopic));
            errors.done();
        }
        Section status = r.section("status", false);
        if (status != null) {
            b.statusTopic(status.string("topic", b.statusTopic));
            status.done();
        }
        Section batching = r.section("batching", false);
        if (batching != null) {
            b.batching(batching.integer("max_batch", 64), Duration.ofMillis(batching.integer("max_delay_ms", 0)), batching.integer("queue_capacity", 1024));
            batching.done();
        }
        Section devices = r.section("devices", false);
        if (devices != null) {
            b.devices(Duration.ofSeconds(devices.integer("idle_timeout_s", 600)), devices.integer("max", 100_000));
            b.stateFile(devices.path("state_file", dir));
            devices.done();
        }
        r.done();
        return b.build();
    }

    /** One JSON object of the config, with its path for messages; {@link #done} refuses keys nobody read. */
    private static final class Section {
        private final Map<String, Object> map;
        private final String path;
        private final Set<String> used = new LinkedHashSet<>();

        Section(Map<String, Object> map, String path) {
            this.map = map;
            this.path = path;
        }

        private String where(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        boolean has(String key) {
            return map.containsKey(key);
        }

        private Object get(String key) {
            used.add(key);
            return map.get(key);
        }

        String string(String key, String dflt) {
            Object v = get(key);
            if (v == null) return dflt;
            if (!(v instanceof String s)) throw new IllegalArgumentException(where(key) + " must be a string, got " + v);
            return s;
        }

        Path path(String key, Path dir) {
            String s = string(key, null);
            return s == null ? null : dir == null ? Path.of(s) : dir.resolve(s);
        }

        int integer(String key, int dflt) {
            Object v = get(key);
            if (v == null) return dflt;
            if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) return n.intValue();
            throw new IllegalArgumentException(where(key) + " must be a whole number, got " + v);
        }

        double number(String key) {
            Object v = get(key);
            if (v instanceof Number n) return n.doubleValue();
            throw new IllegalArgumentException(where(key) + " must be a number, got " + v);
        }

        boolean bool(String key, boolean dflt) {
            Object v = get(key);
            if (v == null) return dflt;
            if (v instanceof Boolean bo) return bo;
            throw new IllegalArgumentException(where(key) + " must be true or false, got " + v);
        }

        List<String> strings(String key) {
            Object v = get(key);
            if (!(v instanceof List<?> list)) throw new IllegalArgumentException(where(key) + " must be a list of strings, got " + v);
            List<String> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof String s)) throw new IllegalArgumentException(where(key) + " must be a list of strings, found " + o);
                out.add(s);
            }
            return out;
        }

        List<Integer> integers(String key) {
            Object v = get(key);
            if (!(v instanceof List<?> list)) throw new IllegalArgumentException(where(key) + " must be a list of whole numbers, got " + v);
            List<Integer> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
                    throw new IllegalArgumentException(where(key) + " must be a list of whole numbers, found " + o);
                }
                out.add(n.intValue());
            }
            return out;
        }

        @SuppressWarnings("unchecked")
        Section section(String key, boolean required) {
            Object v = get(key);
            if (v == null) {
                if (required) throw new IllegalArgumentException("missing the \"" + where(key) + "\" object");
                return null;
            }
            if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException(where(key) + " must be an object, got " + v);
            return new Section((Map<String, Object>) m, where(key));
        }

        @SuppressWarnings("unchecked")
        List<Section> sections(String key) {
            Object v = get(key);
            if (v == null) return List.of();
            if (!(v instanceof List<?> list)) throw new IllegalArgumentException(where(key) + " must be a list of objects, got " + v);
            List<Section> out = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof Map<?, ?> m)) throw new IllegalArgumentException(where(key) + "[" + i + "] must be an object");
                out.add(new Section((Map<String, Object>) m, where(key) + "[" + i + "]"));
            }
            return out;
        }

        void done() {
            for (String k : map.keySet()) {
                if (!used.contains(k)) throw new IllegalArgumentException("unknown key \"" + where(k) + "\"");
            }
        }
    }

    // ------------------------------------------------------------------ checks

    private static URI brokerUri(String url) {
        if (url == null) throw new IllegalArgumentException("give the broker URL, e.g. tcp://127.0.0.1:1883");
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("broker URL " + url + " is not a URL: " + e.getMessage());
        }
        String s = u.getScheme();
        if (s == null || !(s.equals("tcp") || s.equals("mqtt") || s.equals("ssl") || s.equals("mqtts")) || u.getHost() == null) {
            throw new IllegalArgumentException("broker URL must be tcp://host:port, mqtt://, ssl:// or mqtts://, got " + url);
        }
        return u;
    }

    private static boolean isTls(URI u) {
        return u.getScheme().equals("ssl") || u.getScheme().equals("mqtts");
    }

    private static void requirePositive(Duration d, String what, boolean allowZero) {
        if (d == null || d.isNegative() || (!allowZero && d.isZero())) {
            throw new IllegalArgumentException(what + " must be " + (allowZero ? ">= 0" : "> 0") + ", got " + d);
        }
    }

    private static void checkQos(int q, String what) {
        if (q < 0 || q > 2) throw new IllegalArgumentException(what + " QoS must be 0, 1 or 2, got " + q);
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^}]*)}");

    private static void checkTemplate(String t, String what, boolean allowRule) {
        if (t == null || t.isEmpty()) throw new IllegalArgumentException("give the " + what);
        if (t.contains("+") || t.contains("#")) throw new IllegalArgumentException("the " + what + " " + t + " cannot contain wildcards");
        var m = PLACEHOLDER.matcher(t);
        while (m.find()) {
            String name = m.group(1);
            if (!name.equals("device") && !name.equals("id") && !(allowRule && name.equals("rule"))) {
                throw new IllegalArgumentException("the " + what + " " + t + " has an unknown placeholder {" + name + "}; known: {device}, {id}" + (allowRule ? ", {rule}" : ""));
            }
        }
    }

    private static void checkFilter(String f) {
        if (f == null || f.isEmpty()) throw new IllegalArgumentException("an input topic filter is empty");
        String[] levels = f.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String l = levels[i];
            if (l.contains("#") && (!l.equals("#") || i != levels.length - 1)) {
                throw new IllegalArgumentException("topic filter " + f + ": '#' must be a whole level and the last one");
            }
            if (l.contains("+") && !l.equals("+")) throw new IllegalArgumentException("topic filter " + f + ": '+' must be a whole level");
        }
    }
}
