package dev.myelin.nn;

import dev.myelin.core.DType;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.layers.Embedding;
import dev.myelin.nn.layers.GlobalAveragePooling1D;
import dev.myelin.nn.layers.InputLayer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Embedding: the shared harness on integer ids, then lookups, masks, initialisation and errors. */
class EmbeddingLayerTest {

    private static Tensor ids() {
        return Tensor.ofInts(new int[]{1, 4, 0, 0, 2, 2, 3, 0, 9, 5, 6, 1}, 3, 4);
    }

    @Test
    void harnessOnIntegerIds() {
        LayerHarness.check(() -> new Embedding(10, 3), ids(), 10 * 3);
        LayerHarness.check(() -> new Embedding(10, 2).maskZero(true), ids().to(DType.INT64), 10 * 2);
        // whole floats are accepted, as Keras casts them
        LayerHarness.check(() -> new Embedding(10, 2), ids().toFloat(), 10 * 2);
    }

    @Test
    void looksUpRowsOfTheTable() {
        Embedding emb = new Embedding(10, 3);
        Tensor x = ids();
        Tensor y = emb.apply(x);
        assertArrayEquals(new int[]{3, 4, 3}, y.shape());
        Tensor w = emb.embeddings().value();
        assertArrayEquals(new int[]{10, 3}, w.shape());
        for (int b = 0; b < 3; b++)
            for (int t = 0; t < 4; t++)
                for (int d = 0; d < 3; d++) assertEquals(w.get((int) x.getLong(b, t), d), y.get(b, t, d));
        // float ids holding whole numbers give the same rows
        assertArrayEquals(y.toFloatArray(), emb.apply(x.toFloat()).toFloatArray());
        // any id shape: (batch,) -> (batch, 3)
        assertArrayEquals(new int[]{2, 3}, emb.apply(Tensor.ofInts(new int[]{7, 8}, 2)).shape());
        Sequential m = new Sequential(new InputLayer(4), new Embedding(10, 3));
        assertTrue(m.summary().contains("(None, 4, 3)"), m.summary());
    }

    @Test
    void gradientAccumulatesIntoTheRowsUsed() {
        Embedding emb = new Embedding(5, 2);
        Tensor x = Tensor.ofInts(new int[]{1, 3, 1}, 1, 3);
        emb.apply(x, Context.training(new Rng(0))).sum().backward();
        assertArrayEquals(new float[]{0, 0, 2, 2, 0, 0, 1, 1, 0, 0}, emb.embeddings().grad().toFloatArray(), "row 1 twice, row 3 once");
    }

    @Test
    void maskZeroMarksPadding() {
        Embedding emb = new Embedding(10, 2).maskZero(true);
        Tensor x = ids();
        Tensor mask = emb.computeMask(List.of(x), null);
        assertArrayEquals(new int[]{3, 4}, mask.shape());
        assertArrayEquals(new float[]{1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1}, mask.toFloatArray());
        assertEquals(DType.FLOAT32, mask.dtype());
        assertNull(new Embedding(10, 2).computeMask(List.of(x), null), "no mask without maskZero");
        // the Sequential model hands the mask to the next layer: a masked mean ignores the padding rows
        Tensor y = new Sequential(new InputLayer(4), emb, new GlobalAveragePooling1D()).predict(x);
        Tensor w = emb.embeddings().value();
        assertEquals((w.get(1, 0) + w.get(4, 0)) / 2, y.get(0, 0), 1e-6);
    }

    @Test
    void initialisedUniformLikeKeras() {
        Embedding emb = new Embedding(200, 50);
        emb.apply(Tensor.ofInts(new int[]{0}, 1, 1));
        float[] w = emb.embeddings().value().toFloatArray();
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        double mean = 0;
        for (float v : w) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
            mean += v;
        }
        mean /= w.length;
        assertTrue(lo >= -0.05f && hi <= 0.05f, lo + " .. " + hi);
        assertTrue(lo < -0.045f && hi > 0.045f, "spread over [-0.05, 0.05]: " + lo + " .. " + hi);
        assertEquals(0, mean, 0.002);
        assertEquals(Initializer.randomUniform(0.05f).config(), emb.config().get("embeddings_initializer"));
    }

    @Test
    void configAndErrors() {
        Map<String, Object> c = new Embedding(100, 8).maskZero(true).config();
        assertEquals(100, c.get("input_dim"));
        assertEquals(8, c.get("output_dim"));
        assertEquals(true, c.get("mask_zero"));
        assertEquals(c, Embedding.fromConfig(c).config());

        assertThrows(IllegalArgumentException.class, () -> new Embedding(0, 4));
        Embedding emb = new Embedding(10, 2);
        var frac = assertThrows(IllegalArgumentException.class, () -> emb.apply(Tensor.of(new float[]{1, 2.5f}, 1, 2)));
        assertTrue(frac.getMessage().contains("(Embedding)") && frac.getMessage().contains("whole numbers") && frac.getMessage().contains("2.5"),
                frac.getMessage());
        var range = assertThrows(IllegalArgumentException.class, () -> emb.apply(Tensor.ofInts(new int[]{3, 10}, 1, 2)));
        assertTrue(range.getMessage().contains("(Embedding)") && range.getMessage().contains("10"), range.getMessage());
        assertThrows(IllegalArgumentException.class, () -> emb.apply(Tensor.ofInts(new int[]{-1}, 1, 1)));
    }
}
