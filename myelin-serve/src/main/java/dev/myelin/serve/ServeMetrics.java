package dev.myelin.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The server's meters, in one Micrometer registry that {@code /metrics} shows in Prometheus text
 * format (and that other parts, such as an MQTT bridge, may share through
 * {@link InferenceServer#meterRegistry()}). Names as Prometheus shows them:
 * <ul>
 * <li>{@code myelin_serve_inference_requests_total{model,version}}; {@code myelin_serve_inference_failures_total{model,version,status}}</li>
 * <li>{@code myelin_serve_inference_queue_seconds}, {@code myelin_serve_inference_compute_seconds} (per batch),
 *     {@code myelin_serve_inference_request_seconds} (arrival to answer): histograms by model and version</li>
 * <li>{@code myelin_serve_inference_batch_size}: histogram of rows per model call; {@code myelin_serve_inference_queue_depth}: gauge</li>
 * <li>{@code myelin_serve_model_load_seconds{model,version,outcome}}</li>
 * <li>{@code myelin_serve_http_requests_total{endpoint,status}}</li>
 * </ul>
 */
final class ServeMetrics {
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};
    private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

    private final MeterRegistry registry;
    /** By endpoint, then status: looked up without building a key string per request. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<Integer, Counter>> httpCounters = new ConcurrentHashMap<>();

    /** Records into {@code registry}, or into a new Prometheus registry when null. */
    ServeMetrics(MeterRegistry registry) {
        this.registry = registry != null ? registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    MeterRegistry meterRegistry() {
        return registry;
    }

    /** The registry as a Prometheus one, for /metrics (the server always makes or takes one). */
    PrometheusMeterRegistry registry() {
        if (registry instanceof PrometheusMeterRegistry p) return p;
        throw new IllegalStateException("these metrics record into a " + registry.getClass().getSimpleName() + ", not a PrometheusMeterRegistry");
    }

    /** One answered HTTP request; {@code endpoint} is from a fixed set, so the label stays small. */
    void http(String endpoint, int status) {
        httpCounters.computeIfAbsent(endpoint, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(status, st -> Counter.builder("myelin.serve.http.requests")
                        .description("HTTP requests answered, by endpoint and status")
                        .tags("endpoint", endpoint, "status", Integer.toString(st))
                        .register(registry)).increment();
    }

    /** A failed request for a known model whose version was not resolved (unknown version, not ready). */
    void unresolvedFailure(String model, int status) {
        Counter.builder("myelin.serve.inference.failures").description("Inference requests answered with an error, by status")
                .tags("model", model, "version", "none", "status", Integer.toString(status)).register(registry).increment();
    }

    void modelLoad(String model, long version, long nanos, boolean ok) {
        Timer.builder("myelin.serve.model.load").description("Time to load a model version (all its instances and the warm-up run)")
                .tags("model", model, "version", Long.toString(version), "outcome", ok ? "loaded" : "failed")
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Meters by model and version, shared by the loads of one version that overlap (a reload beside the old one). */
    private final Map<String, VersionMeters> versions = new HashMap<>();

    /**
     * The meters of one model version, counting {@code queueDepth} into its queue-depth gauge;
     * {@link #release} with the same supplier when that load is unloaded. The meters leave the
     * registry when the last load of the version is released.
     */
    synchronized VersionMeters version(String model, long version, Supplier<Number> queueDepth) {
        VersionMeters m = versions.computeIfAbsent(model + "/" + version, k -> new VersionMeters(model, Long.toString(version)));
        m.depthSources.add(queueDepth);
        m.users++;
        return m;
    }

    synchronized void release(VersionMeters m, Supplier<Number> queueDepth) {
        m.depthSources.remove(queueDepth);
        if (--m.users > 0) return;
        versions.remove(m.key);
        m.closed = true;
        for (Meter meter : m.meters) registry.remove(meter);
        m.meters.clear();
    }

    final class VersionMeters {
        private final String key;
        private final Tags tags;
        final Counter requests;
        final Timer queue, compute, total;
        final DistributionSummary batchSize;
        private final List<Meter> meters = new CopyOnWriteArrayList<>();
        private final List<Supplier<Number>> depthSources = new CopyOnWriteArrayList<>();
        private final ConcurrentHashMap<Integer, Counter> failures = new ConcurrentHashMap<>();
        private int users;
        private volatile boolean closed;

        private VersionMeters(String model, String version) {
            MeterRegistry r = registry;
            key = model + "/" + version;
            tags = Tags.of("model", model, "version", version);
            requests = add(Counter.builder("myelin.serve.inference.requests").description("Inference requests received").tags(tags).register(r));
            queue = add(latency("myelin.serve.inference.queue", "Time from queueing to the start of the model call").register(r));
            compute = add(latency("myelin.serve.inference.compute", "Time of one model call (one batch)").register(r));
            total = add(latency("myelin.serve.inference.request", "Time from the request's arrival to its answer").register(r));
            batchSize = add(DistributionSummary.builder("myelin.serve.inference.batch.size").description("Rows per model call")
                    .serviceLevelObjectives(BATCH_BUCKETS).tags(tags).register(r));
            add(Gauge.builder("myelin.serve.inference.queue.depth", this, VersionMeters::depth).description("Requests waiting for a model call")
                    .tags(tags).register(r));
        }

        private double depth() {
            double d = 0;
            for (Supplier<Number> s : depthSources) d += s.get().doubleValue();
            return d;
        }

        private Timer.Builder latency(String name, String description) {
            return Timer.builder(name).description(description).serviceLevelObjectives(LATENCY_BUCKETS).tags(tags);
        }

        private <M extends Meter> M add(M meter) {
            meters.add(meter);
            return meter;
        }

        void failure(int status) {
            if (closed) return;   // a request that outlived its version's unloading
            failures.computeIfAbsent(status, s -> add(Counter.builder("myelin.serve.inference.failures")
                    .description("Inference requests answered with an error, by status")
                    .tags(tags).tag("status", Integer.toString(s)).register(registry))).increment();
        }
    }
}
