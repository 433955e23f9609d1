package dev.myelin.iot;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscription;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.reactivex.schedulers.Schedulers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The bridge's MQTT connection, over the HiveMQ client, for MQTT 3.1.1 and 5 alike: a
 * persistent session, automatic reconnect with exponential backoff, a retained last will, and
 * incoming messages acknowledged by hand ({@link Incoming#ack}). Incoming messages reach one
 * handler registered before the connection opens, so the messages a resumed session delivers
 * before the subscriptions are renewed are not lost.
 */
abstract sealed class MqttTransport {

    /**
     * The threads of the clients' network event loops: daemon threads, so a closed bridge does not
     * keep its JVM alive (the client's own default event loop outlives the bridge's last
     * disconnect). One executor for every bridge, so they share one event loop group.
     */
    private static final String NETTY_THREAD = "myelin-mqtt-netty-";
    private static final Executor NETTY = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().name(NETTY_THREAD, 0).factory());

    /** One incoming message; {@code ack} sends its PUBACK/PUBREC (QoS 1/2; nothing for QoS 0). */
    record Incoming(String topic, byte[] payload, int qos, Runnable ack) {}

    /**
     * Builds the client for the config's MQTT version. {@code onConnected} runs after each (re)connection. Once connected,
     * a lost connection is retried with backoff for ever; the first connection is not retried, so a wrong address,
     * certificate or password fails the start at once.
     */
    static MqttTransport create(BridgeConfig c, String willTopic, byte[] willPayload, Runnable onConnected) throws IOException {
        AtomicBoolean connectedOnce = new AtomicBoolean();
        MqttClientBuilder b = MqttClient.builder()
                // Completions of sends, connects and subscribes run on the network thread that took the broker's answer
                // (trampoline: no hop), not on the client's default RxJava computation pool: at QoS 1 every prediction's PUBACK
                // would otherwise wake a pool thread, which then wakes the event loop again to send the reading's PUBACK.
                // The bridge's continuations never block (they publish, acknowledge and count); incoming readings still
                // go to the bridge's own intake thread (see connect).
                .executorConfig(MqttClientExecutorConfig.builder().nettyExecutor(NETTY).applicationScheduler(Schedulers.trampoline()).build())
                .identifier(c.clientId())
                .serverHost(c.host())
                .serverPort(c.port())
                .automaticReconnect()
                .initialDelay(c.reconnectInitialDelay().toMillis(), TimeUnit.MILLISECONDS)
                .maxDelay(c.reconnectMaxDelay().toMillis(), TimeUnit.MILLISECONDS)
                .applyAutomaticReconnect()
                .addConnectedListener(ctx -> {
                    connectedOnce.set(true);
                    onConnected.run();
                })
                .addDisconnectedListener(ctx -> {
                    if (!connectedOnce.get()) {
                        // The first connection failed (broker down, TLS or credentials refused): say so at start, don't retry.
                        ctx.getReconnector().reconnect(false);
                    } else {
                        // A broker that lost the session (restarted without persistence) still gets the results in flight: at least once.
                        ctx.getReconnector().republishIfSessionExpired(true);
                    }
                });
        if (c.usesTls()) b = b.sslConfig(ssl(c.tls()));
        return c.mqttVersion() == 5 ? new V5(c, b, willTopic, willPayload) : new V3(c, b, willTopic, willPayload);
    }

    /** Registers {@code handler}, run on {@code executor} one message at a time in arrival order, then connects; completes with "session present". */
    abstract CompletableFuture<Boolean> connect(Consumer<Incoming> handler, Executor executor);

    /** Subscribes to the filters at one QoS; fails if the broker refuses any. */
    abstract CompletableFuture<Void> subscribe(List<String> filters, int qos);

    /** Completes when the broker has the message (at QoS 1/2), or once sent (QoS 0). */
    final CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retain) {
        return publish(MqttTopic.of(topic), payload, qos, retain);
    }

    /**
     * Publications sent and not yet answered by the broker, beyond which one asked for on a network thread is
     * handed to {@link #OVERFLOW} instead of sent there: the client makes {@code send} wait (the calling thread
     * blocks) while more publications are outstanding than its window holds (64 queued sends plus the broker's
     * receive maximum), and a network thread waiting there would never read the acknowledgements that end the wait.
     */
    static final int INLINE_LIMIT = 48;
    /** Sends publications asked for on a network thread while many are outstanding: this thread may wait in the client, a network thread may not. */
    private static final java.util.concurrent.ExecutorService OVERFLOW =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("myelin-mqtt-publish").factory());
    private final java.util.concurrent.atomic.AtomicInteger outstanding = new java.util.concurrent.atomic.AtomicInteger();

    /** As {@link #publish(String, byte[], int, boolean)} on a topic built once (the client validates a topic string on every build). */
    final CompletableFuture<Void> publish(MqttTopic topic, byte[] payload, int qos, boolean retain) {
        if (outstanding.get() >= INLINE_LIMIT && Thread.currentThread().getName().startsWith(NETTY_THREAD)) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            OVERFLOW.execute(() -> counted(topic, payload, qos, retain).whenComplete((v, e) -> {
                if (e == null) f.complete(null);
                else f.completeExceptionally(e);
            }));
            return f;
        }
        return counted(topic, payload, qos, retain);
    }

    private CompletableFuture<Void> counted(MqttTopic topic, byte[] payload, int qos, boolean retain) {
        outstanding.incrementAndGet();
        CompletableFuture<Void> f;
        try {
            f = send(topic, payload, qos, retain);
        } catch (RuntimeException e) {
            outstanding.decrementAndGet();
            throw e;
        }
        f.whenComplete((v, e) -> outstanding.decrementAndGet());
        return f;
    }

    /** The client's publish. */
    abstract CompletableFuture<Void> send(MqttTopic topic, byte[] payload, int qos, boolean retain);

    /** A clean disconnect: the broker keeps the session (until it expires) and does not send the will. */
    abstract CompletableFuture<Void> disconnect();

    abstract boolean connected();

    static MqttQos qos(int q) {
        return switch (q) {
            case 0 -> MqttQos.AT_MOST_ONCE;
            case 1 -> MqttQos.AT_LEAST_ONCE;
            case 2 -> MqttQos.EXACTLY_ONCE;
            default -> throw new IllegalArgumentException("QoS must be 0, 1 or 2, got " + q);
        };
    }

    private static MqttClientSslConfig ssl(BridgeConfig.Tls tls) throws IOException {
        MqttClientSslConfigBuilder s = MqttClientSslConfig.builder();
        if (tls == null) return s.build(); // the JVM's default trust
        try {
            if (tls.truststore() != null) {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(keyStore(tls.truststore(), tls.truststorePassword(), tls.truststoreType()));
                s = s.trustManagerFactory(tmf);
            }
            if (tls.keystore() != null) {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                char[] pass = tls.keystorePassword() == null ? new char[0] : tls.keystorePassword().toCharArray();
                kmf.init(keyStore(tls.keystore(), tls.keystorePassword(), tls.keystoreType()), pass);
                s = s.keyManagerFactory(kmf);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS key stores: " + e.getMessage(), e);
        }
        return s.build();
    }

    private static KeyStore keyStore(Path path, String password, String type) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(type == null ? "PKCS12" : type);
        try (InputStream in = Files.newInputStream(path)) {
            ks.load(in, password == null ? null : password.toCharArray());
        } catch (IOException e) {
            throw new IOException(path + ": cannot read the key store (wrong password or type?): " + e.getMessage(), e);
        }
        return ks;
    }

    // ------------------------------------------------------------------ MQTT 5

    private static final class V5 extends MqttTransport {
        private final BridgeConfig c;
        private final Mqtt5AsyncClient client;

        V5(BridgeConfig c, MqttClientBuilder b, String willTopic, byte[] willPayload) {
            this.c = c;
            var b5 = b.useMqttVersion5();
            if (c.username() != null) {
                var auth = b5.simpleAuth().username(c.username());
                if (c.password() != null) auth = auth.password(c.password().getBytes(StandardCharsets.UTF_8));
                b5 = auth.applySimpleAuth();
            }
            this.client = b5.willPublish().topic(willTopic).payload(willPayload).qos(MqttQos.AT_LEAST_ONCE).retain(true).applyWillPublish()
                    .buildAsync();
        }

        @Override
        CompletableFuture<Boolean> connect(Consumer<Incoming> handler, Executor executor) {
            client.publishes(MqttGlobalPublishFilter.ALL, p -> handler.accept(
                    new Incoming(p.getTopic().toString(), p.getPayloadAsBytes(), p.getQos().getCode(), p::acknowledge)), executor, true);
            return client.connectWith()
                    .cleanStart(c.cleanStart())
                    .sessionExpiryInterval(c.sessionExpiry().toSeconds())
                    .keepAlive((int) Math.min(65535, c.keepAlive().toSeconds()))
                    .restrictions().receiveMaximum(c.receiveMaximum()).applyRestrictions()
                    .send()
                    .thenApply(ack -> ack.isSessionPresent());
        }

        @Override
        CompletableFuture<Void> subscribe(List<String> filters, int qos) {
            List<Mqtt5Subscription> subs = new ArrayList<>();
            for (String f : filters) subs.add(Mqtt5Subscription.builder().topicFilter(f).qos(qos(qos)).build());
            return client.subscribeWith().addSubscriptions(subs).send().thenAccept(ack -> {
                List<Mqtt5SubAckReasonCode> codes = ack.getReasonCodes();
                for (int i = 0; i < codes.size(); i++) {
                    if (codes.get(i).isError()) throw new IllegalStateException("the broker refused the subscription to " + filters.get(i) + ": " + codes.get(i));
                }
            });
        }

        @Override
        CompletableFuture<Void> send(MqttTopic topic, byte[] payload, int qos, boolean retain) {
            return client.publishWith().topic(topic).payload(payload).qos(qos(qos)).retain(retain).send().thenAccept(r -> {
                if (r.getError().isPresent()) throw new IllegalStateException("publishing to " + topic + " failed: " + r.getError().get().getMessage(), r.getError().get());
            });
        }

        @Override
        CompletableFuture<Void> disconnect() {
            return client.disconnect();
        }

        @Override
        boolean connected() {
            return client.getState().isConnected();
        }
    }

    // ------------------------------------------------------------------ MQTT 3.1.1

    private static final class V3 extends MqttTransport {
        private final BridgeConfig c;
        private final Mqtt3AsyncClient client;

        V3(BridgeConfig c, MqttClientBuilder b, String willTopic, byte[] willPayload) {
            this.c = c;
            var b3 = b.useMqttVersion3();
            if (c.username() != null) {
                var auth = b3.simpleAuth().username(c.username());
                if (c.password() != null) auth = auth.password(c.password().getBytes(StandardCharsets.UTF_8));
                b3 = auth.applySimpleAuth();
            }
            this.client = b3.willPublish().topic(willTopic).payload(willPayload).qos(MqttQos.AT_LEAST_ONCE).retain(true).applyWillPublish()
                    .buildAsync();
        }

        @Override
        CompletableFuture<Boolean> connect(Consumer<Incoming> handler, Executor executor) {
            client.publishes(MqttGlobalPublishFilter.ALL, p -> handler.accept(
                    new Incoming(p.getTopic().toString(), p.getPayloadAsBytes(), p.getQos().getCode(), p::acknowledge)), executor, true);
            // MQTT 3.1.1 has no session expiry: a session that is not clean lasts until the broker drops it.
            return client.connectWith()
                    .cleanSession(c.cleanStart())
                    .keepAlive((int) Math.min(65535, c.keepAlive().toSeconds()))
                    .send()
                    .thenApply(ack -> ack.isSessionPresent());
        }

        @Override
        CompletableFuture<Void> subscribe(List<String> filters, int qos) {
            List<Mqtt3Subscription> subs = new ArrayList<>();
            for (String f : filters) subs.add(Mqtt3Subscription.builder().topicFilter(f).qos(qos(qos)).build());
            return client.subscribeWith().addSubscriptions(subs).send().thenAccept(ack -> {
                List<Mqtt3SubAckReturnCode> codes = ack.getReturnCodes();
                for (int i = 0; i < codes.size(); i++) {
                    if (codes.get(i).isError()) throw new IllegalStateException("the broker refused the subscription to " + filters.get(i));
                }
            });
        }

        @Override
        CompletableFuture<Void> send(MqttTopic topic, byte[] payload, int qos, boolean retain) {
            return client.publishWith().topic(topic).payload(payload).qos(qos(qos)).retain(retain).send().thenAccept(p -> {});
        }

        @Override
        CompletableFuture<Void> disconnect() {
            return client.disconnect();
        }

        @Override
        boolean connected() {
            return client.getState().isConnected();
        }
    }
}
