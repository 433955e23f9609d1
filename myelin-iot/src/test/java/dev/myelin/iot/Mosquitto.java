package dev.myelin.iot;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Mosquitto broker for a test: on a free loopback port, persistence in a temporary folder,
 * stopped (SIGTERM, so it saves its sessions) and started again on the same port by
 * {@link #restart}. The binary comes from {@code scripts/mosquitto} (which installs Debian's
 * package when it is missing and we are root); a test without it is skipped, saying why.
 */
final class Mosquitto implements AutoCloseable {
    private static String binary;
    private static String unavailable;

    private final Path dir;
    private final int port, tlsPort;
    private Process process;

    private Mosquitto(Path dir, int port, int tlsPort) {
        this.dir = dir;
        this.port = port;
        this.tlsPort = tlsPort;
    }

    /** Starts a broker, or skips the calling test when Mosquitto cannot be had. */
    static Mosquitto start() throws IOException {
        return start(null, null);
    }

    /** With a second, TLS listener ({@link #tlsPort}) serving this PEM certificate and key. */
    static Mosquitto start(Path certPem, Path keyPem) throws IOException {
        return start(certPem, keyPem, 1000);
    }

    /** With at most {@code maxInflight} unacknowledged QoS 1 messages each way per client (also its receive maximum). */
    static Mosquitto start(int maxInflight) throws IOException {
        return start(null, null, maxInflight);
    }

    private static Mosquitto start(Path certPem, Path keyPem, int maxInflight) throws IOException {
        String bin = binary();
        Path dir = Files.createTempDirectory("myelin-mosquitto-");
        int port = freePort(), tlsPort = certPem == null ? -1 : freePort();
        String user = "root".equals(System.getProperty("user.name")) ? "root" : System.getProperty("user.name");
        String conf = String.join("\n",
                "listener " + port + " 127.0.0.1",
                "allow_anonymous true",
                "persistence true",
                "persistence_location " + dir + "/",
                "user " + user,
                // many unacknowledged QoS 1 messages per client, so the bridge can batch across devices
                "max_inflight_messages " + maxInflight,
                "max_queued_messages 1000000",
                // no Nagle delay on the broker's sockets: a device's results leave one broker round trip after another
                "set_tcp_nodelay true",
                "log_dest file " + dir.resolve("mosquitto.log"),
                "log_type error",
                "log_type warning",
                "log_type notice",
                "");
        if (certPem != null) conf += String.join("\n", "listener " + tlsPort + " 127.0.0.1", "certfile " + certPem, "keyfile " + keyPem, "");
        Files.writeString(dir.resolve("mosquitto.conf"), conf, StandardCharsets.UTF_8);
        Mosquitto m = new Mosquitto(dir, port, tlsPort);
        m.launch(bin);
        return m;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    private static synchronized String binary() {
        if (binary != null) return binary;
        if (unavailable == null) {
            Path script = Path.of("").toAbsolutePath().getParent().resolve("scripts/mosquitto");
            try {
                Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(false).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0 && Files.isExecutable(Path.of(out))) {
                    binary = out;
                    return binary;
                }
                unavailable = "scripts/mosquitto could not provide a broker: " + (err.isEmpty() ? out : err);
            } catch (IOException e) {
                unavailable = "cannot run " + script + ": " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                unavailable = "interrupted while looking for mosquitto";
            }
            if (Files.isExecutable(Path.of("/usr/sbin/mosquitto"))) {
                binary = "/usr/sbin/mosquitto";
                return binary;
            }
        }
        Assumptions.abort("Skipped: no Mosquitto broker (" + unavailable + "); install it with apt-get install mosquitto");
        return null;
    }

    private void launch(String bin) throws IOException {
        process = new ProcessBuilder(bin, "-c", dir.resolve("mosquitto.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IOException("mosquitto exited at start (code " + process.exitValue() + "): " + log());
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                sleep(50);
            }
        }
        throw new IOException("mosquitto did not listen on 127.0.0.1:" + port + " within 10 s: " + log());
    }

    int port() {
        return port;
    }

    String url() {
        return "tcp://127.0.0.1:" + port;
    }

    /** The TLS listener's port, or -1 without one. */
    int tlsPort() {
        return tlsPort;
    }

    /** Stops the broker as an operator would (SIGTERM: it writes its sessions and queued messages to disk). */
    void stop() {
        if (process == null) return;
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Stops the broker and starts it again on the same port, with the sessions it saved. */
    void restart() throws IOException {
        stop();
        launch(binary());
    }

    String log() {
        StringBuilder b = new StringBuilder();
        for (String f : new String[]{"mosquitto.log", "stdout.log"}) {
            try {
                Path p = dir.resolve(f);
                if (Files.exists(p)) b.append(Files.readString(p));
            } catch (IOException e) {
                b.append("(cannot read ").append(f).append(")");
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a temp folder left behind
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
