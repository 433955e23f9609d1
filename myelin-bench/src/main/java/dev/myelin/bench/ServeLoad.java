package dev.myelin.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A load generator for one KServe v2 infer endpoint: {@code java.net.http.HttpClient} on virtual
 * threads, request bodies in the binary tensor data extension encoded once up front (so the
 * client spends its time on HTTP, not on printing floats), answers asked for as binary too.
 *
 * <pre>{@code
 * try (ServeLoad load = new ServeLoad(uri, bodies)) {
 *     ServeLoad.Stats s = load.closedLoop(64, warmNanos, measureNanos, null, null);
 * }
 * }</pre>
 *
 * <p>Closed loop: C clients, each sending its next request when the previous one is answered;
 * open loop: requests sent at Poisson arrival times whatever the answers do, latency counted from
 * the scheduled send time (so a stalled client or server is not hidden: no coordinated omission).
 * Only requests answered inside the measured window count, for the rate and the latencies.
 */
final class ServeLoad implements AutoCloseable {
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Open loop: requests in flight beyond this are not sent but counted as dropped, so an overloaded server cannot make the generator pile up threads without bound. */
    static final int OPEN_LOOP_MAX_IN_FLIGHT = 4096;

    /** What a run measured; latencies in milliseconds. */
    record Stats(int clients, double seconds, long ok, long errors, long dropped, double rps, double p50Ms, double p99Ms, String firstError) {
        String describe() {
            return String.format(Locale.ROOT, "%.1f req/s, p50 %.2f ms, p99 %.2f ms (%d answered in %.1f s, %d errors%s%s)",
                    rps, p50Ms, p99Ms, ok, seconds, errors, dropped > 0 ? ", " + dropped + " not sent" : "",
                    firstError != null ? "; first: " + firstError : "");
        }
    }

    /** One request body: the JSON header's byte length and the whole body. */
    record Body(int jsonLength, byte[] bytes) {}

    private final HttpClient http;
    private final ExecutorService httpExecutor;
    private final List<HttpRequest> requests;

    ServeLoad(URI inferUri, List<Body> bodies) {
        if (bodies.isEmpty()) throw new IllegalArgumentException("give at least one request body");
        httpExecutor = Executors.newVirtualThreadPerTaskExecutor();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(httpExecutor)
                .connectTimeout(REQUEST_TIMEOUT).build();
        requests = new ArrayList<>();
        for (Body b : bodies) {
            requests.add(HttpRequest.newBuilder(inferUri).timeout(REQUEST_TIMEOUT)
                    .header("Content-Type", "application/octet-stream")
                    .header(HEADER_LENGTH, Integer.toString(b.jsonLength()))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(b.bytes())).build());
        }
    }

    /**
     * One FP32 input of {@code shape} in the binary tensor data extension, outputs asked for as
     * binary: {@code {"inputs":[{..."parameters":{"binary_data_size":N}}],"parameters":{"binary_data_output":true}}}
     * followed by the N little-endian bytes of {@code values}.
     */
    static Body binaryBody(String inputName, int[] shape, float[] values) {
        StringBuilder shp = new StringBuilder();
        for (int i = 0; i < shape.length; i++) shp.append(i == 0 ? "" : ",").append(shape[i]);
        String json = "{\"inputs\":[{\"name\":\"" + inputName + "\",\"shape\":[" + shp + "],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + 4L * values.length + "}}],\"parameters\":{\"binary_data_output\":true}}";
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(head.length + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(head);
        for (float v : values) buf.putFloat(v);
        return new Body(head.length, buf.array());
    }

    /**
     * {@code clients} closed-loop clients for {@code warmNanos + measureNanos}; {@code atMeasureStart}
     * and {@code atMeasureEnd} (may be null) run on the calling thread at the window's edges, e.g. to
     * read the server's counters.
     */
    Stats closedLoop(int clients, long warmNanos, long measureNanos, Runnable atMeasureStart, Runnable atMeasureEnd) throws InterruptedException {
        long start = System.nanoTime(), measureStart = start + warmNanos, end = measureStart + measureNanos;
        LongList[] lat = new LongList[clients];
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            LongList mine = lat[c] = new LongList();
            int offset = c;
            threads.add(Thread.ofVirtual().name("bench-serve-client-" + c).start(() -> {
                for (int i = offset; ; i++) {
                    long t0 = System.nanoTime();
                    if (t0 >= end) break;
                    boolean ok = send(requests.get(i % requests.size()), errors, firstError);
                    long t1 = System.nanoTime();
                    if (ok && t1 >= measureStart && t1 < end) mine.add(t1 - t0);
                    if (!ok) LockSupport.parkNanos(1_000_000L);   // a failing server is not hammered in a tight loop
                }
            }));
        }
        sleepUntil(measureStart);
        if (atMeasureStart != null) atMeasureStart.run();
        sleepUntil(end);
        if (atMeasureEnd != null) atMeasureEnd.run();
        for (Thread t : threads) t.join();
        return stats(clients, measureNanos, LongList.concat(lat), errors.get(), 0, firstError.get());
    }

    /**
     * Requests at {@code rate} per second with exponential gaps (a Poisson process, fixed seed)
     * for {@code warmNanos + measureNanos}; each latency runs from the scheduled send time.
     */
    Stats openLoop(double rate, long warmNanos, long measureNanos) throws InterruptedException {
        long start = System.nanoTime(), measureStart = start + warmNanos, end = measureStart + measureNanos;
        LongList lat = new LongList();
        AtomicLong errors = new AtomicLong(), dropped = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        Semaphore inFlight = new Semaphore(OPEN_LOOP_MAX_IN_FLIGHT);
        SplittableRandom rnd = new SplittableRandom(2024);
        double meanGapNanos = 1e9 / rate;
        double next = start;
        int i = 0;
        while (true) {
            next += -Math.log(1 - rnd.nextDouble()) * meanGapNanos;
            long scheduled = (long) next;
            if (scheduled >= end) break;
            sleepUntil(scheduled);
            if (!inFlight.tryAcquire()) {
                dropped.incrementAndGet();
                continue;
            }
            HttpRequest req = requests.get(i++ % requests.size());
            Thread.ofVirtual().start(() -> {
                try {
                    boolean ok = send(req, errors, firstError);
                    long t1 = System.nanoTime();
                    if (ok && t1 >= measureStart && t1 < end) {
                        synchronized (lat) {
                            lat.add(t1 - scheduled);
                        }
                    }
                } finally {
                    inFlight.release();
                }
            });
        }
        sleepUntil(end);
        // let the requests in flight finish before the next run starts (they are not counted)
        if (inFlight.tryAcquire(OPEN_LOOP_MAX_IN_FLIGHT, REQUEST_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS)) inFlight.release(OPEN_LOOP_MAX_IN_FLIGHT);
        long[] all;
        synchronized (lat) {
            all = lat.toArray();
        }
        return stats(0, measureNanos, all, errors.get(), dropped.get(), firstError.get());
    }

    private boolean send(HttpRequest req, AtomicLong errors, AtomicReference<String> firstError) {
        try {
            HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 200) return true;
            errors.incrementAndGet();
            firstError.compareAndSet(null, "HTTP " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            errors.incrementAndGet();
        } catch (Exception e) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, e.toString());
        }
        return false;
    }

    private static Stats stats(int clients, long measureNanos, long[] latNanos, long errors, long dropped, String firstError) {
        Arrays.sort(latNanos);
        double seconds = measureNanos / 1e9;
        return new Stats(clients, seconds, latNanos.length, errors, dropped, latNanos.length / seconds,
                percentile(latNanos, 0.50) / 1e6, percentile(latNanos, 0.99) / 1e6, firstError);
    }

    /** Nearest rank: the smallest value with at least {@code q} of the values at or below it; NaN when empty. */
    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.clamp(rank - 1, 0, sorted.length - 1)];
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            if (left > 2_000_000L) Thread.sleep(Duration.ofNanos(left - 1_000_000L));
            else LockSupport.parkNanos(left);
            if (Thread.interrupted()) throw new InterruptedException();
        }
    }

    @Override
    public void close() {
        http.close();
        httpExecutor.close();
    }

    /** A growable array of longs (latencies), one per client so clients never contend. */
    private static final class LongList {
        private long[] a = new long[1024];
        private int n;

        void add(long v) {
            if (n == a.length) a = Arrays.copyOf(a, 2 * n);
            a[n++] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(a, n);
        }

        static long[] concat(LongList[] lists) {
            int total = 0;
            for (LongList l : lists) total += l.n;
            long[] out = new long[total];
            int pos = 0;
            for (LongList l : lists) {
                System.arraycopy(l.a, 0, out, pos, l.n);
                pos += l.n;
            }
            return out;
        }
    }
}
