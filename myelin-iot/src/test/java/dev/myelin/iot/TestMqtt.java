package dev.myelin.iot;

import com.fasterxml.jackson.jr.ob.JSON;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A device simulator or a result collector for tests: a HiveMQ MQTT 5 client with a persistent session and automatic reconnect. */
final class TestMqtt implements AutoCloseable {
    record Received(String topic, byte[] payload, boolean retained) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        Map<String, Object> json() {
            try {
                return JSON.std.mapFrom(text());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    final Mqtt5AsyncClient client;
    final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();

    private TestMqtt(Mqtt5AsyncClient client) {
        this.client = client;
    }

    /** Connects (persistent session, reconnecting), subscribed at QoS 1 to {@code filters}. */
    static TestMqtt connect(String id, int port, String... filters) throws Exception {
        Mqtt5AsyncClient c = MqttClient.builder().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(1, TimeUnit.SECONDS).applyAutomaticReconnect()
                .useMqttVersion5().buildAsync();
        TestMqtt t = new TestMqtt(c);
        c.publishes(MqttGlobalPublishFilter.ALL, p -> t.received.add(new Received(p.getTopic().toString(), p.getPayloadAsBytes(), p.isRetain())));
        c.connectWith().cleanStart(false).sessionExpiryInterval(300).send().get(10, TimeUnit.SECONDS);
        for (String f : filters) c.subscribeWith().topicFilter(f).qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
        return t;
    }

    CompletableFuture<?> publish(String topic, byte[] payload, int qos) {
        return client.publishWith().topic(topic).payload(payload).qos(MqttQos.fromCode(qos)).send();
    }

    CompletableFuture<?> publish(String topic, String payload, int qos) {
        return publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos);
    }

    List<Received> on(String topicPrefix) {
        List<Received> out = new ArrayList<>();
        for (Received r : received) if (r.topic().startsWith(topicPrefix)) out.add(r);
        return out;
    }

    static boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) return true;
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    @Override
    public void close() {
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // already gone
        }
    }
}
