package dev.myelin.iot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BridgeConfigTest {
    @TempDir
    Path dir;

    private BridgeConfig load(String json) throws IOException {
        Path f = dir.resolve("bridge.json");
        Files.writeString(f, json);
        return BridgeConfig.load(f);
    }

    @Test
    void readsEverySectionOfAJsonFile() throws Exception {
        BridgeConfig c = load("""
                {
                  "broker": {"url": "ssl://broker.local", "mqtt_version": 3, "client_id": "b7", "username": "u", "password": "p",
                             "tls": {"truststore": "ca.p12", "truststore_password": "changeit"},
                             "clean_start": true, "session_expiry_s": 60, "keep_alive_s": 10,
                             "reconnect_initial_ms": 100, "reconnect_max_ms": 5000, "receive_maximum": 100},
                  "input": {"topics": ["plant/+/line/+/readings", "lab/#"], "qos": 2, "device_regex": "^plant/([^/]+)/line/([^/]+)",
                            "format": "csv", "delimiter": ";", "columns": [2, 1], "time_column": 0},
                  "model": "models/m.myelin",
                  "window": {"size": 16, "stride": 4},
                  "output": {"topic": "out/{id}/{device}", "qos": 0, "retain": true},
                  "alerts": {"topic": "alerts/{device}/{rule}", "rules": [{"name": "hot", "output": 1, "above": 0.9, "consecutive": 3},
                                                                          {"name": "cold", "below": -1}]},
                  "errors": {"topic": "err/{id}"},
                  "status": {"topic": "status/{id}"},
                  "batching": {"max_batch": 8, "max_delay_ms": 1, "queue_capacity": 64},
                  "devices": {"idle_timeout_s": 30, "max": 500}
                }""");
        assertEquals("broker.local", c.host());
        assertEquals(8883, c.port());
        assertTrue(c.usesTls());
        assertEquals(3, c.mqttVersion());
        assertEquals("b7", c.clientId());
        assertEquals(dir.resolve("ca.p12"), c.tls().truststore());
        assertEquals("PKCS12", c.tls().truststoreType());
        assertTrue(c.cleanStart());
        assertEquals(Duration.ofSeconds(60), c.sessionExpiry());
        assertEquals(100, c.receiveMaximum());
        assertEquals(List.of("plant/+/line/+/readings", "lab/#"), c.topics());
        assertEquals(2, c.qos());
        assertEquals("p3", c.deviceId().of("plant/p3/line/l1/readings"));
        PayloadFormat.Csv csv = (PayloadFormat.Csv) c.payload();
        assertEquals(';', csv.delimiter());
        assertArrayEquals(new int[]{2, 1}, csv.columns());
        assertEquals(dir.resolve("models/m.myelin"), c.model());
        assertEquals(16, c.windowSize());
        assertEquals(4, c.windowStride());
        assertEquals("out/b7/m1", c.topic(c.outputTopic(), "m1", null));
        assertEquals(0, c.outputQos());
        assertTrue(c.outputRetain());
        assertEquals(List.of(new AlertRule("hot", 1, AlertRule.Op.ABOVE, 0.9f, 3), new AlertRule("cold", 0, AlertRule.Op.BELOW, -1f, 1)), c.alertRules());
        assertEquals("alerts/m1/hot", c.topic(c.alertTopic(), "m1", "hot"));
        assertEquals("err/b7", c.topic(c.errorTopic(), "m1", null));
        assertEquals("status/b7", c.topic(c.statusTopic(), null, null));
        assertEquals(8, c.maxBatch());
        assertEquals(64, c.queueCapacity());
        assertEquals(500, c.maxDevices());
        assertEquals(Duration.ofSeconds(30), c.idleTimeout());
    }

    @Test
    void defaultsAndTheDeviceLevelFromTheFilter() throws Exception {
        BridgeConfig c = load("""
                {"broker": {"client_id": "b"}, "input": {"topics": ["sensors/+/readings"], "fields": ["x"]}, "model": "m.myelin"}""");
        assertEquals("tcp://127.0.0.1:1883", c.brokerUrl());
        assertEquals(5, c.mqttVersion());
        assertFalse(c.cleanStart());
        assertEquals(1, c.qos());
        assertEquals(1, c.outputQos());
        assertEquals(65535, c.receiveMaximum());
        assertEquals(new DeviceId.Level(1), c.deviceId());
        assertEquals("s9", c.deviceId().of("sensors/s9/readings"));
        assertEquals(new PayloadFormat.Json(List.of("x"), null), c.payload());
        assertEquals("myelin/bridge/b/status", c.topic(c.statusTopic(), null, null));
        assertTrue(c.alertRules().isEmpty());
        assertNull(c.tls());
    }

    @Test
    void mistakesAreNamed() {
        var e = assertThrows(IOException.class, () -> load("""
                {"broker": {"client_id": "b", "keepalive": 5}, "input": {"topics": ["s/+"], "fields": ["x"]}}"""));
        assertTrue(e.getMessage().endsWith("unknown key \"broker.keepalive\""), e.getMessage());
        e = assertThrows(IOException.class, () -> load("""
                {"broker": {"client_id": "b", "password_env": "MYELIN_SURELY_UNSET_VARIABLE", "username": "u"}, "input": {"topics": ["s/+"], "fields": ["x"]}}"""));
        assertTrue(e.getMessage().contains("MYELIN_SURELY_UNSET_VARIABLE is not set"), e.getMessage());
        e = assertThrows(IOException.class, () -> load("""
                {"broker": {"client_id": "b"}, "input": {"topics": ["s/#/x"], "fields": ["x"]}}"""));
        assertTrue(e.getMessage().contains("'#' must be a whole level and the last one"), e.getMessage());
        e = assertThrows(IOException.class, () -> load("""
                {"broker": {"client_id": "b"}, "input": {"topics": ["s/+"], "fields": ["x"]}, "output": {"topic": "p/{dev}"}}"""));
        assertTrue(e.getMessage().contains("unknown placeholder {dev}"), e.getMessage());
        e = assertThrows(IOException.class, () -> load("""
                {"broker": {"client_id": "b"}, "input": {"topics": ["s/x"], "fields": ["x"]}}"""));
        assertTrue(e.getMessage().contains("has no '+' level for the device id"), e.getMessage());
        e = assertThrows(IOException.class, () -> load("""
                {"broker": {"client_id": "b"}, "input": {"topics": ["s/+"], "fields": ["x"]}, "alerts": {"rules": [{"name": "r", "above": 1, "below": 0}]}}"""));
        assertTrue(e.getMessage().contains("give one of above or below"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BridgeConfig.builder().clientId("a/b").topics("s/+").payload(PayloadFormat.json(null, "x")).build());
        assertThrows(IllegalArgumentException.class, () -> BridgeConfig.builder().broker("http://x").clientId("a").topics("s/+").payload(PayloadFormat.json(null, "x")).build());
    }
}
