package dev.myelin.serve;

import dev.myelin.nn.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.myelin.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** A new version added while clients run: it loads beside the old one, traffic switches, nobody sees an error. */
@Timeout(60)
class HotReloadTest {
    @Test
    void newVersionTakesOverUnderLoadWithoutFailures(@TempDir Path repo) throws Exception {
        Model v1 = mlp(1), v2 = mlp(2);
        save(v1, repo, "m", 1);
        try (InferenceServer server = InferenceServer.builder(repo).port(0).pollInterval(Duration.ofMillis(100)).start();
             KServeClient client = new KServeClient(server.uri());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger fromV1 = new AtomicInteger(), fromV2 = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < 6; c++) {
                int id = c;
                clients.add(pool.submit(() -> {
                    Random r = new Random(id);
                    while (running.get()) {
                        float[] x = features(r, 1);
                        try {
                            var out = client.infer("m", List.of(InferTensor.fp32("input", x, 1, FEATURES)));
                            Model expected = out.modelVersion().equals("1") ? v1 : v2;
                            assertClose(predict(expected, x, 1), out.outputs().getFirst().floats());
                            (out.modelVersion().equals("1") ? fromV1 : fromV2).incrementAndGet();
                        } catch (Exception | AssertionError e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
            Thread.sleep(300);
            save(v2, repo, "m", 2);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!client.modelMetadata("m").get("versions").equals(List.of("2")) && System.nanoTime() < deadline) Thread.sleep(50);
            int v2Before = fromV2.get();
            Thread.sleep(300);
            running.set(false);
            for (Future<?> f : clients) f.get();

            assertEquals(List.of(), List.copyOf(failures), "failed requests");
            assertTrue(fromV1.get() > 0, "answers from version 1");
            assertTrue(fromV2.get() > v2Before, "answers from version 2 after the switch");
            assertEquals(List.of("2"), client.modelMetadata("m").get("versions"), "version 1 is unloaded (latest 1)");
            KServeException gone = assertThrows(KServeException.class, () -> client.modelMetadata("m", "1"));
            assertEquals(404, gone.status());
            assertTrue(gone.getMessage().contains("version_policy"), gone.getMessage());

            // a broken version 3 is reported, and version 2 keeps serving
            Files.createDirectories(repo.resolve("m/3"));
            Files.write(repo.resolve("m/3/model.myelin"), new byte[]{1, 2, 3});
            deadline = System.nanoTime() + 10_000_000_000L;
            String state = null;
            while (System.nanoTime() < deadline) {
                var index = raw(java.net.http.HttpClient.newHttpClient(), server.uri(), "GET", "/v2/repository/index", null).body();
                if (index.contains("\"version\":\"3\",\"state\":\"UNAVAILABLE\"")) {
                    state = index;
                    break;
                }
                Thread.sleep(50);
            }
            assertNotNull(state, "version 3 was not reported");
            assertTrue(state.contains("failed to load"), state);
            assertTrue(client.modelReady("m"));
            Map<String, Object> meta = client.modelMetadata("m");
            assertEquals(List.of("2"), meta.get("versions"));
            float[] x = features(new Random(5), 1);
            var out = client.infer("m", List.of(InferTensor.fp32("input", x, 1, FEATURES)));
            assertEquals("2", out.modelVersion());
            assertClose(predict(v2, x, 1), out.outputs().getFirst().floats());

            // new settings reload the served version with them
            config(repo, "m", "{\"max_batch_size\": 7}");
            deadline = System.nanoTime() + 10_000_000_000L;
            while (!maxBatchSize(client).equals(7) && System.nanoTime() < deadline) Thread.sleep(50);
            assertEquals(7, maxBatchSize(client));
            Thread.sleep(300);   // the replaced load of version 2 drains and leaves
            assertClose(predict(v2, x, 1), client.infer("m", List.of(InferTensor.fp32("input", x, 1, FEATURES))).outputs().getFirst().floats());
            // the version's meters outlive the replaced load: they are shared by version, not by load
            String metrics = raw(java.net.http.HttpClient.newHttpClient(), server.uri(), "GET", "/metrics", null).body();
            assertTrue(metrics.contains("myelin_serve_inference_requests_total{model=\"m\",version=\"2\"}"), "requests counter of version 2");
            assertTrue(metrics.contains("myelin_serve_inference_queue_depth{model=\"m\",version=\"2\"}"), "queue gauge of version 2");
            assertFalse(metrics.contains("myelin_serve_inference_requests_total{model=\"m\",version=\"1\"}"), "version 1's meters left with it");

            // a model folder taken away is unloaded: 404 from then on
            save(v1, repo, "other", 1);
            deadline = System.nanoTime() + 10_000_000_000L;
            while (!readyOrAbsent(client, "other") && System.nanoTime() < deadline) Thread.sleep(50);
            assertTrue(client.modelReady("other"), "a new model folder is picked up");
            try (var files = Files.walk(repo.resolve("other"))) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
            }
            deadline = System.nanoTime() + 10_000_000_000L;
            int status = 0;
            while (status != 404 && System.nanoTime() < deadline) {
                try {
                    client.modelMetadata("other");
                } catch (KServeException e) {
                    status = e.status();   // 503 while a scan sees the folder half deleted, then 404
                }
                Thread.sleep(50);
            }
            assertEquals(404, status);
        }
    }

    private static boolean readyOrAbsent(KServeClient client, String model) throws Exception {
        try {
            return client.modelReady(model);
        } catch (KServeException e) {
            if (e.status() == 404) return false;
            throw e;
        }
    }

    private static Object maxBatchSize(KServeClient client) throws Exception {
        Object v = ((Map<?, ?>) client.modelMetadata("m").get("parameters")).get("max_batch_size");
        return v instanceof Number n ? n.intValue() : v;
    }
}
