package dev.myelin.compress;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.FitOptions;
import dev.myelin.nn.Model;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Activation;
import dev.myelin.nn.layers.BatchNormalization;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.GlobalAveragePooling2D;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.MaxPooling2D;
import dev.myelin.nn.optimizers.Adam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PruningTest {

    static Sequential mlp() {
        return new Sequential(new InputLayer(17), new Dense(33, "relu"), new Dense(17, "relu"), new Dense(3));
    }

    private static int zeros(Parameter p) {
        int z = 0;
        for (float v : p.value().toFloatArray()) if (v == 0f) z++;
        return z;
    }

    @Test
    void layerWisePruningReachesTheSparsityInEveryKernelAndCutsTheSmallest() {
        Sequential m = mlp();
        Map<String, float[]> before = new java.util.LinkedHashMap<>();
        Map<String, Parameter> kernels = Pruning.prunableKernels(m, Set.of());
        for (var e : kernels.entrySet()) before.put(e.getKey(), e.getValue().value().toFloatArray());
        PruningMasks masks = Pruning.magnitude(m, 0.7f, Pruning.Scope.LAYER, Set.of());
        for (var e : kernels.entrySet()) {
            Parameter p = e.getValue();
            assertEquals((int) Math.floor(0.7 * p.numel()), zeros(p), e.getKey());
            float[] w = before.get(e.getKey());
            float maxPruned = 0, minKept = Float.MAX_VALUE;
            for (int i = 0; i < w.length; i++) {
                if (masks.kept(p, i)) minKept = Math.min(minKept, Math.abs(w[i]));
                else maxPruned = Math.max(maxPruned, Math.abs(w[i]));
            }
            assertTrue(maxPruned <= minKept, e.getKey() + ": a pruned weight is larger than a kept one");
        }
        assertEquals(0.7f, Pruning.sparsity(m), 0.005f);
    }

    @Test
    void globalPruningUsesOneThreshold() {
        Sequential m = mlp();
        Map<String, Parameter> kernels = Pruning.prunableKernels(m, Set.of("dense_2"));
        long total = 0;
        for (Parameter p : kernels.values()) total += p.numel();
        Pruning.magnitude(m, 0.5f, Pruning.Scope.GLOBAL, Set.of("dense_2"));
        long z = 0;
        float maxPruned = 0, minKept = Float.MAX_VALUE;
        for (Parameter p : kernels.values()) {
            z += zeros(p);
            for (float v : p.value().toFloatArray()) if (v != 0f) minKept = Math.min(minKept, Math.abs(v));
        }
        assertEquals((long) Math.floor(0.5 * total), z);
        assertEquals(0, zeros(m.layer("dense_2").weights().get(0)), "skipped layers stay dense");
        assertTrue(minKept > maxPruned);
        assertThrows(IllegalArgumentException.class, () -> Pruning.magnitude(m, 1f, Pruning.Scope.GLOBAL, Set.of()));
    }

    @Test
    void polynomialScheduleRisesFromInitialToFinal() {
        PolynomialDecay s = PolynomialDecay.cubic(0.1f, 0.8f, 10, 110, 25);
        assertEquals(0f, s.sparsity(5));
        assertEquals(0.1f, s.sparsity(10), 1e-6f);
        assertEquals(0.8f, s.sparsity(110), 1e-6f);
        assertEquals(0.8f, s.sparsity(500), 1e-6f);
        // halfway: final + (initial - final) (1/2)^3
        assertEquals(0.8f + (0.1f - 0.8f) * 0.125f, s.sparsity(60), 1e-6f);
        for (int t = 10; t < 110; t++) assertTrue(s.sparsity(t + 1) >= s.sparsity(t));
        assertTrue(s.updatesAt(10) && s.updatesAt(35) && s.updatesAt(110) && !s.updatesAt(36) && !s.updatesAt(111));
    }

    @Test
    void pruningCallbackKeepsPrunedWeightsAtZeroWhileTraining() {
        Sequential m = mlp();
        m.compile(new Adam(1e-2f), "mse");
        Rng rng = new Rng(3);
        Tensor x = Tensor.randn(rng, 64, 17), y = Tensor.randn(rng, 64, 3);
        PruningCallback cb = new PruningCallback(PolynomialDecay.cubic(0f, 0.75f, 0, 12, 4));
        m.fit(x, y, new FitOptions().epochs(5).batchSize(16).verbose(0).callbacks(cb));
        assertEquals(20, cb.step());
        for (var e : Pruning.prunableKernels(m, Set.of()).entrySet()) {
            Parameter p = e.getValue();
            assertEquals((int) Math.floor(0.75 * p.numel()), zeros(p), e.getKey() + " after the last optimizer step");
            float[] w = p.value().toFloatArray();
            for (int i = 0; i < w.length; i++) if (!cb.masks().kept(p, i)) assertTrue(w[i] == 0f, e.getKey() + " weight " + i + " is " + w[i]);
        }
        assertTrue(Float.isFinite(m.evaluate(x, y, 64).get("loss").floatValue()));
    }

    @Test
    void structuredPruningRemovesExactlyTheDeadUnits() {
        // dense's units 1, 3, 5, ... have zero weights in and a zero bias: they output relu(0) = 0
        Sequential m = mlp();
        Dense d = (Dense) m.layer("dense");
        float[] k = d.kernel().value().toFloatArray();
        for (int i = 0; i < k.length; i++) if (i % 33 % 2 == 1) k[i] = 0f;
        d.kernel().assign(Tensor.wrap(k, 17, 33));
        Sequential slim = Pruning.structured(m, 16f / 33, Set.of());
        assertEquals(17, ((Dense) slim.layer("dense")).units());
        assertArrayEquals(new int[]{17, 9}, ((Dense) slim.layer("dense_1")).kernel().shape(), "the reader's rows shrink with it, and its own units");
        assertEquals(3, ((Dense) slim.layer("dense_2")).units(), "the output layer keeps its size");
        Tensor x = Tensor.randn(new Rng(4), 5, 17);
        // dense_1 also lost 9 of its 17 units, so compare a copy that prunes only the first layer
        Sequential firstOnly = Pruning.structured(m, 16f / 33, Set.of("dense_1"));
        assertArrayEquals(m.predict(x).toFloatArray(), firstOnly.predict(x).toFloatArray(), 1e-5f);
        assertTrue(slim.countParams() < m.countParams());
        assertArrayEquals(new int[]{5, 3}, slim.predict(x).shape());
    }

    @Test
    void structuredPruningShrinksConvolutionsThroughBatchNormPoolingAndFlatten(@TempDir Path dir) throws IOException {
        Sequential m = new Sequential(new InputLayer(10, 10, 3),
                new Conv2D(16, 3), new BatchNormalization(), new Activation("relu"), new MaxPooling2D(2),
                new Conv2D(8, 3, "relu").padding("same"), new Flatten(), new Dense(12, "relu"), new Dense(4));
        Sequential slim = Pruning.structured(m, 0.5f, Set.of());
        assertArrayEquals(new int[]{3, 3, 3, 8}, ((Conv2D) slim.layer("conv2d")).kernel().shape());
        assertArrayEquals(new int[]{8}, ((BatchNormalization) slim.layer("batch_normalization")).movingMean().shape());
        assertArrayEquals(new int[]{3, 3, 8, 4}, ((Conv2D) slim.layer("conv2d_1")).kernel().shape());
        assertArrayEquals(new int[]{4 * 4 * 4, 6}, ((Dense) slim.layer("dense")).kernel().shape(), "Flatten's rows follow the kept channels");
        Tensor x = Tensor.randn(new Rng(5), 2, 10, 10, 3);
        assertArrayEquals(new int[]{2, 4}, slim.predict(x).shape());
        Path full = dir.resolve("full.myelin"), small = dir.resolve("slim.myelin");
        m.save(full);
        slim.save(small);
        assertTrue(Files.size(small) < Files.size(full) * 0.6, Files.size(small) + " vs " + Files.size(full));
        assertArrayEquals(slim.predict(x).toFloatArray(), Model.load(small).predict(x).toFloatArray());
    }

    @Test
    void structuredPruningOfZeroFiltersKeepsConvPredictions() {
        Sequential m = new Sequential(new InputLayer(8, 8, 2), new Conv2D(6, 3, "relu"), new GlobalAveragePooling2D(), new Dense(3));
        Conv2D c = (Conv2D) m.layer("conv2d");
        float[] k = c.kernel().value().toFloatArray();
        for (int i = 0; i < k.length; i++) if (i % 6 >= 4) k[i] = 0f;   // filters 4 and 5 are dead
        c.kernel().assign(Tensor.wrap(k, 3, 3, 2, 6));
        Sequential slim = Pruning.structured(m, 2f / 6, Set.of());
        assertEquals(4, ((Conv2D) slim.layer("conv2d")).filters());
        Tensor x = Tensor.randn(new Rng(6), 3, 8, 8, 2);
        assertArrayEquals(m.predict(x).toFloatArray(), slim.predict(x).toFloatArray(), 1e-5f);
    }
}
