package dev.myelin.nn;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.layers.AveragePooling1D;
import dev.myelin.nn.layers.AveragePooling2D;
import dev.myelin.nn.layers.Embedding;
import dev.myelin.nn.layers.GlobalAveragePooling1D;
import dev.myelin.nn.layers.GlobalAveragePooling2D;
import dev.myelin.nn.layers.GlobalMaxPooling1D;
import dev.myelin.nn.layers.GlobalMaxPooling2D;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.MaxPooling1D;
import dev.myelin.nn.layers.MaxPooling2D;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.myelin.nn.ConvLayersTest.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/** Pooling layers: the shared harness, then window maths against direct loops in double. */
class PoolingLayersTest {

    @Test
    void harness() {
        LayerHarness.check(MaxPooling2D::new, new int[]{2, 6, 6, 3}, 0);
        LayerHarness.check(() -> new MaxPooling2D(3).strides(2).padding("same"), new int[]{2, 7, 7, 2}, 0);
        LayerHarness.check(() -> new AveragePooling2D(new int[]{2, 3}), new int[]{2, 4, 6, 2}, 0);
        LayerHarness.check(() -> new AveragePooling2D(2).strides(1).padding("same"), new int[]{2, 3, 3, 2}, 0);
        LayerHarness.check(MaxPooling1D::new, new int[]{2, 6, 3}, 0);
        LayerHarness.check(() -> new AveragePooling1D(3).strides(2).padding("same"), new int[]{2, 7, 2}, 0);
        LayerHarness.check(GlobalAveragePooling2D::new, new int[]{2, 3, 4, 5}, 0);
        LayerHarness.check(() -> new GlobalMaxPooling2D().keepdims(true), new int[]{2, 3, 4, 5}, 0);
        LayerHarness.check(GlobalAveragePooling1D::new, new int[]{2, 6, 3}, 0);
        LayerHarness.check(() -> new GlobalMaxPooling1D().keepdims(true), new int[]{2, 6, 3}, 0);
    }

    /**
     * Pooling by the definition: windows from (i*s - top, j*s - left), positions outside the input
     * skipped; the max, or the mean over the positions inside.
     */
    static double[] naivePool2d(Tensor x, boolean max, int[] pool, int[] s, int top, int left, int oh, int ow) {
        int n = x.size(0), h = x.size(1), w = x.size(2), c = x.size(3);
        double[] y = new double[n * oh * ow * c];
        for (int b = 0; b < n; b++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                    for (int ch = 0; ch < c; ch++) {
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0;
                        for (int a = 0; a < pool[0]; a++)
                            for (int e = 0; e < pool[1]; e++) {
                                int r = i * s[0] - top + a, q = j * s[1] - left + e;
                                if (r < 0 || r >= h || q < 0 || q >= w) continue;
                                double v = x.get(b, r, q, ch);
                                acc = max ? Math.max(acc, v) : acc + v;
                                count++;
                            }
                        y[((b * oh + i) * ow + j) * c + ch] = max ? acc : acc / count;
                    }
        return y;
    }

    @Test
    void maxAndAveragePooling2dMatchTheDefinition() {
        Tensor x = Tensor.randn(new Rng(1), 2, 5, 7, 3);
        // valid 2x2: floor((5-2)/2)+1 = 2, floor((7-2)/2)+1 = 3
        Tensor y = new MaxPooling2D().apply(x);
        assertArrayEquals(new int[]{2, 2, 3, 3}, y.shape());
        assertClose(naivePool2d(x, true, new int[]{2, 2}, new int[]{2, 2}, 0, 0, 2, 3), y, 0, "MaxPooling2D valid");

        // same 3x3 stride 2: ceil(5/2) = 3, ceil(7/2) = 4; padding (3-1)*2+3-5 = 2 -> top 1, (4-1)*2+3-7 = 2 -> left 1
        Tensor ya = new AveragePooling2D(3).strides(2).padding("same").apply(x);
        assertArrayEquals(new int[]{2, 3, 4, 3}, ya.shape());
        assertClose(naivePool2d(x, false, new int[]{3, 3}, new int[]{2, 2}, 1, 1, 3, 4), ya, 1e-6, "AveragePooling2D same");

        Tensor ym = new MaxPooling2D(new int[]{2, 3}).strides(1, 2).apply(x);
        assertArrayEquals(new int[]{2, 4, 3, 3}, ym.shape());
        assertClose(naivePool2d(x, true, new int[]{2, 3}, new int[]{1, 2}, 0, 0, 4, 3), ym, 0, "MaxPooling2D rectangular");
    }

    @Test
    void pooling1dMatchesTheDefinition() {
        Tensor x = Tensor.randn(new Rng(2), 2, 7, 3);
        Tensor y = new MaxPooling1D(3).strides(2).apply(x); // floor((7-3)/2)+1 = 3
        assertArrayEquals(new int[]{2, 3, 3}, y.shape());
        assertClose(naivePool2d(x.unsqueeze(1), true, new int[]{1, 3}, new int[]{1, 2}, 0, 0, 1, 3), y, 0, "MaxPooling1D");
        Tensor ya = new AveragePooling1D(2).padding("same").apply(x); // ceil(7/2) = 4, the last window holds one step
        assertArrayEquals(new int[]{2, 4, 3}, ya.shape());
        assertClose(naivePool2d(x.unsqueeze(1), false, new int[]{1, 2}, new int[]{1, 2}, 0, 0, 1, 4), ya, 1e-6, "AveragePooling1D same");
        assertEquals(x.get(1, 6, 2), ya.get(1, 3, 2), 1e-6f, "a window with one real step averages over that step only");
    }

    @Test
    void globalPoolingReducesEverySpatialAxis() {
        Tensor x = Tensor.randn(new Rng(3), 2, 3, 4, 5);
        Tensor avg = new GlobalAveragePooling2D().apply(x), max = new GlobalMaxPooling2D().apply(x);
        Tensor avgKeep = new GlobalAveragePooling2D().keepdims(true).apply(x);
        assertArrayEquals(new int[]{2, 5}, avg.shape());
        assertArrayEquals(new int[]{2, 1, 1, 5}, avgKeep.shape());
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 5; c++) {
                double s = 0, m = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) {
                    s += x.get(b, i, j, c);
                    m = Math.max(m, x.get(b, i, j, c));
                }
                assertEquals(s / 12, avg.get(b, c), 1e-6);
                assertEquals(s / 12, avgKeep.get(b, 0, 0, c), 1e-6);
                assertEquals(m, max.get(b, c), 0);
            }
        Tensor seq = Tensor.randn(new Rng(4), 2, 6, 3);
        Tensor m1 = new GlobalMaxPooling1D().apply(seq), a1 = new GlobalAveragePooling1D().keepdims(true).apply(seq);
        assertArrayEquals(new int[]{2, 3}, m1.shape());
        assertArrayEquals(new int[]{2, 1, 3}, a1.shape());
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 3; c++) {
                double s = 0, m = Double.NEGATIVE_INFINITY;
                for (int t = 0; t < 6; t++) {
                    s += seq.get(b, t, c);
                    m = Math.max(m, seq.get(b, t, c));
                }
                assertEquals(m, m1.get(b, c), 0);
                assertEquals(s / 6, a1.get(b, 0, c), 1e-6);
            }
    }

    @Test
    void globalAveragePooling1dSkipsMaskedSteps() {
        // ids with trailing padding 0: the Embedding's mask leaves those steps out of the mean
        Tensor ids = Tensor.ofInts(new int[]{3, 1, 0, 0, 2, 2, 4, 0}, 2, 4);
        Embedding emb = new Embedding(5, 3).maskZero(true);
        Sequential model = new Sequential(new InputLayer(4), emb, new GlobalAveragePooling1D());
        Tensor y = model.predict(ids);
        assertArrayEquals(new int[]{2, 3}, y.shape());
        Tensor w = emb.embeddings().value();
        int[][] real = {{3, 1}, {2, 2, 4}};
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 3; c++) {
                double s = 0;
                for (int id : real[b]) s += w.get(id, c);
                assertEquals(s / real[b].length, y.get(b, c), 1e-6, "row " + b);
            }
        // without the mask, the padding rows count
        Tensor plain = new Sequential(new InputLayer(4), new Embedding(5, 3), new GlobalAveragePooling1D()).predict(ids);
        assertArrayEquals(new int[]{2, 3}, plain.shape());
        // the mask stops at the pooling layer
        assertNull(new GlobalAveragePooling1D().computeMask(List.of(Tensor.zeros(2, 4, 3)), Tensor.ones(2, 4)));
    }

    @Test
    void shapesConfigAndErrors() {
        Sequential m = new Sequential(new InputLayer(5, 5, 1), new MaxPooling2D(2), new AveragePooling2D(2).padding("same"));
        assertArrayEquals(new int[]{1, 1, 1}, m.outputShapes().get(0)); // 5 -> floor(3/2)+1 = 2 -> ceil(2/2) = 1
        assertTrue(m.summary().contains("(None, 2, 2, 1)"), m.summary());

        Map<String, Object> c = new MaxPooling2D(3).config();
        assertEquals(List.of(3, 3), c.get("pool_size"));
        assertEquals(List.of(3, 3), c.get("strides"), "strides default to the pool size, stored as Keras stores them");
        assertEquals("valid", c.get("padding"));
        assertEquals(List.of(2), new MaxPooling1D(2).config().get("pool_size"));
        assertEquals(false, new GlobalAveragePooling2D().config().get("keepdims"));

        var rank = assertThrows(IllegalArgumentException.class, () -> new Sequential(new InputLayer(8, 3), new MaxPooling2D()));
        assertTrue(rank.getMessage().contains("(MaxPooling2D)") && rank.getMessage().contains("(None, 8, 3)"), rank.getMessage());
        var small = assertThrows(IllegalArgumentException.class, () -> new Sequential(new InputLayer(1, 4, 3), new MaxPooling2D(2)));
        assertTrue(small.getMessage().contains("too small"), small.getMessage());
        var pad = assertThrows(IllegalArgumentException.class, () -> new MaxPooling2D().padding("full"));
        assertTrue(pad.getMessage().contains("\"full\""), pad.getMessage());
    }
}
