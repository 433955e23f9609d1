package dev.myelin.serve;

import dev.myelin.nn.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.myelin.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Many clients at once, each on its own new connection: every request gets an HTTP answer, 200
 * or (over the concurrent-request limit) 503 with Retry-After; none is closed unanswered.
 * Raw sockets, so an early close or a reset shows as what it is.
 */
@Timeout(120)
class ManyConnectionsTest {
    static final int CLIENTS = 300;

    @Test
    void threeHundredConcurrentConnectionsAllGetAnAnswer(@TempDir Path repo) throws Exception {
        Model mlp = mlp(1);
        save(mlp, repo, "m", 1);
        config(repo, "m", "{\"max_batch_size\": 64, \"max_queue_delay_ms\": 5, \"max_queue_size\": 4096}");
        // a limit below the number of clients: the ones over it must be answered 503, not dropped
        try (InferenceServer server = InferenceServer.builder(repo).port(0).pollInterval(Duration.ZERO).maxConcurrentRequests(64).start()) {
            // a body large enough to arrive in several packets, sent in two writes with a pause, so a
            // server answering before it read the body (503) and closing would reset the connection
            StringBuilder json = new StringBuilder("{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 4], \"datatype\": \"FP32\", \"data\": [5.1, 3.5, 1.4, 0.2]}],"
                    + " \"parameters\": {\"padding\": \"");
            json.append("x".repeat(200_000)).append("\"}}");
            byte[] body = utf8(json.toString());
            Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
            for (int round = 0; round < 2; round++) {
                CountDownLatch go = new CountDownLatch(1);
                List<Thread> ts = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    ts.add(Thread.ofVirtual().start(() -> {
                        String outcome;
                        try {
                            go.await();
                            outcome = exchange(server.port(), body);
                        } catch (IOException | InterruptedException e) {
                            outcome = "no answer: " + e;
                        }
                        outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
                    }));
                }
                go.countDown();
                for (Thread t : ts) t.join();
            }
            Map<String, Integer> seen = new TreeMap<>();
            outcomes.forEach((k, v) -> seen.put(k, v.get()));
            int answered = seen.getOrDefault("200", 0) + seen.getOrDefault("503 Retry-After", 0);
            assertEquals(2 * CLIENTS, answered, "every request answered 200 or 503 with Retry-After: " + seen);
            assertTrue(seen.getOrDefault("200", 0) >= 64, "at least the requests within the limit were served: " + seen);
        }
    }

    /** One request on a new connection; "200", "503 Retry-After" (a 503 with the header), or another status line. */
    private static String exchange(int port, byte[] body) throws IOException, InterruptedException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v2/models/m/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            int half = body.length / 2;
            out.write(body, 0, half);
            out.flush();
            Thread.sleep(20);
            out.write(body, half, body.length - half);
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            in.transferTo(got);
            String text = got.toString(StandardCharsets.ISO_8859_1);
            if (text.isEmpty()) return "no answer: closed with no bytes";
            String status = text.substring(0, Math.max(0, text.indexOf("\r\n")));
            int headEnd = text.indexOf("\r\n\r\n");
            if (headEnd < 0) return "no answer: incomplete head";
            if (status.startsWith("HTTP/1.1 200")) return text.contains("\"outputs\"") ? "200" : "200 without outputs";
            if (status.startsWith("HTTP/1.1 503")) return text.substring(0, headEnd).toLowerCase().contains("retry-after: 1") ? "503 Retry-After" : "503 without Retry-After";
            return status;
        }
    }
}
