package dev.myelin.compress;

import dev.myelin.core.DType;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.io.SafeTensors;
import dev.myelin.nn.layers.Conv1D;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.MaxPooling2D;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sparse layers against the pruned float layers they replace, compact model files, and their round trip. */
class SparseLayersTest {

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5 * (1 + Math.abs(want[i])), what + " at " + i);
        }
    }

    /** 80%: the float product over the decoded kernel; 95%: the sparse kernel (see SparseDense.SPARSE_KERNEL_MAX_DENSITY). */
    @Test
    void sparseDenseMatchesThePrunedDense() {
        Rng rng = new Rng(1);
        for (float sparsity : new float[]{0.8f, 0.95f})
        for (int in : new int[]{1, 17, 255}) {
            for (int units : new int[]{1, 17, 33}) {
                Dense d = new Dense(units, "relu");
                d.seed(in * 100L + units);
                d.ensureBuilt(new int[]{in});
                Sequential holder = new Sequential(new InputLayer(in), d);
                Pruning.magnitude(holder, sparsity, Pruning.Scope.LAYER, Set.of());
                SparseDense s = SparseDense.from(d);
                assertEquals(in * units - (int) Math.floor(sparsity * in * units), s.nnz());
                for (int batch : new int[]{1, 5, 70}) {
                    Tensor x = Tensor.randn(rng, batch, in);
                    assertClose(d.apply(x, Context.inference()).toFloatArray(), s.apply(x, Context.inference()).toFloatArray(),
                            "in " + in + " units " + units + " batch " + batch);
                }
                assertClose(d.kernel().value().toFloatArray(), s.denseKernel().toFloatArray(), "decoded kernel");   // pruned -0.0 comes back as 0.0
            }
        }
    }

    @Test
    void sparseConvolutionsMatchThePrunedOnes() {
        Rng rng = new Rng(2);
        Conv2D c2 = new Conv2D(8, new int[]{3, 3}, "relu");
        c2.padding("same").strides(2, 1);
        c2.seed(4);
        c2.ensureBuilt(new int[]{9, 7, 3});
        Pruning.magnitude(new Sequential(new InputLayer(9, 7, 3), c2), 0.75f, Pruning.Scope.LAYER, Set.of());
        SparseConv2D s2 = SparseConv2D.from(c2);
        Tensor x2 = Tensor.randn(rng, 3, 9, 7, 3);
        assertClose(c2.apply(x2, Context.inference()).toFloatArray(), s2.apply(x2, Context.inference()).toFloatArray(), "conv2d");
        assertArrayEquals(c2.computeOutputShape(new int[]{9, 7, 3}), s2.computeOutputShape(new int[]{9, 7, 3}));

        Conv1D c1 = new Conv1D(5, 3);
        c1.padding("causal").dilationRate(2);
        c1.seed(6);
        c1.ensureBuilt(new int[]{11, 4});
        Pruning.magnitude(new Sequential(new InputLayer(11, 4), c1), 0.6f, Pruning.Scope.LAYER, Set.of());
        SparseConv1D s1 = SparseConv1D.from(c1);
        Tensor x1 = Tensor.randn(rng, 2, 11, 4);
        assertClose(c1.apply(x1, Context.inference()).toFloatArray(), s1.apply(x1, Context.inference()).toFloatArray(), "conv1d");
    }

    @Test
    void sparseLayersRefuseTraining() {
        Dense d = new Dense(3);
        d.ensureBuilt(new int[]{4});
        SparseDense s = SparseDense.from(d);
        var e = assertThrows(IllegalStateException.class, () -> s.apply(Tensor.zeros(1, 4), Context.training(new Rng(0))));
        assertTrue(e.getMessage().contains("inference-only"), e.getMessage());
    }

    static Sequential cnn() {
        return new Sequential(new InputLayer(12, 12, 1), new Conv2D(8, new int[]{3, 3}, "relu"), new MaxPooling2D(2),
                new Conv2D(16, new int[]{3, 3}, "relu"), new Flatten(), new Dense(128, "relu"), new Dense(10, "softmax"));
    }

    private static List<String> classes(Model m) {
        return m.layers().stream().map(Layer::className).toList();
    }

    @Test
    void compactModelsAreMoreThanThreeTimesSmallerAtEightyPercentAndLoadBack(@TempDir Path dir) throws IOException {
        Sequential m = cnn();
        m.seed(9);
        Pruning.magnitude(m, 0.8f, Pruning.Scope.LAYER, Set.of());
        Model c = Pruning.compact(m);
        assertEquals(List.of("InputLayer", "SparseConv2D", "MaxPooling2D", "SparseConv2D", "Flatten", "SparseDense", "SparseDense"), classes(c));
        Tensor x = Tensor.randn(new Rng(7), 4, 12, 12, 1);
        assertClose(m.predict(x).toFloatArray(), c.predict(x).toFloatArray(), "compact model");

        Path dense = dir.resolve("dense.myelin"), sparse = dir.resolve("sparse.myelin");
        m.save(dense);
        c.save(sparse);
        double ratio = (double) Files.size(dense) / Files.size(sparse);
        assertTrue(ratio >= 3, "the compact file should be >= 3x smaller, is " + ratio + "x (" + Files.size(dense) + " -> " + Files.size(sparse) + " bytes)");

        Path st = dir.resolve("w.safetensors");
        ModelFile.extractWeights(sparse, st);
        Map<String, Tensor> w = SafeTensors.load(st).tensors();
        assertEquals(DType.UINT8, w.get("dense/kernel_mask").dtype());
        assertArrayEquals(new int[]{(144 * 128 + 7) / 8}, w.get("dense/kernel_mask").shape());
        assertEquals(DType.FLOAT32, w.get("dense/kernel_values").dtype());

        Model back = ModelFile.load(sparse);
        assertEquals(classes(c), classes(back));
        assertArrayEquals(c.predict(x).toFloatArray(), back.predict(x).toFloatArray(), "identical predictions after the round trip");
    }

    @Test
    void compactLeavesDenseLayersDenseAndQuantizesAfterwards() {
        Sequential m = cnn();
        Pruning.magnitude(m, 0.8f, Pruning.Scope.LAYER, Set.of("dense_1"));
        Model c = Pruning.compact(m);
        assertInstanceOf(SparseDense.class, c.layers().get(5));
        assertInstanceOf(Dense.class, c.layers().get(6), "an unpruned kernel stays float: the sparse form would be larger");
        Model unpruned = cnn();
        assertSame(unpruned, Pruning.compact(unpruned), "nothing to compact");
    }

    @Test
    void aSavedSparseModelStaysLoadable(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("sparse-v1.myelin");
        try (var in = SparseLayersTest.class.getResourceAsStream("sparse-v1.myelin")) {
            Files.copy(in, file);
        }
        QuantizedLayers.register();
        Model m = ModelFile.load(file);
        assertEquals(List.of("InputLayer", "SparseConv1D", "Flatten", "SparseDense"), classes(m));
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 9, 0, 5, 7, -1, 2, 0.5f, 3}, 2, 3, 2);
        assertArrayEquals(EXPECTED, m.predict(x).toFloatArray(), 1e-6f);
    }

    static final float[] EXPECTED = {0.7294902f, -3.586144f, 1.0193127f, 0.9448203f, -0.676872f, 1.7143428f};

    /** Writes the resource file of {@link #aSavedSparseModelStaysLoadable} (run by hand, once). */
    public static void main(String[] args) throws IOException {
        Sequential m = new Sequential(new InputLayer(3, 2), new Conv1D(4, 2), new Flatten(), new Dense(3));
        m.seed(21);
        Pruning.magnitude(m, 0.5f, Pruning.Scope.LAYER, Set.of());
        Model c = Pruning.compact(m);
        c.save(Path.of(args[0]));
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 9, 0, 5, 7, -1, 2, 0.5f, 3}, 2, 3, 2);
        System.out.println(java.util.Arrays.toString(c.predict(x).toFloatArray()));
    }
}
