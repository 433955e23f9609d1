package dev.myelin.serve;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.GlobalAveragePooling1D;
import io.micrometer.core.instrument.DistributionSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.myelin.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** Dynamic batching under concurrent load: batches form, answers equal unbatched ones, the queue bound holds. */
@Timeout(60)
class BatchingTest {
    @Test
    void concurrentRequestsAreBatchedAndAnsweredSeparately(@TempDir Path repo) throws Exception {
        Model mlp = mlp(1);
        save(mlp, repo, "mlp", 1);
        config(repo, "mlp", "{\"max_batch_size\": 32, \"max_queue_delay_ms\": 20}");
        // a variable-length input: only requests of the same length may share a batch
        Sequential seq = new Sequential(new GlobalAveragePooling1D(), new Dense(2));
        seq.inputShape(-1, FEATURES);
        save(seq, repo, "seq", 1);
        config(repo, "seq", "{\"max_batch_size\": 16, \"max_queue_delay_ms\": 20}");

        try (InferenceServer server = InferenceServer.builder(repo).port(0).pollInterval(Duration.ZERO).start();
             KServeClient client = new KServeClient(server.uri());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            int clients = 32, perClient = 4;
            List<Future<Integer>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                done.add(pool.submit((Callable<Integer>) () -> {
                    Random r = new Random(id);
                    for (int k = 0; k < perClient; k++) {
                        float[] x = features(r, 1);
                        boolean binary = (id + k) % 2 == 0;
                        var out = client.infer("mlp", null, List.of(InferTensor.fp32("input", x, 1, FEATURES)), binary);
                        assertClose(predict(mlp, x, 1), out.outputs().getFirst().floats());

                        int time = 2 + (id + k) % 3;
                        float[] s = features(r, time);   // (1, time, 4)
                        var so = client.infer("seq", null, List.of(InferTensor.fp32("input", s, 1, time, FEATURES)), !binary);
                        float[] expected = seq.predict(Tensor.of(s, 1, time, FEATURES)).toFloatArray();
                        assertClose(expected, so.outputs().getFirst().floats());
                    }
                    return perClient;
                }));
            }
            int answered = 0;
            for (Future<Integer> f : done) answered += f.get();
            assertEquals(clients * perClient, answered);

            // one row per request: more rows than model calls means requests were merged
            DistributionSummary batches = server.meterRegistry().find("myelin.serve.inference.batch.size").tag("model", "mlp").summary();
            assertNotNull(batches);
            assertEquals(clients * perClient, (long) batches.totalAmount(), "every row went through the model once");
            assertTrue(batches.count() < clients * perClient, "no batch held more than one request: " + batches.count() + " calls");
            assertTrue(batches.max() > 1, "largest batch " + batches.max());
            String metrics = raw(java.net.http.HttpClient.newHttpClient(), server.uri(), "GET", "/metrics", null).body();
            assertTrue(metrics.contains("myelin_serve_inference_batch_size_bucket{model=\"mlp\",version=\"1\",le=\"2.0\"}"), "batch histogram buckets");
        }
    }

    @Test
    void fullQueueAnswers503WithRetryAfter(@TempDir Path repo) throws Exception {
        Model mlp = mlp(1);
        save(mlp, repo, "tiny", 1);
        // requests wait up to 400 ms for company, and only 2 may wait
        config(repo, "tiny", "{\"max_queue_size\": 2, \"max_queue_delay_ms\": 400, \"max_batch_size\": 64, \"early_dispatch\": false}");
        try (InferenceServer server = InferenceServer.builder(repo).port(0).pollInterval(Duration.ZERO).start();
             KServeClient client = new KServeClient(server.uri());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int id = i;
                results.add(pool.submit(() -> {
                    float[] x = features(new Random(id), 1);
                    try {
                        var out = client.infer("tiny", List.of(InferTensor.fp32("input", x, 1, FEATURES)));
                        assertClose(predict(mlp, x, 1), out.outputs().getFirst().floats());
                        return 200;
                    } catch (KServeException e) {
                        assertEquals(503, e.status(), e.getMessage());
                        assertEquals(1, e.retryAfterSeconds());
                        assertTrue(e.getMessage().contains("max_queue_size"), e.getMessage());
                        return 503;
                    }
                }));
            }
            int ok = 0, refused = 0;
            for (Future<Integer> f : results) {
                if (f.get() == 200) ok++;
                else refused++;
            }
            assertTrue(ok >= 2, ok + " answered");
            assertTrue(refused >= 1, "none refused");
            // the server goes on once the queue has room
            float[] x = features(new Random(99), 1);
            assertClose(predict(mlp, x, 1), client.infer("tiny", List.of(InferTensor.fp32("input", x, 1, FEATURES))).outputs().getFirst().floats());
        }
    }

    /**
     * Early dispatch: a lone client's request is the only one in flight, so its batch leaves at
     * once instead of waiting max_queue_delay_ms for company that cannot come.
     */
    @Test
    void aLoneClientDoesNotWaitTheQueueDelay(@TempDir Path repo) throws Exception {
        Model mlp = mlp(1);
        save(mlp, repo, "m", 1);
        config(repo, "m", "{\"max_queue_delay_ms\": 1000, \"max_batch_size\": 64}");
        try (InferenceServer server = InferenceServer.builder(repo).port(0).pollInterval(Duration.ZERO).start();
             KServeClient client = new KServeClient(server.uri())) {
            Random r = new Random(5);
            client.infer("m", List.of(InferTensor.fp32("input", features(r, 1), 1, FEATURES)));   // connection and JIT warm-up
            int n = 10;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                float[] x = features(r, 1);
                assertClose(predict(mlp, x, 1), client.infer("m", List.of(InferTensor.fp32("input", x, 1, FEATURES))).outputs().getFirst().floats());
            }
            long meanMs = (System.nanoTime() - t0) / 1_000_000 / n;
            // without early dispatch each request would take at least 1000 ms
            assertTrue(meanMs < 100, "mean latency " + meanMs + " ms with max_queue_delay_ms 1000");
        }
    }

    /** The connection idle timeout guards slow clients, not slow answers: a request queued longer than it is still answered. */
    @Test
    void aRequestWaitingLongerThanTheIdleTimeoutIsAnswered(@TempDir Path repo) throws Exception {
        Model mlp = mlp(1);
        save(mlp, repo, "m", 1);
        config(repo, "m", "{\"max_queue_delay_ms\": 800, \"timeout_ms\": 5000, \"early_dispatch\": false}");
        try (InferenceServer server = InferenceServer.builder(repo).port(0).idleTimeout(Duration.ofMillis(300)).pollInterval(Duration.ZERO).start();
             KServeClient client = new KServeClient(server.uri())) {
            float[] x = features(new Random(1), 1);
            long t0 = System.nanoTime();
            var out = client.infer("m", List.of(InferTensor.fp32("input", x, 1, FEATURES)));
            assertTrue(System.nanoTime() - t0 >= 800_000_000L, "the batch waited its delay");
            assertClose(predict(mlp, x, 1), out.outputs().getFirst().floats());
        }
    }
}
