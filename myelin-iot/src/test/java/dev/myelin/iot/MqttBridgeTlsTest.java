package dev.myelin.iot;

import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.InputLayer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bridge over TLS: a self-signed broker certificate, trusted through a PKCS12 trust store, and refused without it. */
class MqttBridgeTlsTest {
    @TempDir
    Path tmp;

    private void selfSigned(Path cert, Path key) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-keyout", key.toString(), "-out", cert.toString(), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
                .redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            Assumptions.abort("Skipped: openssl is not installed (it makes the test's broker certificate)");
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl: " + out);
    }

    private static void trustStore(Path cert, Path store, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        if (cert != null) {
            try (InputStream in = Files.newInputStream(cert)) {
                ks.setCertificateEntry("broker", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
        }
        try (OutputStream out = Files.newOutputStream(store)) {
            ks.store(out, password.toCharArray());
        }
    }

    @Test
    @Timeout(60)
    void connectsOverTlsWithTheTrustStoreAndRefusesABrokerItDoesNotTrust() throws Exception {
        Path cert = tmp.resolve("cert.pem"), key = tmp.resolve("key.pem");
        selfSigned(cert, key);
        Path trust = tmp.resolve("trust.p12"), empty = tmp.resolve("empty.p12");
        trustStore(cert, trust, "changeit");
        trustStore(null, empty, "changeit");
        Path modelFile = tmp.resolve("m.myelin");
        new Sequential(new InputLayer(2), new Dense(1)).seed(1).save(modelFile);
        Model model = Model.load(modelFile);
        float want = model.predict(dev.myelin.core.Tensor.wrap(new float[]{1.5f, -2f}, 1, 2)).toFloatArray()[0];

        try (Mosquitto broker = Mosquitto.start(cert, key);
             TestMqtt sink = TestMqtt.connect("sink", broker.port(), "predictions/#")) {
            BridgeConfig.Builder b = BridgeConfig.builder().broker("ssl://127.0.0.1:" + broker.tlsPort()).clientId("bridge-tls")
                    .topics("s/+/r").payload(PayloadFormat.json(null, "x", "y")).model(modelFile)
                    .reconnect(Duration.ofMillis(100), Duration.ofMillis(500));
            long t0 = System.nanoTime();
            var refused = assertThrows(IOException.class, () -> MqttBridge.start(b.tls(BridgeConfig.Tls.truststore(empty, "changeit")).build()).close());
            assertTrue(refused.getMessage().startsWith("connecting to ssl://127.0.0.1:" + broker.tlsPort() + " failed: "), refused.getMessage());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "an untrusted broker should fail the start at once");
            try (MqttBridge bridge = MqttBridge.start(b.tls(BridgeConfig.Tls.truststore(trust, "changeit")).build());
                 TestMqtt dev = TestMqtt.connect("dev", broker.port())) {
                assertTrue(bridge.connected());
                dev.publish("s/a/r", "{\"x\": 1.5, \"y\": -2}", 1).get(5, TimeUnit.SECONDS);
                assertTrue(TestMqtt.await(() -> sink.on("predictions/a").size() == 1, Duration.ofSeconds(10)));
                Object out = ((java.util.List<?>) sink.on("predictions/a").getFirst().json().get("output")).getFirst();
                assertEquals(want, ((Number) out).floatValue(), 1e-6f);
            }
        }
    }
}
