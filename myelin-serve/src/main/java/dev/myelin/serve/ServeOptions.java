package dev.myelin.serve;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The settings of an {@link InferenceServer}; build them with {@link #builder(Path)}.
 *
 * <pre>{@code
 * ServeOptions o = ServeOptions.builder(Path.of("models")).port(8000).token(System.getenv("MYELIN_SERVE_TOKEN")).build();
 * try (InferenceServer server = InferenceServer.start(o)) { server.awaitShutdown(); }
 * }</pre>
 *
 * @param modelsDir             the model repository: {@code DIR/<model>/<version>/model.myelin}
 * @param host                  the address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
 * @param port                  the TCP port (default 8000; 0 picks a free one, see {@link InferenceServer#port()})
 * @param token                 a bearer token every endpoint but /v2/health/* requires, or null for none
 * @param maxBodyBytes          the largest request body accepted; larger ones get 413
 * @param maxTensorElements     the most values a request's tensors may hold together; more get 413
 * @param maxConcurrentRequests inference requests handled at once (reading, queued or running); more get 503
 * @param idleTimeout           a connection that sends or takes nothing for this long is closed (a request waiting for its answer is not cut)
 * @param bodyTimeout           the time a client has to send a whole request body; slower ones get 408
 * @param pollInterval          how often the repository is scanned for new or changed versions; zero for never
 * @param drainTimeout          on shutdown or unloading, how long requests in flight may take to finish
 * @param strictReadiness       whether /v2/health/ready needs every model ready (Triton's default) rather than the server up
 * @param meterRegistry         a registry to record into (shared with other parts), or null for the server's own
 */
public record ServeOptions(Path modelsDir, String host, int port, String token, long maxBodyBytes, int maxTensorElements,
                           int maxConcurrentRequests, Duration idleTimeout, Duration bodyTimeout, Duration pollInterval,
                           Duration drainTimeout, boolean strictReadiness, PrometheusMeterRegistry meterRegistry) {

    public ServeOptions {
        if (modelsDir == null) throw new IllegalArgumentException("give the models directory");
        if (host == null || host.isBlank()) throw new IllegalArgumentException("give a host to listen on, such as 127.0.0.1 or 0.0.0.0");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be from 0 to 65535, got " + port);
        if (token != null && token.isBlank()) throw new IllegalArgumentException("the token must not be blank; leave it out for no authentication");
        if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("max body bytes must be from 1 to " + (Integer.MAX_VALUE - 8) + ", got " + maxBodyBytes);
        }
        if (maxTensorElements < 1) throw new IllegalArgumentException("max tensor elements must be at least 1, got " + maxTensorElements);
        if (maxConcurrentRequests < 1) throw new IllegalArgumentException("max concurrent requests must be at least 1, got " + maxConcurrentRequests);
        positive(idleTimeout, "idle timeout");
        positive(bodyTimeout, "body timeout");
        positive(drainTimeout, "drain timeout");
        if (pollInterval == null || pollInterval.isNegative()) throw new IllegalArgumentException("poll interval must be zero (no polling) or positive, got " + pollInterval);
    }

    private static void positive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(what + " must be positive, got " + d);
    }

    /**
     * The defaults for {@code modelsDir}: 127.0.0.1:8000, no token, 64 MiB bodies, 16 Mi values,
     * 256 requests at once, 30 s to send a body, 30 s to drain, scan every 2 s; connections idle
     * for 65 s are closed (longer than the 60 s of common load balancers and clients, so the
     * client side closes an idle kept-alive connection first).
     */
    public static Builder builder(Path modelsDir) {
        return new Builder(modelsDir);
    }

    /** Settings with defaults; {@link #build()} checks them, {@link #start()} also starts a server. */
    public static final class Builder {
        private Path modelsDir;
        private String host = "127.0.0.1";
        private int port = 8000;
        private String token;
        private long maxBodyBytes = 64L << 20;
        private int maxTensorElements = 1 << 24;
        private int maxConcurrentRequests = 256;
        private Duration idleTimeout = Duration.ofSeconds(65), bodyTimeout = Duration.ofSeconds(30);
        private Duration pollInterval = Duration.ofSeconds(2), drainTimeout = Duration.ofSeconds(30);
        private boolean strictReadiness = true;
        private PrometheusMeterRegistry meterRegistry;

        private Builder(Path modelsDir) {
            this.modelsDir = modelsDir;
        }

        public Builder modelsDir(Path dir) { this.modelsDir = dir; return this; }
        public Builder host(String h) { this.host = h; return this; }
        public Builder port(int p) { this.port = p; return this; }
        /** The bearer token, or null for none. */
        public Builder token(String t) { this.token = t; return this; }
        public Builder maxBodyBytes(long n) { this.maxBodyBytes = n; return this; }
        public Builder maxTensorElements(int n) { this.maxTensorElements = n; return this; }
        public Builder maxConcurrentRequests(int n) { this.maxConcurrentRequests = n; return this; }
        public Builder idleTimeout(Duration d) { this.idleTimeout = d; return this; }
        public Builder bodyTimeout(Duration d) { this.bodyTimeout = d; return this; }
        public Builder pollInterval(Duration d) { this.pollInterval = d; return this; }
        public Builder drainTimeout(Duration d) { this.drainTimeout = d; return this; }
        public Builder strictReadiness(boolean b) { this.strictReadiness = b; return this; }
        /** Records into this registry instead of a new one, e.g. one an MQTT bridge shares. */
        public Builder meterRegistry(PrometheusMeterRegistry r) { this.meterRegistry = r; return this; }

        public ServeOptions build() {
            return new ServeOptions(modelsDir, host, port, token, maxBodyBytes, maxTensorElements, maxConcurrentRequests,
                    idleTimeout, bodyTimeout, pollInterval, drainTimeout, strictReadiness, meterRegistry);
        }

        /** Builds the options and starts a server with them. */
        public InferenceServer start() throws IOException {
            return InferenceServer.start(build());
        }
    }

    @Override
    public String toString() {
        // never print the token
        return "ServeOptions[modelsDir=" + modelsDir + ", host=" + host + ", port=" + port + ", token=" + (token == null ? "none" : "set")
                + ", maxBodyBytes=" + maxBodyBytes + ", maxTensorElements=" + maxTensorElements + ", maxConcurrentRequests=" + maxConcurrentRequests
                + ", idleTimeout=" + idleTimeout + ", bodyTimeout=" + bodyTimeout + ", pollInterval=" + pollInterval
                + ", drainTimeout=" + drainTimeout + ", strictReadiness=" + strictReadiness + "]";
    }
}
