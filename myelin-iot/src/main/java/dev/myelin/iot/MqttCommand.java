package dev.myelin.iot;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code myelin mqtt}: runs the MQTT bridge until stopped (Ctrl-C or SIGTERM publish the results
 * in flight, set the status offline and disconnect cleanly). The settings come from a config file
 * ({@link BridgeConfig#load}: JSON or YAML), from flags, or both: a flag overrides the file.
 *
 * <pre>
 * myelin mqtt --config bridge.yaml
 * myelin mqtt --broker tcp://broker:1883 --topic 'sensors/+/readings' --format json --fields a,b --time-field t --model detector.myelin
 * myelin mqtt --embedded-broker --topic 'sensors/+/readings' --fields a,b --model detector.myelin --metrics-port 9100
 * </pre>
 */
@Command(name = "mqtt", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = {"Run a model on live device streams over MQTT: subscribe to the devices' readings, keep a sliding window per device, "
                + "batch the full windows of many devices into one model call, and publish each prediction, the alerts its rules raise, "
                + "and an error message for every reading that cannot be used (at least once, in order per device).",
                "Settings come from a config file (JSON or YAML, keys in myelin-iot/README.md), from flags, or both: a flag wins over the file."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  myelin mqtt --config bridge.yaml",
                "  myelin mqtt --config bridge.json --broker ssl://broker:8883 --tls-truststore ca.p12 --username bridge --password-env MQTT_PASSWORD",
                "  myelin mqtt --broker tcp://127.0.0.1:1883 --topic 'sensors/+/readings' --format json --fields temperature,humidity \\",
                "      --time-field t --model detector.myelin --alert anomaly:above:0.5:3 --metrics-port 9100",
                "  myelin mqtt --embedded-broker --topic 'sensors/+/readings' --fields a,b --model detector.myelin",
                "      (a demo broker in the same process on 127.0.0.1:1883; then: mosquitto_pub -t sensors/m1/readings -m '{\"a\":1,\"b\":2}')",
                "",
                "Published: predictions/{device} {\"device\",\"time\",\"window_start\",\"output\":[...],\"bridge\"}, alerts/{device},",
                "myelin/bridge/{id}/errors and the retained myelin/bridge/{id}/status (online | offline).",
                "Topic templates may use {device}, {id} (the client id) and, for alerts, {rule}."})
public final class MqttCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Bridge config, JSON or YAML (.yaml/.yml); flags override its values.")
    Path configFile;

    // ---- broker
    @Option(names = "--broker", paramLabel = "URL", description = "Broker URL: tcp:// or mqtt:// (plain), ssl:// or mqtts:// (TLS) (default: tcp://127.0.0.1:1883).")
    String broker;

    @Option(names = "--mqtt-version", paramLabel = "3|5", description = "MQTT protocol: 3 (3.1.1) or 5 (default: 5).")
    Integer mqttVersion;

    @Option(names = "--client-id", paramLabel = "ID", description = "Client id; the broker keeps the bridge's session (subscriptions, unacknowledged readings) under it (default: myelin-bridge).")
    String clientId;

    @Option(names = "--username", paramLabel = "USER", description = "Broker user name.")
    String username;

    @Option(names = "--password-env", paramLabel = "VAR", description = "Take the broker password from this environment variable.")
    String passwordEnv;

    @Option(names = "--password", paramLabel = "PASS", description = "Broker password (visible to other users in the process list: prefer --password-env).")
    String password;

    @Option(names = "--tls-truststore", paramLabel = "FILE", description = "Trust store (PKCS12 or JKS) with the broker's CA; needs an ssl:// broker URL (default: the JVM's trust).")
    Path truststore;

    @Option(names = "--tls-truststore-password", paramLabel = "PASS", description = "Trust store password.")
    String truststorePassword;

    @Option(names = "--tls-truststore-type", paramLabel = "TYPE", description = "PKCS12 (default) or JKS.")
    String truststoreType;

    @Option(names = "--tls-keystore", paramLabel = "FILE", description = "Key store with the bridge's client certificate, for brokers that require one.")
    Path keystore;

    @Option(names = "--tls-keystore-password", paramLabel = "PASS", description = "Key store password.")
    String keystorePassword;

    @Option(names = "--tls-keystore-type", paramLabel = "TYPE", description = "PKCS12 (default) or JKS.")
    String keystoreType;

    @Option(names = "--session-expiry-s", paramLabel = "S", description = "How long the broker keeps the session while the bridge is away (MQTT 5; default: 3600).")
    Integer sessionExpiryS;

    // ---- input
    @Option(names = {"-t", "--topic"}, paramLabel = "FILTER", split = ",", description = "Input topic filter(s), wildcards allowed; repeat or separate with commas. Replaces the config's.")
    List<String> topics;

    @Option(names = "--qos", paramLabel = "0|1|2", description = "Subscription QoS (default: 1, at least once).")
    Integer qos;

    @Option(names = "--device-level", paramLabel = "N", description = "0-based topic level holding the device id (default: the first filter's first '+').")
    Integer deviceLevel;

    @Option(names = "--device-regex", paramLabel = "REGEX", description = "Regex on the topic whose group 'device' (or first group) is the device id.")
    String deviceRegex;

    @Option(names = "--format", paramLabel = "FORMAT", description = "Payload format: json, csv or float32 (little-endian).")
    String format;

    @Option(names = "--fields", paramLabel = "NAME", split = ",", description = "json: the feature fields, in the model's order.")
    List<String> fields;

    @Option(names = "--time-field", paramLabel = "NAME", description = "json: the field with the reading's time (epoch ms or ISO-8601); without one the bridge stamps the receipt time.")
    String timeField;

    @Option(names = "--columns", paramLabel = "N", split = ",", description = "csv: 0-based feature columns (default: all but the time column).")
    List<Integer> columns;

    @Option(names = "--time-column", paramLabel = "N", description = "csv: the time's column.")
    Integer timeColumn;

    @Option(names = "--delimiter", paramLabel = "C", description = "csv: the delimiter (default: ,).")
    String delimiter;

    @Option(names = "--features", paramLabel = "N", description = "float32: values per reading.")
    Integer features;

    @Option(names = "--time-prefix", description = "float32: an int64 little-endian time comes first.")
    Boolean timePrefix;

    // ---- model and outputs
    @Option(names = {"-m", "--model"}, paramLabel = "FILE", description = "The model file (.myelin): input (features) or (steps, features).")
    Path model;

    @Option(names = "--window", paramLabel = "N", description = "Readings per window (default: the model's input length).")
    Integer window;

    @Option(names = "--stride", paramLabel = "N", description = "One window every N readings (default: 1).")
    Integer stride;

    @Option(names = "--output-topic", paramLabel = "TEMPLATE", description = "Prediction topic (default: predictions/{device}).")
    String outputTopic;

    @Option(names = "--alert-topic", paramLabel = "TEMPLATE", description = "Alert topic (default: alerts/{device}).")
    String alertTopic;

    @Option(names = "--error-topic", paramLabel = "TEMPLATE", description = "Error topic (default: myelin/bridge/{id}/errors).")
    String errorTopic;

    @Option(names = "--status-topic", paramLabel = "TEMPLATE", description = "Retained online/offline status topic (default: myelin/bridge/{id}/status).")
    String statusTopic;

    @Option(names = "--alert", paramLabel = "RULE", description = "An alert rule NAME:above|below:THRESHOLD[:CONSECUTIVE[:OUTPUT]], added to the config's; "
            + "e.g. anomaly:above:0.5:3 fires when output 0 is above 0.5 for 3 windows in a row.")
    List<String> alerts;

    @Option(names = "--state-file", paramLabel = "FILE", description = "On a clean stop, leave the device windows here for the next bridge "
            + "to go on from (read and deleted at start); without it a restarted bridge fills every window anew.")
    Path stateFile;

    @Option(names = "--max-batch", paramLabel = "N", description = "Windows per model call, at most (default: 64).")
    Integer maxBatch;

    @Option(names = "--max-delay-ms", paramLabel = "MS", description = "How long a window may wait for others to share its model call; 0: a batch leaves as soon as the model is free (default: 0).")
    Integer maxDelayMs;

    // ---- around the bridge
    @Option(names = "--embedded-broker", description = "Start a demo MQTT broker in this process (Moquette: MQTT 3.1.1, in memory, no authentication) "
            + "on 127.0.0.1 and bridge from it. For trying things out, not for production.")
    boolean embeddedBroker;

    @Option(names = "--embedded-broker-port", paramLabel = "PORT", defaultValue = "1883", description = "The demo broker's port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int embeddedBrokerPort;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Serve Prometheus metrics at http://HOST:PORT/metrics; 0 picks a free port.")
    Integer metricsPort;

    @Option(names = "--metrics-host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "Address for --metrics-port; 0.0.0.0 for every interface (default: ${DEFAULT-VALUE}).")
    String metricsHost;

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile MqttBridge bridge;
    private volatile EmbeddedBroker embedded;
    private volatile HttpServer metrics;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (embeddedBroker) EmbeddedBroker.quietLogs(); // before the meter registry starts SLF4J
        BridgeConfig config = configure();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(30, TimeUnit.SECONDS); // let the main thread publish what is in flight
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "myelin-mqtt-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (embeddedBroker) {
                embedded = EmbeddedBroker.start(embeddedBrokerPort);
                config = config.toBuilder().broker(embedded.url()).mqttVersion(EmbeddedBroker.MQTT_VERSION).build();
                out.println("Embedded MQTT broker listening on " + embedded.url() + ": a DEMO broker (Moquette 0.17: MQTT 3.1.1, in memory, "
                        + "no authentication, no TLS). Not for production: use --broker with Mosquitto, EMQX, HiveMQ or a cloud broker.");
                out.flush();
            }
            bridge = MqttBridge.start(config, registry);
            out.println("Bridge " + config.clientId() + " connected to " + config.brokerUrl() + " (MQTT " + (config.mqttVersion() == 5 ? "5" : "3.1.1")
                    + ", QoS " + config.qos() + "): reading " + String.join(", ", config.topics()) + " (" + describe(config.payload()) + "), model "
                    + config.model() + " on " + (bridge.windowSize() == 1 ? "single readings" : "windows of " + bridge.windowSize() + " readings"));
            out.println("Publishing predictions to " + config.topic(config.outputTopic(), "{device}", null)
                    + (config.alertRules().isEmpty() ? "" : ", alerts (" + config.alertRules().stream().map(AlertRule::name).collect(Collectors.joining(", "))
                    + ") to " + config.topic(config.alertTopic(), "{device}", "{rule}"))
                    + ", errors to " + config.topic(config.errorTopic(), "{device}", null)
                    + ", status to " + config.topic(config.statusTopic(), null, null));
            if (bridge.restoredDevices() > 0) out.println("Restored the windows of " + bridge.restoredDevices() + " devices from " + config.stateFile());
            if (metricsPort != null) {
                metrics = metricsServer(registry);
                out.println("Metrics at http://" + hostForUrl(metricsHost) + ":" + metrics.getAddress().getPort() + "/metrics");
            }
            out.println("Running; stop with Ctrl-C.");
            out.flush();
            started.countDown();
            stop.await();
            return 0;
        } finally {
            shutDown(out);
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook is running
            }
        }
    }

    private void shutDown(PrintWriter out) {
        MqttBridge b = bridge;
        if (b != null) {
            b.close();
            out.println("Stopped bridge " + b.config().clientId() + ": " + b.stats());
        }
        if (metrics != null) metrics.stop(0);
        if (embedded != null) embedded.close();
        out.flush();
    }

    /** Stops a running command as SIGTERM would (for tests and embedding). */
    void stop() {
        stop.countDown();
    }

    /** Waits until the bridge is connected and subscribed; false after the time-out. */
    boolean awaitStarted(Duration timeout) throws InterruptedException {
        return started.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    MqttBridge bridge() {
        return bridge;
    }

    int metricsPort() {
        return metrics == null ? -1 : metrics.getAddress().getPort();
    }

    int embeddedBrokerPort() {
        return embedded == null ? -1 : embedded.port();
    }

    // ------------------------------------------------------------------ config: the file, then the flags

    /** The config file's settings with the flags applied; a bad combination is a command-line error. */
    BridgeConfig configure() throws IOException {
        try {
            return configureOrThrow();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private BridgeConfig configureOrThrow() throws IOException {
        BridgeConfig base = null;
        if (configFile != null) {
            if (!Files.isRegularFile(configFile)) throw new NoSuchFileException(configFile.toString());
            base = BridgeConfig.load(configFile);
        }
        BridgeConfig.Builder b = base != null ? base.toBuilder() : BridgeConfig.builder();
        if (embeddedBroker) {
            if (broker != null) throw new IllegalArgumentException("give --broker or --embedded-broker, not both");
            if (mqttVersion != null && mqttVersion != EmbeddedBroker.MQTT_VERSION) {
                throw new IllegalArgumentException("the embedded broker speaks MQTT 3.1.1 only; drop --mqtt-version " + mqttVersion + " or use --broker");
            }
            if (anyTls() || (base != null && base.usesTls())) throw new IllegalArgumentException("the embedded broker has no TLS; drop the TLS options or use --broker");
            // the real port is known once it listens; this stands in for it while the settings are checked
            b.broker("tcp://127.0.0.1:" + (embeddedBrokerPort == 0 ? 1883 : embeddedBrokerPort)).mqttVersion(EmbeddedBroker.MQTT_VERSION);
        }
        if (broker != null) b.broker(broker);
        if (mqttVersion != null) b.mqttVersion(mqttVersion);
        if (clientId != null) b.clientId(clientId);
        else if (base == null || base.clientId() == null) b.clientId("myelin-bridge");
        if (password != null && passwordEnv != null) throw new IllegalArgumentException("give --password or --password-env, not both");
        String pass = password;
        if (passwordEnv != null) {
            pass = System.getenv(passwordEnv);
            if (pass == null) throw new IllegalArgumentException("--password-env: the environment variable " + passwordEnv + " is not set");
        }
        if (username != null || pass != null) {
            b.credentials(username != null ? username : base != null ? base.username() : null,
                    pass != null ? pass : base != null ? base.password() : null);
        }
        if (anyTls()) {
            BridgeConfig.Tls t = base != null ? base.tls() : null;
            b.tls(new BridgeConfig.Tls(
                    truststore != null ? truststore : t == null ? null : t.truststore(),
                    truststorePassword != null ? truststorePassword : t == null ? null : t.truststorePassword(),
                    truststoreType != null ? truststoreType : t == null || t.truststoreType() == null ? "PKCS12" : t.truststoreType(),
                    keystore != null ? keystore : t == null ? null : t.keystore(),
                    keystorePassword != null ? keystorePassword : t == null ? null : t.keystorePassword(),
                    keystoreType != null ? keystoreType : t == null || t.keystoreType() == null ? "PKCS12" : t.keystoreType()));
        }
        if (sessionExpiryS != null) b.sessionExpiry(Duration.ofSeconds(sessionExpiryS));

        if (topics != null) {
            b.topics(topics.toArray(String[]::new));
            if (deviceLevel == null && deviceRegex == null) {
                if (!topics.isEmpty() && DeviceId.firstWildcardLevel(topics.getFirst()) < 0) {
                    throw new IllegalArgumentException("the topic filter " + topics.getFirst() + " has no '+' level for the device id; "
                            + "say where it is with --device-level N or --device-regex REGEX");
                }
                b.deviceId(null); // the first new filter's first '+'
            }
        }
        if (qos != null) b.qos(qos);
        if (deviceLevel != null && deviceRegex != null) throw new IllegalArgumentException("give --device-level or --device-regex, not both");
        if (deviceLevel != null) b.deviceId(DeviceId.level(deviceLevel));
        if (deviceRegex != null) {
            try {
                b.deviceId(DeviceId.regex(deviceRegex));
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException("--device-regex: " + e.getDescription() + " in " + deviceRegex);
            }
        }
        PayloadFormat p = payload(base == null ? null : base.payload());
        if (p == null) throw new IllegalArgumentException("give the payload format, e.g. --format json --fields temperature,humidity (or csv, float32), or a --config file");
        b.payload(p);

        if (model != null) b.model(model);
        else if (base == null || base.model() == null) throw new IllegalArgumentException("give the model file: --model FILE (or \"model\" in the config file)");
        if (window != null || stride != null) {
            b.window(window != null ? window : base != null ? base.windowSize() : 0, stride != null ? stride : base != null ? base.windowStride() : 1);
        }
        if (outputTopic != null) b.outputTopic(outputTopic);
        if (alertTopic != null) b.alertTopic(alertTopic);
        if (errorTopic != null) b.errorTopic(errorTopic);
        if (statusTopic != null) b.statusTopic(statusTopic);
        if (alerts != null) for (String a : alerts) b.alert(alertRule(a));
        if (stateFile != null) b.stateFile(stateFile);
        if (maxBatch != null || maxDelayMs != null) {
            b.batching(maxBatch != null ? maxBatch : base != null ? base.maxBatch() : 64,
                    maxDelayMs != null ? Duration.ofMillis(maxDelayMs) : base != null ? base.maxDelay() : Duration.ZERO,
                    base != null ? base.queueCapacity() : 1024);
        }
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) throw new IllegalArgumentException("--metrics-port must be in 0..65535, got " + metricsPort);
        BridgeConfig c = b.build();
        if (!Files.isRegularFile(c.model())) throw new NoSuchFileException(c.model().toString(), null, "no such model file");
        return c;
    }

    private boolean anyTls() {
        return truststore != null || truststorePassword != null || truststoreType != null
                || keystore != null || keystorePassword != null || keystoreType != null;
    }

    /** The payload format: the config's, changed by the payload flags. */
    private PayloadFormat payload(PayloadFormat base) {
        boolean jsonFlags = fields != null || timeField != null;
        boolean csvFlags = columns != null || timeColumn != null || delimiter != null;
        boolean floatFlags = features != null || timePrefix != null;
        if (format == null && !jsonFlags && !csvFlags && !floatFlags) return base;
        String kind = format != null ? format.toLowerCase(Locale.ROOT)
                : base instanceof PayloadFormat.Csv ? "csv" : base instanceof PayloadFormat.Float32 ? "float32"
                : csvFlags ? "csv" : floatFlags ? "float32" : "json";
        return switch (kind) {
            case "json" -> {
                refuse(csvFlags || floatFlags, "json", "--columns, --time-column, --delimiter, --features and --time-prefix");
                PayloadFormat.Json j = base instanceof PayloadFormat.Json x ? x : null;
                List<String> f = fields != null ? fields : j != null ? j.fields() : null;
                if (f == null) throw new IllegalArgumentException("--format json needs --fields NAME,... (the model's features, in order)");
                String tf = timeField != null ? (timeField.isEmpty() ? null : timeField) : j != null ? j.timeField() : null;
                yield new PayloadFormat.Json(f, tf);
            }
            case "csv" -> {
                refuse(jsonFlags || floatFlags, "csv", "--fields, --time-field, --features and --time-prefix");
                PayloadFormat.Csv c = base instanceof PayloadFormat.Csv x ? x : null;
                String d = delimiter != null ? delimiter : c != null ? String.valueOf(c.delimiter()) : ",";
                if (d.length() != 1) throw new IllegalArgumentException("--delimiter must be one character, got \"" + d + "\"");
                int[] cols = columns != null ? columns.stream().mapToInt(Integer::intValue).toArray() : c != null ? c.columns() : new int[0];
                int tc = timeColumn != null ? timeColumn : c != null ? c.timeColumn() : -1;
                yield new PayloadFormat.Csv(d.charAt(0), cols, tc);
            }
            case "float32", "float32le" -> {
                refuse(jsonFlags || csvFlags, "float32", "--fields, --time-field, --columns, --time-column and --delimiter");
                PayloadFormat.Float32 f = base instanceof PayloadFormat.Float32 x ? x : null;
                Integer n = features != null ? features : f != null ? f.features() : null;
                if (n == null) throw new IllegalArgumentException("--format float32 needs --features N (values per reading)");
                yield new PayloadFormat.Float32(n, timePrefix != null ? timePrefix : f != null && f.timePrefix());
            }
            default -> throw new IllegalArgumentException("--format must be json, csv or float32, got \"" + format + "\"");
        };
    }

    private static void refuse(boolean given, String format, String flags) {
        if (given) throw new IllegalArgumentException("the payload format is " + format + ": " + flags + " belong to other formats");
    }

    /** NAME:above|below:THRESHOLD[:CONSECUTIVE[:OUTPUT]]. */
    static AlertRule alertRule(String s) {
        String[] p = s.split(":", -1);
        String expected = "expected NAME:above|below:THRESHOLD[:CONSECUTIVE[:OUTPUT]], e.g. anomaly:above:0.5:3";
        if (p.length < 3 || p.length > 5) throw new IllegalArgumentException("--alert " + s + ": " + expected);
        AlertRule.Op op = switch (p[1].toLowerCase(Locale.ROOT)) {
            case "above" -> AlertRule.Op.ABOVE;
            case "below" -> AlertRule.Op.BELOW;
            default -> throw new IllegalArgumentException("--alert " + s + ": the second part must be above or below, got '" + p[1] + "'; " + expected);
        };
        try {
            float threshold = Float.parseFloat(p[2]);
            int consecutive = p.length > 3 ? Integer.parseInt(p[3]) : 1;
            int output = p.length > 4 ? Integer.parseInt(p[4]) : 0;
            return new AlertRule(p[0], output, op, threshold, consecutive);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--alert " + s + ": " + expected);
        }
    }

    private static String describe(PayloadFormat f) {
        return switch (f) {
            case PayloadFormat.Json j -> "json " + String.join(", ", j.fields()) + (j.timeField() != null ? "; time " + j.timeField() : "; receipt time");
            case PayloadFormat.Csv c -> "csv" + (c.columns().length > 0 ? " columns " + java.util.Arrays.toString(c.columns()) : "")
                    + (c.timeColumn() >= 0 ? "; time column " + c.timeColumn() : "; receipt time");
            case PayloadFormat.Float32 x -> "float32 x " + x.features() + (x.timePrefix() ? " after an int64 time" : "; receipt time");
        };
    }

    // ------------------------------------------------------------------ /metrics

    private HttpServer metricsServer(PrometheusMeterRegistry registry) throws IOException {
        HttpServer s;
        try {
            s = HttpServer.create(new InetSocketAddress(metricsHost, metricsPort), 16);
        } catch (BindException e) {
            throw new IOException("cannot serve metrics on " + metricsHost + ":" + metricsPort + " (" + e.getMessage() + "); pick another --metrics-port, or 0 for a free one", e);
        }
        s.createContext("/metrics", ex -> {
            try (ex) {
                if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                    ex.sendResponseHeaders(405, -1);
                    return;
                }
                byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                boolean head = ex.getRequestMethod().equals("HEAD");
                ex.sendResponseHeaders(200, head ? -1 : body.length);
                if (!head) {
                    try (OutputStream o = ex.getResponseBody()) {
                        o.write(body);
                    }
                }
            }
        });
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.start();
        return s;
    }

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    /** Runs the command on its own, with one-line errors as {@code myelin} prints them (tests; the CLI registers the class instead). */
    static CommandLine commandLine(MqttCommand command, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(command);
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, args) -> {
            err.println("myelin mqtt: " + ex.getMessage().strip().replaceAll("\\s*[\\r\\n]+\\s*", " ") + " (see 'myelin mqtt --help')");
            err.flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            err.println("myelin mqtt: " + (ex instanceof NoSuchFileException f ? f.getFile() + ": no such file" : ex.getMessage()));
            err.flush();
            return 1;
        });
        return cl;
    }
}
