package dev.myelin.iot;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Conv1D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.GlobalAveragePooling1D;
import dev.myelin.nn.layers.InputLayer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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

class BatchingPredictorTest {
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
        try (BatchingPredictor p = new BatchingPredictor(m, 16, Duration.ofMillis(20), 1000, registry, "conv")) {
            assertArrayEquals(new int[]{8, 3}, p.inputShape());
            assertArrayEquals(new int[]{2}, p.outputShape());
            for (float[] s : samples) futures.add(p.submit(s));
            float[] x = new float[n * 24];
            for (int i = 0; i < n; i++) System.arraycopy(samples[i], 0, x, i * 24, 24);
            float[] want = m.predict(Tensor.wrap(x, n, 8, 3), 16).toFloatArray();
            for (int i = 0; i < n; i++) assertArrayEquals(Arrays.copyOfRange(want, 2 * i, 2 * i + 2), futures.get(i).get(), 1e-6f, "sample " + i);
        }
        var sizes = registry.get("myelin.iot.batch.size").summary();
        assertTrue(sizes.max() > 1, "samples queued together should share a model call");
        assertEquals(n, (long) sizes.totalAmount());
        assertTrue(sizes.count() < n);
    }

    @Test
    @Timeout(30)
    void aFullQueueRefusesTrySubmitAndCloseFinishesWhatIsQueued() throws Exception {
        BatchingPredictor p = new BatchingPredictor(conv(), 1, Duration.ZERO, 2);
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
        assertThrows(IllegalStateException.class, () -> p.submit(new float[24]));
        try (BatchingPredictor q = new BatchingPredictor(conv(), 1, Duration.ZERO, 2)) {
            var e = assertThrows(IllegalArgumentException.class, () -> q.submit(new float[5]));
            assertEquals("a sample of shape [8, 3] has 24 values, got 5", e.getMessage());
        }
    }
}
