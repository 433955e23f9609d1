package dev.myelin.iot;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Conv1D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.GlobalAveragePooling1D;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.serve.Batcher;
import dev.myelin.serve.InferenceServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bridge's predictor over myelin-serve's Batcher: the server's batching, answers and meters. */
class BatcherPredictorTest {
    @TempDir
    Path tmp;

    private static Model conv() {
        return new Sequential(new InputLayer(8, 3), new Conv1D(4, 3, "relu"), new GlobalAveragePooling1D(), new Dense(2)).seed(11);
    }

    @Test
    @Timeout(30)
    void batchesSamplesAndReturnsEachItsOwnRow() throws Exception {
        Model m = conv();
        Random rnd = new Random(5);
        int n = 100;
        float[][] samples = new float[n][24];
        for (float[] s : samples) for (int i = 0; i < s.length; i++) s[i] = (float) rnd.nextGaussian();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<CompletableFuture<float[]>> futures = new ArrayList<>();
        // a delay, so the 100 quick submissions share model calls however the threads are scheduled
        try (BatcherPredictor p = BatcherPredictor.create("conv", m, 16, 20, 1000, null, registry)) {
            assertArrayEquals(new int[]{8, 3}, p.inputShape());
            assertArrayEquals(new int[]{2}, p.outputShape());
            for (float[] s : samples) futures.add(p.submit(s));
            float[] x = new float[n * 24];
            for (int i = 0; i < n; i++) System.arraycopy(samples[i], 0, x, i * 24, 24);
            float[] want = m.predict(Tensor.wrap(x, n, 8, 3), 16).toFloatArray();
            for (int i = 0; i < n; i++) assertArrayEquals(Arrays.copyOfRange(want, 2 * i, 2 * i + 2), futures.get(i).get(), 1e-6f, "sample " + i);
            var sizes = registry.get("myelin.serve.inference.batch.size").tag("model", "conv").summary();
            assertTrue(sizes.max() > 1, "samples queued together should share a model call");
            assertEquals(n, (long) sizes.totalAmount());
            assertTrue(sizes.count() < n);
        }
    }

    @Test
    @Timeout(30)
    void aFullQueueRefusesTrySubmitAndCloseFinishesWhatIsQueued() throws Exception {
        BatcherPredictor p = BatcherPredictor.create("conv", conv(), 1, 0, 2, null, new SimpleMeterRegistry());
        List<CompletableFuture<float[]>> accepted = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < 200; i++) {
            CompletableFuture<float[]> f = p.trySubmit(new float[24]);
            if (f == null) refused++;
            else accepted.add(f);
        }
        assertTrue(refused > 0, "a queue of 2 should refuse some of 200 quick submissions");
        p.close();
        for (CompletableFuture<float[]> f : accepted) assertNotNull(f.get());
        assertThrows(RuntimeException.class, () -> p.submit(new float[24]));
        try (BatcherPredictor q = BatcherPredictor.create("conv", conv(), 1, 0, 2, null, null)) {
            var e = assertThrows(IllegalArgumentException.class, () -> q.submit(new float[5]));
            assertTrue(e.getMessage().contains("has 24 values, got 5"), e.getMessage());
        }
    }

    @Test
    @Timeout(30)
    void aBatcherOfARunningServerShowsAtItsMetrics() throws Exception {
        Path models = Files.createDirectories(tmp.resolve("models"));
        try (InferenceServer server = InferenceServer.builder(models).port(0).pollInterval(Duration.ZERO).start();
             BatcherPredictor p = BatcherPredictor.of(Batcher.builder("mqtt-b1", conv()).server(server).build())) {
            for (int i = 0; i < 5; i++) p.submit(new float[24]).get();
            String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(text.contains("myelin_serve_inference_requests_total{model=\"mqtt-b1\",version=\"1\"} 5.0"), text);
            p.batcher().close();
        }
    }
}
