package dev.myelin.iot;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.InputLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code myelin mqtt} as a user runs it: flags and config files, a real Mosquitto, the embedded broker, /metrics, bad command lines. */
class MqttCommandTest {
    @TempDir
    Path tmp;

    /** (2 features) -> 1 value, one prediction per reading. */
    private Path model() throws Exception {
        Model m = new Sequential(new InputLayer(2), new Dense(1)).seed(11);
        Path p = tmp.resolve("dense.myelin");
        m.save(p);
        return p;
    }

    /** A command running on its own thread, with what it printed. */
    private static final class Running implements AutoCloseable {
        final MqttCommand command = new MqttCommand();
        final StringWriter out = new StringWriter(), err = new StringWriter();
        final AtomicInteger exit = new AtomicInteger(-1);
        final Thread thread;

        Running(String... args) throws InterruptedException {
            thread = Thread.ofPlatform().start(() -> exit.set(MqttCommand.commandLine(command, new PrintWriter(out, true), new PrintWriter(err, true)).execute(args)));
            boolean up = false;
            for (int i = 0; i < 300 && !up && thread.isAlive(); i++) up = command.awaitStarted(Duration.ofMillis(100));
            assertTrue(up, "the command did not start; exit " + exit.get() + ", stderr: " + err + ", stdout: " + out);
        }

        @Override
        public void close() {
            command.stop();
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assertEquals(0, exit.get(), "exit code; stderr: " + err);
        }
    }

    private static float predict(Path modelFile, float a, float b) throws Exception {
        return Model.load(modelFile).predict(Tensor.wrap(new float[]{a, b}, 1, 2)).toFloatArray()[0];
    }

    @Test
    @Timeout(60)
    void flagsRunTheBridgeOnMosquittoAndServeMetrics() throws Exception {
        Path modelFile = model();
        try (Mosquitto broker = Mosquitto.start();
             TestMqtt sink = TestMqtt.connect("cmd-sink", broker.port(), "out/#")) {
            try (Running r = new Running("--broker", broker.url(), "--client-id", "cmd-a", "--topic", "sensors/+/readings",
                    "--format", "json", "--fields", "a,b", "--time-field", "t", "--model", modelFile.toString(),
                    "--output-topic", "out/{id}/{device}", "--metrics-port", "0");
                 TestMqtt dev = TestMqtt.connect("cmd-dev", broker.port())) {
                String banner = r.out.toString();
                assertTrue(banner.contains("Bridge cmd-a connected to " + broker.url()), banner);
                assertTrue(banner.contains("Metrics at http://127.0.0.1:" + r.command.metricsPort() + "/metrics"), banner);
                dev.publish("sensors/m7/readings", "{\"t\": 1700000000000, \"a\": 0.25, \"b\": -1.5}", 1).get(5, TimeUnit.SECONDS);
                assertTrue(TestMqtt.await(() -> !sink.on("out/").isEmpty(), Duration.ofSeconds(15)), "no prediction; " + r.err);
                TestMqtt.Received p = sink.on("out/").getFirst();
                assertEquals("out/cmd-a/m7", p.topic());
                Map<String, Object> json = p.json();
                assertEquals("m7", json.get("device"));
                assertEquals(1700000000000L, ((Number) json.get("time")).longValue());
                float got = Float.parseFloat(((List<?>) json.get("output")).getFirst().toString());
                assertEquals(predict(modelFile, 0.25f, -1.5f), got, 1e-6f);

                HttpResponse<String> m = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.command.metricsPort() + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, m.statusCode());
                assertTrue(m.body().contains("myelin_iot_readings_received_total{bridge=\"cmd-a\"} 1.0"), m.body());
                assertTrue(m.body().contains("myelin_iot_predictions_published_total{bridge=\"cmd-a\"} 1.0"), m.body());
            }
        }
    }

    @Test
    @Timeout(60)
    void aYamlConfigWithFlagsOverridingIt() throws Exception {
        Path modelFile = model();
        try (Mosquitto broker = Mosquitto.start();
             TestMqtt sink = TestMqtt.connect("cmd-sink2", broker.port(), "predictions/#", "alerts/#")) {
            // the file names a broker nobody listens on and MQTT 5; the flags send the bridge to the test broker on 3.1.1
            Path yaml = tmp.resolve("bridge.yaml");
            Files.writeString(yaml, String.join("\n",
                    "broker:",
                    "  url: tcp://127.0.0.1:1",
                    "  client_id: from-file",
                    "input:",
                    "  topics: [\"plant/+/x\"]",
                    "  format: csv",
                    "  time_column: 0",
                    "model: dense.myelin",
                    "alerts:",
                    "  rules:",
                    "    - {name: any, above: -1000000}",
                    ""), StandardCharsets.UTF_8);
            try (Running r = new Running("--config", yaml.toString(), "--broker", broker.url(), "--mqtt-version", "3", "--client-id", "cmd-b");
                 TestMqtt dev = TestMqtt.connect("cmd-dev2", broker.port())) {
                assertTrue(r.out.toString().contains("Bridge cmd-b connected to " + broker.url() + " (MQTT 3.1.1"), r.out.toString());
                dev.publish("plant/p3/x", "1000,0.5,2.0", 1).get(5, TimeUnit.SECONDS);
                assertTrue(TestMqtt.await(() -> !sink.on("predictions/").isEmpty() && !sink.on("alerts/").isEmpty(), Duration.ofSeconds(15)), r.err.toString());
                Map<String, Object> p = sink.on("predictions/").getFirst().json();
                assertEquals("p3", p.get("device"));
                assertEquals("cmd-b", p.get("bridge"));
                assertEquals(predict(modelFile, 0.5f, 2.0f), Float.parseFloat(((List<?>) p.get("output")).getFirst().toString()), 1e-6f);
                assertEquals("any", sink.on("alerts/").getFirst().json().get("rule"));
            }
        }
    }

    @Test
    @Timeout(60)
    void theEmbeddedBrokerIsAnnouncedAsADemoAndAnswers() throws Exception {
        Path modelFile = model();
        try (Running r = new Running("--embedded-broker", "--embedded-broker-port", "0", "--topic", "sensors/+/readings",
                "--fields", "a,b", "--model", modelFile.toString())) {
            String banner = r.out.toString();
            int port = r.command.embeddedBrokerPort();
            assertTrue(banner.startsWith("Embedded MQTT broker listening on tcp://127.0.0.1:" + port + ": a DEMO broker"), banner);
            assertTrue(banner.contains("Not for production"), banner);
            assertTrue(banner.contains("(MQTT 3.1.1"), banner);
            // the embedded broker speaks MQTT 3.1.1: a 3.1.1 device and collector
            Mqtt3AsyncClient c = MqttClient.builder().identifier("emb-dev").serverHost("127.0.0.1").serverPort(port).useMqttVersion3().buildAsync();
            ConcurrentLinkedQueue<String> got = new ConcurrentLinkedQueue<>();
            c.publishes(MqttGlobalPublishFilter.ALL, p -> got.add(p.getTopic() + " " + new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
            c.connect().get(10, TimeUnit.SECONDS);
            c.subscribeWith().topicFilter("predictions/#").qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
            c.publishWith().topic("sensors/e1/readings").payload("{\"a\": 1, \"b\": 2}".getBytes(StandardCharsets.UTF_8))
                    .qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
            assertTrue(TestMqtt.await(() -> !got.isEmpty(), Duration.ofSeconds(15)), "no prediction; " + r.err);
            String first = got.peek();
            assertTrue(first.startsWith("predictions/e1 {\"device\":\"e1\""), first);
            c.disconnect().get(5, TimeUnit.SECONDS);
        }
    }

    /** Runs a command line expected to fail at once; returns stderr. */
    private static String fails(int code, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = MqttCommand.commandLine(new MqttCommand(), new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        assertEquals(code, exit, "exit code; stderr: " + err + ", stdout: " + out);
        String e = err.toString().strip();
        assertEquals(1, e.lines().count(), "one line: " + e);
        assertTrue(e.startsWith("myelin mqtt: "), e);
        System.out.println("  " + String.join(" ", args) + "\n    -> " + e);
        return e;
    }

    @Test
    void badCommandLinesGiveOneClearLine() throws Exception {
        String m = model().toString();
        assertTrue(fails(2, "--topic", "s/+/r", "--fields", "a,b", "--model", m, "--qos", "7").contains("input QoS must be 0, 1 or 2, got 7"));
        assertTrue(fails(2, "--topic", "s/+/r", "--format", "xml", "--model", m).contains("--format must be json, csv or float32, got \"xml\""));
        assertTrue(fails(2, "--topic", "s/+/r", "--fields", "a,b", "--model", m, "--device-level", "1", "--device-regex", "(x)")
                .contains("give --device-level or --device-regex, not both"));
        assertTrue(fails(2, "--topic", "s/+/r", "--fields", "a,b").contains("give the model file: --model FILE"));
        assertTrue(fails(2, "--topic", "s/+/r", "--model", m).contains("give the payload format"));
        assertTrue(fails(2, "--topic", "s/r", "--fields", "a,b", "--model", m).contains("has no '+' level for the device id; say where it is with --device-level N or --device-regex REGEX"));
        assertTrue(fails(2, "--topic", "s/+/r", "--fields", "a,b", "--model", m, "--broker", "http://x").contains("broker URL must be tcp://host:port"));
        assertTrue(fails(2, "--topic", "s/+/r", "--fields", "a,b", "--model", m, "--alert", "hot:over:3").contains("the second part must be above or below"));
        assertTrue(fails(2, "--embedded-broker", "--broker", "tcp://x:1", "--topic", "s/+/r", "--fields", "a,b", "--model", m)
                .contains("give --broker or --embedded-broker, not both"));
        assertTrue(fails(2, "--embedded-broker", "--mqtt-version", "5", "--topic", "s/+/r", "--fields", "a,b", "--model", m)
                .contains("the embedded broker speaks MQTT 3.1.1 only"));
        assertTrue(fails(2, "--brokr", "tcp://x").contains("Unknown options: '--brokr', 'tcp://x'"));
        assertTrue(fails(2, "--qos", "one").contains("Invalid value for option '--qos'"));
        assertTrue(fails(1, "--topic", "s/+/r", "--fields", "a,b", "--model", tmp.resolve("none.myelin").toString()).contains("none.myelin: no such file"));
        // a broker that is not there fails the start at once, saying where it tried
        String down = fails(1, "--broker", "tcp://127.0.0.1:1", "--topic", "s/+/r", "--fields", "a,b", "--model", m);
        assertTrue(down.contains("connecting to tcp://127.0.0.1:1 failed"), down);
    }
}
