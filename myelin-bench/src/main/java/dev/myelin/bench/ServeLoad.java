package dev.myelin.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A load generator for one KServe v2 infer endpoint, request bodies in the binary tensor data
 * extension encoded once up front (so the client spends its time on HTTP, not on printing
 * floats), answers asked for as binary too. Two clients ({@code -Dbench.serve.client}):
 * <ul>
 * <li>{@code socket} (default): a lean HTTP/1.1 keep-alive client, one blocking socket per
 *     closed-loop client on a virtual thread, writing the prepared request bytes and reading the
 *     status line, the headers and Content-Length bytes of body, as load generators such as wrk
 *     or Triton's perf_analyzer do. The generator shares the server's cores, so a lean one leaves
 *     them to the server.</li>
 * <li>{@code jdk}: {@code java.net.http.HttpClient} on virtual threads, a full client whose own
 *     CPU cost (several times the socket client's) is counted against the server here.</li>
 * </ul>
 *
 * <pre>{@code
 * try (ServeLoad load = new ServeLoad(uri, bodies)) {
 *     ServeLoad.Stats s = load.closedLoop(64, warmNanos, measureNanos, null, null);
 * }
 * }</pre>
 *
 * <p>Closed loop: C clients, each sending its next request when the previous one is answered;
 * open loop: requests sent at a fixed rate (evenly spaced, or Poisson arrivals with
 * {@code -Dbench.serve.arrivals=poisson}) whatever the answers do, latency counted from
 * the scheduled send time (so a stalled client or server is not hidden: no coordinated omission).
 * Only requests answered inside the measured window count, for the rate and the latencies.
 */
final class ServeLoad implements AutoCloseable {
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Open loop: requests in flight beyond this are not sent but counted as dropped, so an overloaded server cannot make the generator pile up threads without bound. */
    static final int OPEN_LOOP_MAX_IN_FLIGHT = 4096;

    /**
     * What a run measured; latencies in milliseconds. {@code lagP99Ms}, {@code lagMaxMs} (open
     * loop only, else NaN): how late requests started their send against their scheduled time
     * (the dispatcher's sleep and the virtual thread's start); a large lag means the generator's
     * process did not get a core, which the latencies (counted from the scheduled time) include.
     */
    record Stats(int clients, double seconds, long ok, long errors, long dropped, double rps, double p50Ms, double p99Ms, String firstError,
                 double lagP99Ms, double lagMaxMs) {
        String describe() {
            return String.format(Locale.ROOT, "%.1f req/s, p50 %.2f ms, p99 %.2f ms (%d answered in %.1f s, %d errors%s%s%s)",
                    rps, p50Ms, p99Ms, ok, seconds, errors, dropped > 0 ? ", " + dropped + " not sent" : "",
                    Double.isNaN(lagP99Ms) ? "" : String.format(Locale.ROOT, "; send lag p99 %.2f ms, max %.1f ms", lagP99Ms, lagMaxMs),
                    firstError != null ? "; first: " + firstError : "");
        }
    }

    /** One request body: the JSON header's byte length and the whole body. */
    record Body(int jsonLength, byte[] bytes) {}

    /** Which client sends the requests: "socket" (lean HTTP/1.1) or "jdk" (java.net.http). */
    static final String CLIENT = System.getProperty("bench.serve.client", "socket");

    private final HttpClient http;
    private final ExecutorService httpExecutor;
    private final List<HttpRequest> requests;
    /** The socket client: each request's whole HTTP/1.1 message, and the idle connections. */
    private final URI uri;
    private final List<byte[]> messages;
    private final ConcurrentLinkedDeque<Conn> idle = new ConcurrentLinkedDeque<>();
    /**
     * Connections in use at most, as a client's connection pool bounds them: an open loop's
     * requests beyond it wait for a connection (their latency still counts from the scheduled
     * send time), instead of opening thousands of connections while the server is slow.
     */
    static final int MAX_CONNECTIONS = Integer.getInteger("bench.serve.max_connections", 256);
    private final Semaphore connections = new Semaphore(MAX_CONNECTIONS);
    private final Set<Conn> open = ConcurrentHashMap.newKeySet();

    ServeLoad(URI inferUri, List<Body> bodies) {
        if (bodies.isEmpty()) throw new IllegalArgumentException("give at least one request body");
        if (!CLIENT.equals("socket") && !CLIENT.equals("jdk")) throw new IllegalArgumentException("bench.serve.client must be socket or jdk, got " + CLIENT);
        uri = inferUri;
        requests = new ArrayList<>();
        messages = new ArrayList<>();
        if (CLIENT.equals("jdk")) {
            httpExecutor = Executors.newVirtualThreadPerTaskExecutor();
            http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(httpExecutor)
                    .connectTimeout(REQUEST_TIMEOUT).build();
            for (Body b : bodies) {
                requests.add(HttpRequest.newBuilder(inferUri).timeout(REQUEST_TIMEOUT)
                        .header("Content-Type", "application/octet-stream")
                        .header(HEADER_LENGTH, Integer.toString(b.jsonLength()))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(b.bytes())).build());
            }
        } else {
            httpExecutor = null;
            http = null;
            for (Body b : bodies) {
                byte[] head = ("POST " + inferUri.getRawPath() + " HTTP/1.1\r\nHost: " + inferUri.getHost() + ":" + inferUri.getPort()
                        + "\r\nContent-Type: application/octet-stream\r\n" + HEADER_LENGTH + ": " + b.jsonLength()
                        + "\r\nContent-Length: " + b.bytes().length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                byte[] msg = Arrays.copyOf(head, head.length + b.bytes().length);
                System.arraycopy(b.bytes(), 0, msg, head.length, b.bytes().length);
                messages.add(msg);
            }
        }
    }

    private int count() {
        return http != null ? requests.size() : messages.size();
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
        if (clients > MAX_CONNECTIONS) connections.release(clients - MAX_CONNECTIONS);   // one connection per closed-loop client
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
                    boolean ok = send(i % count(), errors, firstError);
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
        return stats(clients, measureNanos, LongList.concat(lat), errors.get(), 0, firstError.get(), null);
    }

    /** Open-loop arrivals: "fixed" (evenly spaced, the default) or "poisson" (exponential gaps, fixed seed). */
    static final String ARRIVALS = System.getProperty("bench.serve.arrivals", "fixed");

    /**
     * Requests at {@code rate} per second (see {@link #ARRIVALS}) for {@code warmNanos + measureNanos};
     * each latency runs from the scheduled send time. The measured requests are those scheduled
     * inside the window, answered whenever they are (a request scheduled near the window's end
     * and answered after it still counts: counting by answer time would drop the slowest ones);
     * the rate is those answered over the window's length.
     */
    Stats openLoop(double rate, long warmNanos, long measureNanos) throws InterruptedException {
        long start = System.nanoTime(), measureStart = start + warmNanos, end = measureStart + measureNanos;
        LongList lat = new LongList(), lag = new LongList();
        AtomicLong errors = new AtomicLong(), dropped = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        Semaphore inFlight = new Semaphore(OPEN_LOOP_MAX_IN_FLIGHT);
        SplittableRandom rnd = new SplittableRandom(2024);
        double meanGapNanos = 1e9 / rate;
        double next = start;
        int i = 0;
        while (true) {
            next += ARRIVALS.equals("poisson") ? -Math.log(1 - rnd.nextDouble()) * meanGapNanos : meanGapNanos;
            long scheduled = (long) next;
            if (scheduled >= end) break;
            sleepUntil(scheduled);
            boolean measured = scheduled >= measureStart;
            if (!inFlight.tryAcquire()) {
                if (measured) dropped.incrementAndGet();
                continue;
            }
            int req = i++ % count();
            Thread.ofVirtual().start(() -> {
                try {
                    long t0 = System.nanoTime();
                    boolean ok = send(req, errors, firstError);
                    long t1 = System.nanoTime();
                    if (ok && measured) {
                        synchronized (lat) {
                            lat.add(t1 - scheduled);
                            lag.add(t0 - scheduled);
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
        long[] all, lags;
        synchronized (lat) {
            all = lat.toArray();
            lags = lag.toArray();
        }
        return stats(0, measureNanos, all, errors.get(), dropped.get(), firstError.get(), lags);
    }

    /** Sends request {@code index}; true for a 200, else counts the error (status and body, or the exception). */
    private boolean send(int index, AtomicLong errors, AtomicReference<String> firstError) {
        if (http == null) return sendSocket(index, errors, firstError);
        try {
            HttpResponse<byte[]> r = http.send(requests.get(index), HttpResponse.BodyHandlers.ofByteArray());
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

    /**
     * One exchange on an idle kept-alive connection, or a new one. A failure is counted, never
     * retried: a connection closed without an answer is an error of the server under test.
     */
    private boolean sendSocket(int index, AtomicLong errors, AtomicReference<String> firstError) {
        try {
            connections.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            errors.incrementAndGet();
            return false;
        }
        try {
            return exchange(index, errors, firstError);
        } finally {
            connections.release();
        }
    }

    private boolean exchange(int index, AtomicLong errors, AtomicReference<String> firstError) {
        Conn c = idle.pollFirst();
        try {
            if (c == null) c = new Conn(uri);
            int status = c.exchange(messages.get(index));
            if (c.reusable) idle.addFirst(c);
            else c.close();
            if (status == 200) return true;
            errors.incrementAndGet();
            firstError.compareAndSet(null, "HTTP " + status + ": " + new String(c.body, 0, Math.min(c.bodyLength, 500), StandardCharsets.UTF_8));
        } catch (IOException e) {
            if (c != null) c.close();
            errors.incrementAndGet();
            firstError.compareAndSet(null, e.toString());
        }
        return false;
    }

    /** A kept-alive HTTP/1.1 connection with blocking I/O: write a whole request, read a whole answer. */
    private final class Conn implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        /** Bytes read and not yet used: buf[pos, lim). */
        byte[] buf = new byte[16384];
        int pos, lim;
        byte[] body = new byte[4096];
        int bodyLength;
        boolean reusable;

        Conn(URI u) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(u.getHost(), u.getPort()), (int) REQUEST_TIMEOUT.toMillis());
            socket.setSoTimeout((int) REQUEST_TIMEOUT.toMillis());
            in = socket.getInputStream();
            out = socket.getOutputStream();
            open.add(this);
        }

        /** Writes the message, reads the answer's head and its Content-Length bytes; the status. */
        int exchange(byte[] message) throws IOException {
            out.write(message);
            // the head: up to the empty line
            int end;
            int scanned = pos;
            while ((end = headEnd(scanned)) < 0) {
                scanned = Math.max(pos, lim - 3);
                if (pos > 0) {
                    System.arraycopy(buf, pos, buf, 0, lim - pos);
                    scanned -= pos;
                    lim -= pos;
                    pos = 0;
                }
                if (lim == buf.length) buf = Arrays.copyOf(buf, 2 * buf.length);
                int n = in.read(buf, lim, buf.length - lim);
                if (n < 0) {
                    throw new IOException(lim == 0 ? "the server closed the connection without an answer" : "the answer's head was cut off after " + lim + " bytes");
                }
                lim += n;
            }
            String text = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
            pos = end;
            if (!text.startsWith("HTTP/1.1 ") || text.length() < 12) throw new IOException("not an HTTP/1.1 answer: " + text.lines().findFirst().orElse(""));
            int status = Integer.parseInt(text.substring(9, 12));
            int length = -1;
            reusable = true;
            for (String line : text.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon < 0) continue;
                String name = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) length = Integer.parseInt(value);
                else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) reusable = false;
                else if (name.equalsIgnoreCase("Transfer-Encoding")) throw new IOException("chunked answers are not read by this client: " + value);
            }
            if (length < 0) throw new IOException("the answer has no Content-Length");
            if (body.length < length) body = new byte[Math.max(length, 2 * body.length)];
            int have = Math.min(length, lim - pos);
            System.arraycopy(buf, pos, body, 0, have);
            pos += have;
            if (have < length && in.readNBytes(body, have, length - have) < length - have) {
                throw new IOException("the answer's body was cut off: expected " + length + " bytes");
            }
            bodyLength = length;
            return status;
        }

        /** The index just after the first CRLFCRLF in buf[from, lim), or -1. */
        private int headEnd(int from) {
            for (int i = Math.max(from, pos); i + 3 < lim; i++) {
                if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') return i + 4;
            }
            return -1;
        }

        @Override
        public void close() {
            open.remove(this);
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** {@code lagNanos}: the open loop's send lags, or null. */
    private static Stats stats(int clients, long measureNanos, long[] latNanos, long errors, long dropped, String firstError, long[] lagNanos) {
        Arrays.sort(latNanos);
        double lagP99 = Double.NaN, lagMax = Double.NaN;
        if (lagNanos != null && lagNanos.length > 0) {
            Arrays.sort(lagNanos);
            lagP99 = percentile(lagNanos, 0.99) / 1e6;
            lagMax = lagNanos[lagNanos.length - 1] / 1e6;
        }
        double seconds = measureNanos / 1e9;
        return new Stats(clients, seconds, latNanos.length, errors, dropped, latNanos.length / seconds,
                percentile(latNanos, 0.50) / 1e6, percentile(latNanos, 0.99) / 1e6, firstError, lagP99, lagMax);
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
        if (http != null) {
            http.close();
            httpExecutor.close();
        }
        for (Conn c : List.copyOf(open)) c.close();
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
