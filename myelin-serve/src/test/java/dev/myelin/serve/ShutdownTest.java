package dev.myelin.serve;

import dev.myelin.nn.Model;
import io.micrometer.core.instrument.Gauge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.myelin.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** Stopping while requests wait in the queue: every one of them is answered, then the port closes. */
@Timeout(60)
class ShutdownTest {
    @Test
    void inFlightRequestsFinishBeforeTheServerStops(@TempDir Path repo) throws Exception {
        Model mlp = mlp(1);
        save(mlp, repo, "m", 1);
        // the batch waits 1.5 s for company, so all requests are in flight when stop() begins
        config(repo, "m", "{\"max_queue_delay_ms\": 1500, \"max_batch_size\": 64, \"early_dispatch\": false}");
        InferenceServer server = InferenceServer.builder(repo).port(0).pollInterval(Duration.ZERO).start();
        int port = server.port();
        int n = 16;
        try (KServeClient client = new KServeClient(server.uri());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<float[]>> answers = new ArrayList<>();
            List<float[]> inputs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                float[] x = features(new Random(i), 1);
                inputs.add(x);
                answers.add(pool.submit(() -> client.infer("m", List.of(InferTensor.fp32("input", x, 1, FEATURES))).outputs().getFirst().floats()));
            }
            Gauge depth = server.meterRegistry().find("myelin.serve.inference.queue.depth").tag("model", "m").gauge();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (depth.value() < n && System.nanoTime() < deadline) Thread.sleep(10);
            assertEquals(n, (int) depth.value(), "requests queued");

            long t0 = System.nanoTime();
            server.stop();
            long stopMs = (System.nanoTime() - t0) / 1_000_000;
            for (int i = 0; i < n; i++) assertClose(predict(mlp, inputs.get(i), 1), answers.get(i).get());
            assertTrue(stopMs < 10_000, "stop took " + stopMs + " ms");
        }
        assertThrows(IOException.class, () -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
                if (s.getInputStream().read() < 0) throw new IOException("closed at once");
            }
        }, "the port no longer answers");
    }
}
