package dev.myelin.nn;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.callbacks.History;
import dev.myelin.nn.layers.Add;
import dev.myelin.nn.layers.Average;
import dev.myelin.nn.layers.Concatenate;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Maximum;
import dev.myelin.nn.layers.Merge;
import dev.myelin.nn.layers.Minimum;
import dev.myelin.nn.layers.Multiply;
import dev.myelin.nn.layers.Subtract;
import dev.myelin.nn.losses.MeanSquaredError;
import dev.myelin.nn.optimizers.SGD;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.DoubleBinaryOperator;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Merging layers, which take several inputs and so cannot use the single-input LayerHarness: the
 * same checks by hand (declared vs actual shapes, no weights, config round trip of the functional
 * model, a training step through the merge), plus values and errors.
 */
class MergeLayersTest {
    private final Rng rng = new Rng(1);
    private final Tensor a = Tensor.randn(rng, 4, 3), b = Tensor.randn(rng, 4, 3), c = Tensor.randn(rng, 4, 3);

    /** Runs a two- or three-input functional model around a fresh merge layer; checks the declared shape and the config round trip. */
    private static Tensor run(Supplier<Merge> factory, List<int[]> shapes, List<Tensor> xs) {
        Merge merge = factory.get();
        List<SymbolicTensor> ins = shapes.stream().map(Input::of).toList();
        SymbolicTensor out = merge.apply(ins.toArray(new SymbolicTensor[0]));
        Model model = Model.of(ins, List.of(out));
        Tensor y = model.predictAll(xs, 2).get(0);
        int[] declared = model.outputShapes().get(0);
        assertEquals(declared.length + 1, y.rank(), merge.describe() + ": output rank");
        for (int i = 0; i < declared.length; i++) if (declared[i] >= 0) assertEquals(declared[i], y.size(i + 1), merge.describe() + ": axis " + (i + 1));
        assertTrue(model.summary().contains(Layer.withBatch(declared)), model.summary());
        assertEquals(0, merge.countParams());
        Map<String, Object> cfg = Layers.toConfig(model);
        Model copy = (Model) Layers.fromConfig(cfg);
        assertEquals(cfg, Layers.toConfig(copy), merge.describe() + ": config round trip");
        assertArrayEquals(y.toFloatArray(), copy.predictAll(xs, 4).get(0).toFloatArray(), 0f);
        return y;
    }

    private static void assertElementwise(Tensor y, DoubleBinaryOperator op, Tensor... xs) {
        float[][] v = new float[xs.length][];
        for (int i = 0; i < xs.length; i++) v[i] = xs[i].toFloatArray();
        float[] got = y.toFloatArray();
        for (int e = 0; e < got.length; e++) {
            double acc = v[0][e];
            for (int i = 1; i < xs.length; i++) acc = op.applyAsDouble(acc, v[i][e]);
            assertEquals(acc, got[e], 1e-6, "element " + e);
        }
    }

    @Test
    void elementwiseMergesCompute() {
        List<int[]> three = List.of(new int[]{3}, new int[]{3}, new int[]{3});
        List<Tensor> abc = List.of(a, b, c);
        assertElementwise(run(Add::new, three, abc), Double::sum, a, b, c);
        assertElementwise(run(Multiply::new, three, abc), (p, q) -> p * q, a, b, c);
        assertElementwise(run(Maximum::new, three, abc), Math::max, a, b, c);
        assertElementwise(run(Minimum::new, three, abc), Math::min, a, b, c);
        assertElementwise(run(Subtract::new, List.of(new int[]{3}, new int[]{3}), List.of(a, b)), (p, q) -> p - q, a, b);
        Tensor avg = run(Average::new, three, abc);
        float[] av = a.toFloatArray(), bv = b.toFloatArray(), cv = c.toFloatArray(), got = avg.toFloatArray();
        for (int e = 0; e < got.length; e++) assertEquals(((double) av[e] + bv[e] + cv[e]) / 3, got[e], 1e-6);
    }

    @Test
    void elementwiseMergesBroadcastLikeKeras() {
        // (None, 2, 3) + (None, 3): the lower-rank input is aligned from the right, per sample
        Tensor seq = Tensor.randn(rng, 4, 2, 3);
        Tensor y = run(Add::new, List.of(new int[]{2, 3}, new int[]{3}), List.of(seq, a));
        assertArrayEquals(new int[]{4, 2, 3}, y.shape());
        for (int n = 0; n < 4; n++) for (int t = 0; t < 2; t++) for (int f = 0; f < 3; f++) {
            assertEquals(seq.get(n, t, f) + a.get(n, f), y.get(n, t, f), 1e-6);
        }
        // (None, 2, 3) * (None, 1, 3)
        Tensor gate = Tensor.randn(rng, 4, 1, 3);
        Tensor g = run(Multiply::new, List.of(new int[]{2, 3}, new int[]{1, 3}), List.of(seq, gate));
        for (int n = 0; n < 4; n++) for (int t = 0; t < 2; t++) for (int f = 0; f < 3; f++) {
            assertEquals(seq.get(n, t, f) * gate.get(n, 0, f), g.get(n, t, f), 1e-6);
        }
    }

    @Test
    void concatenateJoinsAlongTheAxis() {
        Tensor w = Tensor.randn(rng, 4, 2);
        Tensor y = run(Concatenate::new, List.of(new int[]{3}, new int[]{2}), List.of(a, w));
        assertArrayEquals(new int[]{4, 5}, y.shape());
        for (int n = 0; n < 4; n++) {
            for (int f = 0; f < 3; f++) assertEquals(a.get(n, f), y.get(n, f));
            for (int f = 0; f < 2; f++) assertEquals(w.get(n, f), y.get(n, 3 + f));
        }
        Tensor s1 = Tensor.randn(rng, 4, 2, 3), s2 = Tensor.randn(rng, 4, 1, 3);
        Tensor t = run(() -> new Concatenate(1), List.of(new int[]{2, 3}, new int[]{1, 3}), List.of(s1, s2));
        assertArrayEquals(new int[]{4, 3, 3}, t.shape());
        for (int n = 0; n < 4; n++) for (int f = 0; f < 3; f++) {
            assertEquals(s1.get(n, 1, f), t.get(n, 1, f));
            assertEquals(s2.get(n, 0, f), t.get(n, 2, f));
        }
        SymbolicTensor u = Input.of(-1, 4), v = Input.of(-1, 2);
        assertArrayEquals(new int[]{-1, 6}, new Concatenate().apply(u, v).shape(), "unknown steps stay unknown");
        assertArrayEquals(new int[]{-1, 4}, new Concatenate(-2).apply(u, Input.of(5, 4)).shape());
        assertEquals(-2, new Concatenate(-2).config().get("axis"));
    }

    @Test
    void shapeErrorsNameTheLayerAndEveryShape() {
        var add = assertThrows(IllegalArgumentException.class, () -> new Add().apply(Input.of(3), Input.of(4)));
        assertTrue(add.getMessage().contains("(Add)") && add.getMessage().contains("(None, 3), (None, 4)"), add.getMessage());

        var sub = assertThrows(IllegalArgumentException.class, () -> new Subtract().apply(Input.of(3), Input.of(3), Input.of(3)));
        assertTrue(sub.getMessage().contains("exactly 2 inputs, got 3"), sub.getMessage());

        var cat = assertThrows(IllegalArgumentException.class, () -> new Concatenate().apply(Input.of(2, 3), Input.of(4, 3)));
        assertTrue(cat.getMessage().contains("(Concatenate)") && cat.getMessage().contains("(None, 2, 3), (None, 4, 3)"), cat.getMessage());
        var rank = assertThrows(IllegalArgumentException.class, () -> new Concatenate().apply(Input.of(2, 3), Input.of(3)));
        assertTrue(rank.getMessage().contains("same rank"), rank.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Concatenate(0));
        var axis = assertThrows(IllegalArgumentException.class, () -> new Concatenate(3).apply(Input.of(3), Input.of(3)));
        assertTrue(axis.getMessage().contains("out of range"), axis.getMessage());

        // eagerly, with shapes the layer was not built for
        Multiply mul = new Multiply();
        var eager = assertThrows(IllegalArgumentException.class, () -> mul.applyAll(List.of(a, Tensor.zeros(4, 5)), Context.inference()));
        assertTrue(eager.getMessage().contains("(Multiply)") && eager.getMessage().contains("(None, 3), (None, 5)"), eager.getMessage());
        var batch = assertThrows(IllegalArgumentException.class, () -> new Add().applyAll(List.of(a, Tensor.zeros(2, 3)), Context.inference()));
        assertTrue(batch.getMessage().contains("(4, 3), (2, 3)"), batch.getMessage());
    }

    @Test
    void gradientsReachEveryBranch() {
        SymbolicTensor x1 = Input.of(3), x2 = Input.of(3);
        Dense left = new Dense(4), right = new Dense(4);
        SymbolicTensor h = new Concatenate().apply(new Add().apply(left.apply(x1), right.apply(x2)), new Multiply().apply(left.apply(x1), right.apply(x2)));
        Model model = Model.of(List.of(x1, x2), List.of(new Dense(1).apply(h)));
        assertArrayEquals(new int[]{8}, h.shape());
        Tensor target = a.sum(new int[]{1}, true).sub(b.sum(new int[]{1}, true));
        model.compile(new SGD(0.05f), new MeanSquaredError());
        History hist = model.fit(List.of(a, b), List.of(target), new FitOptions().epochs(20).batchSize(4).shuffle(false).verbose(0));
        assertTrue(hist.last("loss") < hist.get("loss").get(0), hist.toString());
        assertNotNull(left.kernel().grad());
        assertNotNull(right.kernel().grad());
    }

    @Test
    void masksPassThroughElementwiseMergesAndFeatureConcatenation() {
        Tensor x = Tensor.zeros(2, 4, 3), mask = Tensor.ones(2, 4);
        assertSame(mask, new Add().computeMask(List.of(x, x), mask));
        assertSame(mask, new Concatenate().computeMask(List.of(x, x), mask));
        assertNull(new Concatenate(1).computeMask(List.of(x, x), mask), "joining steps would need the masks joined too");
    }
}
