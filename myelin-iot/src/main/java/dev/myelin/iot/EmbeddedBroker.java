package dev.myelin.iot;

import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;

import java.io.IOException;
import java.net.BindException;
import java.util.Properties;

/**
 * A demo MQTT broker in the same JVM (Moquette 0.17): MQTT 3.1.1 only, on a loopback address,
 * anonymous, in memory (sessions and queued messages are lost when it stops), no TLS, at most 10
 * unacknowledged QoS 1 messages in flight per client, no telemetry. It lets {@code myelin mqtt}
 * be tried without installing a broker; anything real should use Mosquitto, EMQX, HiveMQ or a
 * cloud broker.
 *
 * <pre>{@code try (EmbeddedBroker b = EmbeddedBroker.start(0)) { String url = b.url(); ... }}</pre>
 */
public final class EmbeddedBroker implements AutoCloseable {
    /** MQTT version the broker speaks: a bridge on it must use 3 (3.1.1). */
    public static final int MQTT_VERSION = 3;

    private final Server server;
    private final int port;

    private EmbeddedBroker(Server server, int port) {
        this.server = server;
        this.port = port;
    }

    /** Starts on 127.0.0.1:{@code port} (0: a free port). */
    public static EmbeddedBroker start(int port) throws IOException {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("the embedded broker's port must be in 0..65535, got " + port);
        // Netty would look for its native epoll transport (a restricted System.load); the broker uses NIO.
        if (System.getProperty("io.netty.transport.noNative") == null) System.setProperty("io.netty.transport.noNative", "true");
        quietLogs();
        Properties p = new Properties();
        p.setProperty("host", "127.0.0.1");
        p.setProperty("port", Integer.toString(port));
        p.setProperty("websocket_port", "disabled");
        p.setProperty("allow_anonymous", "true");
        p.setProperty("persistence_enabled", "false");
        p.setProperty("telemetry_enabled", "false");          // Moquette otherwise reports to its authors at start
        p.setProperty("netty.mqtt.message_size", Integer.toString(Payloads.MAX_PAYLOAD_BYTES + 1024));
        p.setProperty("immediate_buffer_flush", "true");
        Server s = new Server();
        try {
            s.startServer(new MemoryConfig(p));
        } catch (IOException | RuntimeException e) {
            s.stopServer();
            Throwable c = e;
            while (c.getCause() != null && !(c instanceof BindException)) c = c.getCause();
            if (c instanceof BindException) throw new IOException("the embedded broker cannot listen on 127.0.0.1:" + port + " (" + c.getMessage() + "); is another broker running there? Pick another port, or 0 for a free one", e);
            throw new IOException("the embedded broker did not start: " + e.getMessage(), e);
        }
        // Moquette records the bound port from a listener on netty's event loop, just after startServer returns
        int bound = s.getPort();
        for (long deadline = System.nanoTime() + 5_000_000_000L; bound <= 0 && System.nanoTime() < deadline; bound = s.getPort()) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (bound <= 0) {
            s.stopServer();
            throw new IOException("the embedded broker did not bind 127.0.0.1:" + port + " (is the port taken?)");
        }
        return new EmbeddedBroker(s, bound);
    }

    /**
     * Moquette tells every step of its start and every MQTT packet at INFO; a demo broker's warnings
     * are enough. Sets the level for Jetty's SLF4J provider (the myelin command carries it) and for
     * slf4j-simple; both read it once, when SLF4J starts, so call this before anything logs.
     */
    static void quietLogs() {
        if (System.getProperty("io.moquette.LEVEL") == null) System.setProperty("io.moquette.LEVEL", "WARN");
        if (System.getProperty("org.slf4j.simpleLogger.log.io.moquette") == null) System.setProperty("org.slf4j.simpleLogger.log.io.moquette", "warn");
    }

    public int port() {
        return port;
    }

    /** {@code tcp://127.0.0.1:<port>}. */
    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        server.stopServer();
    }
}
