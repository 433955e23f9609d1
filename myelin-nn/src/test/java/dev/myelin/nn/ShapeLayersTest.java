package dev.myelin.nn;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.Permute;
import dev.myelin.nn.layers.RepeatVector;
import dev.myelin.nn.layers.Reshape;
import dev.myelin.nn.layers.UpSampling2D;
import dev.myelin.nn.layers.ZeroPadding2D;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Layers that move values around without weights: exact values, shapes, configs and errors. */
class ShapeLayersTest {

    @Test
    void harness() {
        LayerHarness.check(() -> new Reshape(3, 4), new int[]{2, 12}, 0);
        LayerHarness.check(() -> new Reshape(-1, 2), new int[]{2, 3, 4}, 0);
        LayerHarness.check(() -> new Permute(2, 1), new int[]{2, 3, 4}, 0);
        LayerHarness.check(() -> new Permute(3, 1, 2), new int[]{2, 2, 3, 4}, 0);
        LayerHarness.check(() -> new RepeatVector(3), new int[]{2, 4}, 0);
        LayerHarness.check(UpSampling2D::new, new int[]{2, 3, 3, 2}, 0);
        LayerHarness.check(() -> new UpSampling2D(new int[]{1, 3}), new int[]{2, 2, 3, 2}, 0);
        LayerHarness.check(() -> new ZeroPadding2D(new int[][]{{1, 2}, {0, 3}}), new int[]{2, 3, 3, 2}, 0);
        LayerHarness.check(ZeroPadding2D::new, new int[]{2, 2, 2, 1}, 0);
    }

    @Test
    void reshapeKeepsRowMajorOrderAndInfersMinusOne() {
        Tensor x = Tensor.arange(24).reshape(2, 3, 4);
        Tensor y = new Reshape(-1, 6).apply(x);
        assertArrayEquals(new int[]{2, 2, 6}, y.shape());
        assertArrayEquals(x.toFloatArray(), y.toFloatArray());
        assertEquals(13f, y.get(1, 0, 1));
        Sequential m = new Sequential(new InputLayer(3, 4), new Reshape(-1, 2));
        assertArrayEquals(new int[]{6, 2}, m.outputShapes().get(0));
        assertTrue(m.summary().contains("(None, 6, 2)"), m.summary());

        var bad = assertThrows(IllegalArgumentException.class, () -> new Sequential(new InputLayer(2, 3), new Reshape(4, 2)));
        assertTrue(bad.getMessage().contains("(Reshape)") && bad.getMessage().contains("(None, 2, 3)")
                && bad.getMessage().contains("(None, 4, 2)"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Sequential(new InputLayer(7), new Reshape(-1, 2)));
        assertThrows(IllegalArgumentException.class, () -> new Reshape(-1, -1));
        assertThrows(IllegalArgumentException.class, () -> new Reshape(0, 2));

        var wrong = assertThrows(IllegalArgumentException.class, () -> m.predict(Tensor.zeros(2, 4, 3)));
        assertTrue(wrong.getMessage().contains("expected input shape (None, 3, 4), got (2, 4, 3)"), wrong.getMessage());
        assertEquals(List.of(-1, 2), new Reshape(-1, 2).config().get("target_shape"));
    }

    @Test
    void permuteMovesAxesOneBased() {
        Tensor x = Tensor.randn(new Rng(1), 2, 2, 3, 4);
        Tensor y = new Permute(3, 1, 2).apply(x); // output axis i is input axis dims[i]
        assertArrayEquals(new int[]{2, 4, 2, 3}, y.shape());
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 3; j++)
                    for (int k = 0; k < 4; k++) assertEquals(x.get(b, i, j, k), y.get(b, k, i, j));
        Sequential m = new Sequential(new InputLayer(10, 64), new Permute(2, 1));
        assertArrayEquals(new int[]{64, 10}, m.outputShapes().get(0));
        assertEquals(List.of(2, 1), new Permute(2, 1).config().get("dims"));

        var bad = assertThrows(IllegalArgumentException.class, () -> new Permute(0, 1));
        assertTrue(bad.getMessage().contains("1-based"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Permute(1, 1));
        var rank = assertThrows(IllegalArgumentException.class, () -> new Sequential(new InputLayer(2, 3, 4), new Permute(2, 1)));
        assertTrue(rank.getMessage().contains("(Permute)") && rank.getMessage().contains("(None, 2, 3, 4)"), rank.getMessage());
    }

    @Test
    void repeatVectorCopiesAlongANewTimeAxis() {
        Tensor x = Tensor.randn(new Rng(2), 2, 3).requiresGrad(true);
        Tensor y = new RepeatVector(4).apply(x, Context.training(new Rng(0)));
        assertArrayEquals(new int[]{2, 4, 3}, y.shape());
        for (int b = 0; b < 2; b++) for (int t = 0; t < 4; t++) for (int f = 0; f < 3; f++) assertEquals(x.get(b, f), y.get(b, t, f));
        y.sum().backward();
        assertArrayEquals(new float[]{4, 4, 4, 4, 4, 4}, x.grad().toFloatArray(), "the gradient sums the copies");
        var rank = assertThrows(IllegalArgumentException.class, () -> new Sequential(new InputLayer(2, 3), new RepeatVector(2)));
        assertTrue(rank.getMessage().contains("(None, features)") && rank.getMessage().contains("(None, 2, 3)"), rank.getMessage());
        assertEquals(4, new RepeatVector(4).config().get("n"));
    }

    @Test
    void upSamplingRepeatsRowsAndColumns() {
        Tensor x = Tensor.arange(12).reshape(1, 2, 3, 2);
        Tensor y = new UpSampling2D(new int[]{2, 3}).apply(x);
        assertArrayEquals(new int[]{1, 4, 9, 2}, y.shape());
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 9; j++)
                for (int c = 0; c < 2; c++) assertEquals(x.get(0, i / 2, j / 3, c), y.get(0, i, j, c));
        // channel 0 of the first upsampled row: 0 0 0 2 2 2 4 4 4
        float[] row = new float[9];
        for (int j = 0; j < 9; j++) row[j] = y.get(0, 0, j, 0);
        assertArrayEquals(new float[]{0, 0, 0, 2, 2, 2, 4, 4, 4}, row);
        Map<String, Object> c = new UpSampling2D(2).config();
        assertEquals(List.of(2, 2), c.get("size"));
        assertEquals("nearest", c.get("interpolation"));
        var bil = assertThrows(IllegalArgumentException.class, () -> UpSampling2D.fromConfig(Map.of("size", List.of(2, 2), "interpolation", "bilinear")));
        assertTrue(bil.getMessage().contains("nearest"), bil.getMessage());
    }

    @Test
    void zeroPaddingAddsZerosOnEachSide() {
        Tensor x = Tensor.arange(1, 7, 1).reshape(1, 2, 3, 1); // [[1 2 3] [4 5 6]]
        Tensor y = new ZeroPadding2D(new int[][]{{1, 0}, {2, 1}}).apply(x);
        assertArrayEquals(new int[]{1, 3, 6, 1}, y.shape());
        assertArrayEquals(new float[]{
                0, 0, 0, 0, 0, 0,
                0, 0, 1, 2, 3, 0,
                0, 0, 4, 5, 6, 0}, y.toFloatArray());
        assertArrayEquals(new int[]{1, 4, 7, 1}, new ZeroPadding2D(1, 2).apply(x).shape());
        assertEquals(List.of(List.of(1, 0), List.of(2, 1)), new ZeroPadding2D(new int[][]{{1, 0}, {2, 1}}).config().get("padding"));
        // Keras's other spellings of "padding"
        assertArrayEquals(new int[][]{{2, 2}, {2, 2}}, ZeroPadding2D.fromConfig(Map.of("padding", 2)).padding());
        assertArrayEquals(new int[][]{{1, 1}, {3, 3}}, ZeroPadding2D.fromConfig(Map.of("padding", List.of(1, 3))).padding());
        assertThrows(IllegalArgumentException.class, () -> new ZeroPadding2D(-1));
    }
}
