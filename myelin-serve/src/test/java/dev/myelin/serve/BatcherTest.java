package dev.myelin.serve;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Model;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static dev.myelin.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** The public batcher API, as another module (the MQTT bridge) uses it, alone and beside a server. */
@Timeout(60)
class BatcherTest {
    @Test
    void rowsAndTensorsAreBatchedAndAnsweredLikeTheModel() throws Exception {
        Model mlp = mlp(1);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Batcher b = Batcher.builder("sensor", mlp).maxBatchSize(16).maxQueueDelay(Duration.ofMillis(50))
                .maxQueueSize(64).earlyDispatch(false).meterRegistry(registry).build()) {
            assertArrayEquals(new int[]{-1, FEATURES}, b.inputShapes().getFirst());
            assertArrayEquals(new int[]{-1, CLASSES}, b.outputShapes().getFirst());
            Random r = new Random(3);
            List<float[]> xs = new ArrayList<>();
            List<CompletableFuture<float[]>> fs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                float[] x = features(r, 1);
                xs.add(x);
                fs.add(b.submit(x));
            }
            for (int i = 0; i < 10; i++) assertClose(predict(mlp, xs.get(i), 1), fs.get(i).join());
            float[] x3 = features(r, 3);
            List<Tensor> out = b.submit(List.of(Tensor.of(x3, 3, FEATURES))).join();
            assertArrayEquals(new int[]{3, CLASSES}, out.getFirst().shape());
            assertClose(predict(mlp, x3, 3), out.getFirst().toFloatArray());

            DistributionSummary batches = registry.find("myelin.serve.inference.batch.size").tag("model", "sensor").summary();
            assertEquals(13, (long) batches.totalAmount());
            assertTrue(batches.count() < 11, "the ten rows queued within the delay share model calls: " + batches.count() + " calls");
            assertEquals(11, registry.find("myelin.serve.inference.requests").tag("model", "sensor").counter().count());

            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> b.submit(new float[3]));
            assertTrue(bad.getMessage().contains("has 4 values, got 3"), bad.getMessage());
        }
        assertNull(registry.find("myelin.serve.inference.requests").tag("model", "sensor").counter(), "meters leave with the batcher");
    }

    @Test
    void aFullQueueRefusesAtOnceAndSubmitWaitingWaitsForRoom() throws Exception {
        Model mlp = mlp(1);
        // a batch waits 300 ms for company; two requests may wait
        try (Batcher b = Batcher.builder("full", mlp).maxBatchSize(64).maxQueueDelay(Duration.ofMillis(300)).maxQueueSize(2)
                .earlyDispatch(false).build()) {
            Random r = new Random(1);
            CompletableFuture<float[]> f1 = b.submit(features(r, 1)), f2 = b.submit(features(r, 1));
            QueueFullException full = assertThrows(QueueFullException.class, () -> b.submit(features(r, 1)));
            assertEquals(503, full.status());
            assertEquals(1, full.retryAfterSeconds());
            assertTrue(full.getMessage().contains("max_queue_size 2"), full.getMessage());
            float[] x = features(r, 1);
            float[] y = b.submitWaiting(x).join();   // waits until the first batch leaves
            assertClose(predict(mlp, x, 1), y);
            assertTrue(f1.isDone() && f2.isDone());
        }
    }

    @Test
    void aRequestNotAnsweredInTimeFailsWith504() {
        try (Batcher b = Batcher.builder("late", mlp(1)).maxQueueDelay(Duration.ofMillis(2000)).timeout(Duration.ofMillis(100))
                .maxBatchSize(64).earlyDispatch(false).build()) {
            CompletionException e = assertThrows(CompletionException.class, () -> b.submit(features(new Random(1), 1)).join());
            ServeException se = assertInstanceOf(ServeException.class, e.getCause());
            assertEquals(504, se.status());
        }
    }

    /** Without announcements a batch leaves whenever the worker is free: one caller alone never waits the delay. */
    @Test
    void earlyDispatchDoesNotWaitForRequestsThatAreNotComing() {
        Model mlp = mlp(1);
        try (Batcher b = Batcher.builder("quick", mlp).maxQueueDelay(Duration.ofSeconds(5)).build()) {
            float[] x = features(new Random(1), 1);
            long t0 = System.nanoTime();
            for (int i = 0; i < 5; i++) assertClose(predict(mlp, x, 1), b.submit(x).join());
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "five requests in a row took " + (System.nanoTime() - t0) / 1_000_000 + " ms");

            // an announced request holds the batch (up to the delay) until it arrives
            Batcher.Announcement a = b.announce();
            CompletableFuture<float[]> first = b.submit(x);
            sleep(300);
            assertFalse(first.isDone(), "the batch waits for the announced request");
            CompletableFuture<List<Tensor>> second = a.submit(List.of(Tensor.of(x, 1, FEATURES)));
            assertClose(predict(mlp, x, 1), first.join());
            assertClose(predict(mlp, x, 1), second.join().getFirst().toFloatArray());

            // an announcement closed unused releases the batch too
            Batcher.Announcement gone = b.announce();
            CompletableFuture<float[]> third = b.submit(x);
            sleep(200);
            assertFalse(third.isDone());
            gone.close();
            assertClose(predict(mlp, x, 1), third.join());
        }
    }

    /**
     * Submitting is cheap for many tiny submissions (the MQTT bridge): a worker is woken when its
     * decision can change (the queue was empty, the batch is full, early dispatch), never once per
     * request, and no timer is set per request.
     */
    @Test
    void submissionsWakeTheWorkerOncePerBatchNotOncePerRequest() {
        Model mlp = mlp(1);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        float[] x = features(new Random(2), 1);
        // waiting out a long delay: 20 rows (fewer than a full batch) cost one wake-up, the first
        try (Batcher b = Batcher.builder("delay", mlp).maxBatchSize(64).maxQueueDelay(Duration.ofMillis(300))
                .earlyDispatch(false).meterRegistry(registry).build()) {
            List<CompletableFuture<float[]>> fs = new ArrayList<>();
            for (int i = 0; i < 20; i++) fs.add(b.submit(x));
            for (CompletableFuture<float[]> f : fs) assertClose(predict(mlp, x, 1), f.join());
            assertTrue(b.wakeUps() <= 1, "20 rows queued within the delay woke the worker " + b.wakeUps() + " times");
        }
        // greedy batching (early dispatch, nothing announced), 3000 single rows from one thread:
        // at most one wake-up per model call
        try (Batcher b = Batcher.builder("burst", mlp).maxBatchSize(64).maxQueueSize(4096).meterRegistry(registry).build()) {
            List<CompletableFuture<float[]>> fs = new ArrayList<>();
            for (int i = 0; i < 3000; i++) fs.add(b.submit(x));
            for (CompletableFuture<float[]> f : fs) f.join();
            long calls = registry.find("myelin.serve.inference.batch.size").tag("model", "burst").summary().count();
            assertTrue(b.wakeUps() <= calls, b.wakeUps() + " wake-ups for " + calls + " model calls of 3000 rows");
            assertTrue(calls < 3000, "rows queued while the worker ran share model calls: " + calls + " calls");
        }
    }

    /** A batcher built with .server(s) records into the server's registry: its meters show at /metrics. */
    @Test
    void aBatcherBesideAServerSharesItsMetrics(@TempDir Path repo) throws Exception {
        Model mlp = mlp(1);
        save(mlp, repo, "mlp", 1);
        try (InferenceServer server = InferenceServer.builder(repo).port(0).pollInterval(Duration.ZERO).start();
             Batcher b = Batcher.builder("bridge", mlp).server(server).build()) {
            float[] x = features(new Random(1), 1);
            assertClose(predict(mlp, x, 1), b.submit(x).join());
            String metrics = raw(HttpClient.newHttpClient(), server.uri(), "GET", "/metrics", null).body();
            assertTrue(metrics.contains("myelin_serve_inference_requests_total{model=\"bridge\",version=\"1\"} 1"), metrics);
            assertSame(server.meterRegistry(), server.metrics().meterRegistry());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
