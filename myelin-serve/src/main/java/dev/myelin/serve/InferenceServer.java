package dev.myelin.serve;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An inference server for a folder of Myelin models on the KServe v2 (Open Inference) REST
 * protocol, with dynamic batching, hot reload of new versions and Prometheus metrics. See
 * {@link HttpApi} for the endpoints, {@link ModelRepository} for the folder layout,
 * {@link ModelConfig} for per-model settings and {@link ServeMetrics} for the metrics.
 *
 * <pre>{@code
 * try (InferenceServer server = InferenceServer.builder(Path.of("models")).port(8000).start()) {
 *     server.awaitShutdown();          // until stop() or close(), e.g. from a shutdown hook
 * }
 * }</pre>
 *
 * <p>HTTP is Jetty 12 (core API, no servlets) with requests handled on virtual threads; model
 * calls run on one platform thread per model instance. {@link #stop} is graceful: it stops
 * accepting connections, lets the requests in flight finish (up to the drain timeout), then
 * unloads the models.
 */
public final class InferenceServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(InferenceServer.class.getName());

    /** Connections the kernel may hold completed but not yet accepted. */
    static final int ACCEPT_QUEUE = 1024;

    private final ServeOptions options;
    private final ServeMetrics metrics;
    private final ModelRepository repository;
    private final HttpApi api;
    private final Server jetty;
    private final ServerConnector connector;
    private final ScheduledExecutorService poller;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object stopLock = new Object();
    private boolean stopping;

    private InferenceServer(ServeOptions options) {
        this.options = options;
        this.metrics = new ServeMetrics(options.meterRegistry());
        if (options.meterRegistry() == null) {
            PrometheusMeterRegistry r = metrics.registry();
            new JvmMemoryMetrics().bindTo(r);
            new JvmThreadMetrics().bindTo(r);
            new ClassLoaderMetrics().bindTo(r);
            new ProcessorMetrics().bindTo(r);
            new UptimeMetrics().bindTo(r);
        }
        this.repository = new ModelRepository(options.modelsDir(), metrics, options.drainTimeout());
        this.api = new HttpApi(options, repository, metrics);

        QueuedThreadPool threads = new QueuedThreadPool(32, 4);
        threads.setName("myelin-serve-http");
        threads.setDaemon(true);
        threads.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("myelin-serve-request-", 0).factory()));
        jetty = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        connector = new ServerConnector(jetty, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setIdleTimeout(options.idleTimeout().toMillis());
        // The listen backlog: Java's default of 50 overflows when a few hundred clients connect at
        // once, and the kernel then drops handshakes, which clients see as 1 s and 3 s stalls
        // (SYN retransmits) or, when a dropped handshake is half-open, as connections that close
        // without an answer. Linux caps it at net.core.somaxconn.
        connector.setAcceptQueueSize(ACCEPT_QUEUE);
        jetty.addConnector(connector);
        jetty.setHandler(new GracefulHandler(api) {
            @Override
            protected void handleShutdownRejection(Request request, Response response, Callback callback) {
                response.setStatus(503);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.getHeaders().put("Retry-After", "1");
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
                response.write(true, ByteBuffer.wrap(Wire.error("the server is shutting down")), callback);
            }
        });
        jetty.setStopTimeout(options.drainTimeout().toMillis());
        jetty.setStopAtShutdown(false);
        poller = options.pollInterval().isZero() ? null
                : Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("myelin-serve-repository").factory());
    }

    /**
     * Starts listening, loads every model of the repository (a model that fails is reported and
     * marked not ready), then scans for changes every poll interval. Returns once the first scan
     * is done. Throws if the folder is missing or the port cannot be bound.
     */
    public static InferenceServer start(ServeOptions options) throws IOException {
        Path dir = options.modelsDir();
        if (!Files.isDirectory(dir)) throw new IOException("the models directory " + dir.toAbsolutePath() + " does not exist or is not a directory");
        InferenceServer s = new InferenceServer(options);
        try {
            s.jetty.start();
        } catch (Exception e) {
            s.stop();
            if (e instanceof IOException io) throw new IOException("cannot listen on " + options.host() + ":" + options.port() + ": " + io.getMessage(), io);
            throw new IOException("the HTTP server did not start: " + e.getMessage(), e);
        }
        try {
            s.repository.scan(true);
        } catch (IOException e) {
            s.stop();
            throw new IOException("cannot read the models directory " + dir + ": " + e.getMessage(), e);
        }
        if (s.poller != null) {
            long ms = options.pollInterval().toMillis();
            s.poller.scheduleWithFixedDelay(s::poll, ms, ms, TimeUnit.MILLISECONDS);
        }
        LOG.log(System.Logger.Level.INFO, "serving " + s.repository.names().size() + " model(s) from " + dir + " at " + s.uri());
        return s;
    }

    /** Options with defaults for {@code modelsDir}; finish with {@code .start()}. */
    public static ServeOptions.Builder builder(Path modelsDir) {
        return ServeOptions.builder(modelsDir);
    }

    private void poll() {
        try {
            repository.scan(false);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "scanning " + options.modelsDir() + " failed: " + e.getMessage());
        }
    }

    /** Scans the repository now (as the poller does), for a caller that just added or changed a version. */
    public void rescan() throws IOException {
        repository.scan(false);
    }

    /** The port listened on (the one picked when the options said 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The base address, such as {@code http://127.0.0.1:8000}. */
    public URI uri() {
        String host = options.host().equals("0.0.0.0") ? "127.0.0.1" : options.host();
        if (host.contains(":")) host = "[" + host + "]";
        return URI.create("http://" + host + ":" + port());
    }

    public ServeOptions options() {
        return options;
    }

    /** The server's meters, for a {@link Batcher} built with {@code .server(this)}. */
    ServeMetrics metrics() {
        return metrics;
    }

    /** The registry the server records into and /metrics shows; register more meters into it to have them shown too. */
    public PrometheusMeterRegistry meterRegistry() {
        return metrics.registry();
    }

    /**
     * Stops gracefully: reports not ready, stops scanning and accepting connections, lets the
     * requests in flight finish (up to the drain timeout), then unloads every model. Safe to call
     * more than once and from a shutdown hook.
     */
    public void stop() {
        synchronized (stopLock) {
            if (stopping) {
                awaitQuietly();
                return;
            }
            stopping = true;
        }
        try {
            api.stopping();
            if (poller != null) {
                poller.shutdown();
                try {
                    if (!poller.awaitTermination(options.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)) poller.shutdownNow();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                jetty.stop();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "stopping the HTTP server: " + e.getMessage(), e);
            }
            repository.close();
            LOG.log(System.Logger.Level.INFO, "inference server stopped");
        } finally {
            stopped.countDown();
        }
    }

    private void awaitQuietly() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Blocks until the server has stopped. */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        stop();
    }
}
