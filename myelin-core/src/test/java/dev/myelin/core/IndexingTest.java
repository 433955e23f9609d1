package dev.myelin.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Forward values, gradients and error messages of {@link Indexing}. */
class IndexingTest {
    final Rng rng = new Rng(7);

    Tensor param(int... shape) {
        return Tensor.uniform(rng, -2f, 2f, shape).requiresGrad(true);
    }

    /** x (4, 3) holding 0, 1, ..., 11. */
    static Tensor grid() {
        return Tensor.arange(12).reshape(4, 3);
    }

    static void assertValues(Tensor t, int[] shape, float... expected) {
        assertArrayEquals(shape, t.shape(), "shape");
        assertArrayEquals(expected, t.toFloatArray(), 0f);
    }

    // ------------------------------------------------------------------ indexSelect

    @Test
    void indexSelectPicksSlicesInOrder() {
        Tensor x = grid();
        assertValues(Indexing.indexSelect(x, 0, Tensor.ofInts(new int[]{2, 0, 2})), new int[]{3, 3},
                6, 7, 8, 0, 1, 2, 6, 7, 8);
        assertValues(Indexing.indexSelect(x, 1, Tensor.ofLongs(new long[]{2, 0})), new int[]{4, 2},
                2, 0, 5, 3, 8, 6, 11, 9);
        assertValues(Indexing.indexSelect(x, -1, Tensor.ofInts(new int[]{1})), new int[]{4, 1}, 1, 4, 7, 10);
        assertValues(Indexing.indexSelect(x, 0, Tensor.ofInts(new int[0])), new int[]{0, 3});
        // a transposed (non-contiguous) input
        assertValues(Indexing.indexSelect(x.t(), 0, Tensor.ofInts(new int[]{1, 1})), new int[]{2, 4},
                1, 4, 7, 10, 1, 4, 7, 10);
    }

    @Test
    void indexSelectKeepsIntegerDType() {
        Tensor ids = Tensor.ofLongs(new long[]{10, 20, 30, 40, 50, 60}, 2, 3);
        Tensor y = Indexing.indexSelect(ids, 1, Tensor.ofInts(new int[]{2, 2, 0}));
        assertEquals(DType.INT64, y.dtype());
        assertArrayEquals(new long[]{30, 30, 10, 60, 60, 40}, y.toLongArray());
    }

    @Test
    void indexSelectGradientAccumulatesRepeatedIndices() {
        Tensor x = Tensor.zeros(4, 3).requiresGrad(true);
        Indexing.indexSelect(x, 0, Tensor.ofInts(new int[]{2, 0, 2})).sum().backward();
        assertValues(x.grad(), new int[]{4, 3}, 1, 1, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0);
    }

    @Test
    void indexSelectGradCheck() {
        Tensor idx = Tensor.ofInts(new int[]{4, 0, 4, 2, 1, 4});
        GradCheck.check(xs -> Indexing.indexSelect(xs[0], 0, idx), param(5, 3));
        GradCheck.check(xs -> Indexing.indexSelect(xs[0], 1, idx), param(3, 5));
        GradCheck.check(xs -> Indexing.indexSelect(xs[0], -2, Tensor.ofLongs(new long[]{0, 0})), param(2, 1, 3));
        // non-contiguous input: (5, 3) seen as (3, 5), and a sliced view
        GradCheck.check(xs -> Indexing.indexSelect(xs[0].transpose(0, 1), 1, idx), param(5, 3));
        GradCheck.check(xs -> Indexing.indexSelect(xs[0].slice(1, 0, 7, 2), 1, Tensor.ofInts(new int[]{3, 1, 3})), param(2, 7));
        // gradient arriving as a non-contiguous view, and combined with broadcasting
        GradCheck.check(xs -> Indexing.indexSelect(xs[0], 0, idx).t().mul(xs[1]), param(5, 3), param(3, 1));
    }

    // ------------------------------------------------------------------ embedding

    @Test
    void embeddingLooksUpRows() {
        Tensor w = Tensor.of(new float[]{0, 1, 10, 11, 20, 21, 30, 31}, 4, 2);
        assertValues(Indexing.embedding(w, Tensor.ofInts(new int[]{3, 0, 1, 1, 2, 3}, 2, 3)), new int[]{2, 3, 2},
                30, 31, 0, 1, 10, 11, 10, 11, 20, 21, 30, 31);
        assertValues(Indexing.embedding(w, Tensor.ofLongs(new long[]{2}).reshape()), new int[]{2}, 20, 21);
        // ids as a transposed view; weight as a transposed view of (2, 4)
        Tensor ids = Tensor.ofInts(new int[]{0, 1, 2, 3}, 2, 2).t(); // [[0, 2], [1, 3]]
        assertValues(Indexing.embedding(w, ids), new int[]{2, 2, 2}, 0, 1, 20, 21, 10, 11, 30, 31);
        Tensor wt = Tensor.of(new float[]{0, 10, 20, 30, 1, 11, 21, 31}, 2, 4).t();
        assertValues(Indexing.embedding(wt, Tensor.ofInts(new int[]{3, 1})), new int[]{2, 2}, 30, 31, 10, 11);
    }

    @Test
    void embeddingGradientAddsRowsForRepeatedIds() {
        Tensor w = Tensor.zeros(4, 2).requiresGrad(true);
        Tensor ids = Tensor.ofLongs(new long[]{1, 3, 1, 1}, 2, 2);
        Tensor g = Tensor.of(new float[]{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2);
        Tensor y = Indexing.embedding(w, ids);
        ids.set(0, 0, 0); // changing the ids after the forward pass does not change the gradient
        y.backward(g);
        // row 1 gets (1,2) + (5,6) + (7,8); row 3 gets (3,4)
        assertValues(w.grad(), new int[]{4, 2}, 0, 0, 13, 16, 0, 0, 3, 4);
    }

    @Test
    void embeddingGradCheck() {
        Tensor ids = Tensor.ofInts(new int[]{4, 0, 4, 2, 4, 1}, 3, 2);
        GradCheck.check(xs -> Indexing.embedding(xs[0], ids), param(5, 3));
        GradCheck.check(xs -> Indexing.embedding(xs[0], Tensor.ofLongs(new long[]{0, 0, 0})), param(1, 7));
        // tied weights: the (dim, vocab) output projection used transposed as the embedding table
        GradCheck.check(xs -> Indexing.embedding(xs[0].t(), ids).matmul(xs[0]), param(3, 5));
        // scaled and broadcast afterwards
        GradCheck.check(xs -> Indexing.embedding(xs[0], ids).mul(xs[1]), param(5, 1), param(3, 1, 1));
    }

    @Test
    void embeddingLargeTableWorksRowByRow() {
        int vocab = 1000, dim = 17;
        Tensor w = Tensor.randn(rng, vocab, dim).requiresGrad(true);
        int[] ids = new int[513];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 37) % vocab;
        Tensor y = Indexing.embedding(w, Tensor.ofInts(ids));
        for (int i = 0; i < ids.length; i += 101) {
            for (int j = 0; j < dim; j++) assertEquals(w.get(ids[i], j), y.get(i, j));
        }
        y.sum().backward();
        float[] counts = new float[vocab];
        for (int id : ids) counts[id]++;
        for (int v = 0; v < vocab; v += 7) assertEquals(counts[v], w.grad().get(v, dim - 1));
    }

    // ------------------------------------------------------------------ gather

    @Test
    void gatherFollowsTorchSemantics() {
        Tensor t = Tensor.of(new float[]{1, 2, 3, 4}, 2, 2);
        // torch.gather(t, 1, [[0, 0], [1, 0]]) = [[1, 1], [4, 3]]
        assertValues(Indexing.gather(t, 1, Tensor.ofLongs(new long[]{0, 0, 1, 0}, 2, 2)), new int[]{2, 2}, 1, 1, 4, 3);
        // along axis 0, with an index narrower than x on axis 1 and longer on axis 0
        assertValues(Indexing.gather(grid(), 0, Tensor.ofInts(new int[]{3, 0, 1, 1, 2, 0}, 3, 2)), new int[]{3, 2},
                9, 1, 3, 4, 6, 1);
        // non-contiguous x
        assertValues(Indexing.gather(grid().t(), 1, Tensor.ofInts(new int[]{3, 0, 2}, 3, 1)), new int[]{3, 1}, 9, 1, 8);
        Tensor ints = Tensor.ofInts(new int[]{5, 6, 7, 8}, 2, 2);
        Tensor gi = Indexing.gather(ints, 1, Tensor.ofInts(new int[]{1, 1, 0, 1}, 2, 2));
        assertEquals(DType.INT32, gi.dtype());
        assertArrayEquals(new int[]{6, 6, 7, 8}, gi.toIntArray());
    }

    @Test
    void gatherGradientAccumulates() {
        Tensor x = Tensor.zeros(2, 3).requiresGrad(true);
        Indexing.gather(x, 1, Tensor.ofInts(new int[]{2, 2, 2, 0}, 2, 2)).sum().backward();
        assertValues(x.grad(), new int[]{2, 3}, 0, 0, 2, 1, 0, 1);
    }

    @Test
    void gatherGradCheck() {
        Tensor index = Tensor.ofInts(new int[]{2, 0, 2, 1, 1, 1, 0, 2, 2, 2, 0, 1}, 3, 4);
        GradCheck.check(xs -> Indexing.gather(xs[0], 1, index), param(3, 3));
        GradCheck.check(xs -> Indexing.gather(xs[0], 0, index), param(3, 5));
        GradCheck.check(xs -> Indexing.gather(xs[0].transpose(0, 1), 1, index), param(3, 3));
        GradCheck.check(xs -> Indexing.gather(xs[0].permute(2, 0, 1), 2, Tensor.ofLongs(new long[]{0, 1, 1, 0, 0, 0}, 1, 3, 2)),
                param(3, 2, 2));
        GradCheck.check(xs -> Indexing.gather(xs[0].expand(3, 4), 1, index).mul(xs[1]), param(1, 4), param(4));
        // the gradient arriving as a transposed view
        GradCheck.check(xs -> Indexing.gather(xs[0], 1, index).t().mul(xs[1]), param(3, 3), param(4, 1));
    }

    // ------------------------------------------------------------------ scatterAdd

    @Test
    void scatterAddFollowsTorchSemantics() {
        Tensor src = Tensor.ones(2, 5);
        Tensor index = Tensor.ofLongs(new long[]{0, 1, 2, 0, 0}, 1, 5);
        assertValues(Indexing.scatterAdd(Tensor.zeros(3, 5), 0, index, src), new int[]{3, 5},
                1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0);
        Tensor index2 = Tensor.ofLongs(new long[]{0, 1, 2, 0, 0, 0, 1, 2, 2, 2}, 2, 5);
        assertValues(Indexing.scatterAdd(Tensor.zeros(3, 5), 0, index2, src), new int[]{3, 5},
                2, 0, 0, 1, 1, 0, 2, 0, 0, 0, 0, 0, 2, 1, 1);
        // along axis 1, onto a non-zero x, which is not changed in place
        Tensor x = Tensor.full(10f, 2, 3);
        Tensor y = Indexing.scatterAdd(x, 1, Tensor.ofInts(new int[]{2, 2, 0, 1}, 2, 2), Tensor.of(new float[]{1, 2, 3, 4}, 2, 2));
        assertValues(y, new int[]{2, 3}, 10, 10, 13, 13, 14, 10);
        assertValues(x, new int[]{2, 3}, 10, 10, 10, 10, 10, 10);
    }

    @Test
    void scatterAddGradCheck() {
        Tensor index = Tensor.ofInts(new int[]{2, 0, 2, 1, 1, 1}, 2, 3);
        GradCheck.check(xs -> Indexing.scatterAdd(xs[0], 0, index, xs[1]), param(3, 3), param(2, 3));
        // src larger than index (its extra elements get zero gradient), x as a transposed view
        GradCheck.check(xs -> Indexing.scatterAdd(xs[0].t(), 1, index, xs[1]), param(4, 2), param(3, 5));
        // src as a non-contiguous view, output consumed through a view
        GradCheck.check(xs -> Indexing.scatterAdd(xs[0], 1, index, xs[1].transpose(0, 1)).t().mul(xs[0].t()),
                param(2, 3), param(3, 2));
        // only src requires grad
        Tensor x = Tensor.zeros(3, 3);
        GradCheck.check(xs -> Indexing.scatterAdd(x, 0, index, xs[0]), param(2, 4));
    }

    // ------------------------------------------------------------------ oneHot

    @Test
    void oneHotEncodesLabels() {
        assertValues(Indexing.oneHot(Tensor.ofInts(new int[]{2, 0, 1}), 3), new int[]{3, 3}, 0, 0, 1, 1, 0, 0, 0, 1, 0);
        assertValues(Indexing.oneHot(Tensor.ofLongs(new long[]{1, 0, 3, 1}, 2, 2), 4), new int[]{2, 2, 4},
                0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0);
        assertValues(Indexing.oneHot(Tensor.of(new float[]{1, 0}), 2), new int[]{2, 2}, 0, 1, 1, 0);
        assertValues(Indexing.oneHot(Tensor.ofInts(new int[]{1, 3}), -1), new int[]{2, 4}, 0, 1, 0, 0, 0, 0, 0, 1);
        assertValues(Indexing.oneHot(Tensor.ofBytes(new byte[]{(byte) 200}, DType.UINT8), 201).slice(1, 199, 201), new int[]{1, 2}, 0, 1);
        assertValues(Indexing.oneHot(Tensor.ofInts(new int[]{2}).reshape(), 3), new int[]{3}, 0, 0, 1);
        assertEquals(DType.FLOAT32, Indexing.oneHot(Tensor.ofInts(new int[]{0}), 1).dtype());
    }

    @Test
    void oneHotIsNotDifferentiable() {
        Tensor labels = Tensor.of(new float[]{1, 0}).requiresGrad(true);
        Tensor y = Indexing.oneHot(labels, 2);
        assertFalse(y.requiresGrad());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.backward(Tensor.ones(2, 2)));
        assertTrue(e.getMessage().contains("oneHot"), e.getMessage());
    }

    @Test
    void oneHotErrorsNameTheLabel() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Indexing.oneHot(Tensor.ofInts(new int[]{0, 1, 5, 2}, 2, 2), 4));
        assertMessage(e, "oneHot", "label 5", "[1, 0]", "numClasses 4", "0 to 3");
        e = assertThrows(IllegalArgumentException.class, () -> Indexing.oneHot(Tensor.ofInts(new int[]{-1}), 4));
        assertMessage(e, "oneHot", "label -1", "[0]");
        e = assertThrows(IllegalArgumentException.class, () -> Indexing.oneHot(Tensor.of(new float[]{0, 1.5f}), 4));
        assertMessage(e, "oneHot", "1.5", "[1]", "whole number");
        e = assertThrows(IllegalArgumentException.class, () -> Indexing.oneHot(Tensor.ofInts(new int[]{0}), 0));
        assertMessage(e, "oneHot", "numClasses", "0");
    }

    // ------------------------------------------------------------------ errors

    @Test
    void outOfRangeIndicesNameOpValuePositionAndRange() {
        var e = assertThrows(IndexOutOfBoundsException.class, () -> Indexing.indexSelect(grid(), 0, Tensor.ofInts(new int[]{1, 7})));
        assertMessage(e, "indexSelect", "index 7", "position [1]", "axis 0", "(4, 3)", "0 to 3");
        e = assertThrows(IndexOutOfBoundsException.class, () -> Indexing.indexSelect(grid(), 1, Tensor.ofLongs(new long[]{-1})));
        assertMessage(e, "indexSelect", "index -1", "position [0]", "axis 1", "0 to 2");
        e = assertThrows(IndexOutOfBoundsException.class,
                () -> Indexing.embedding(Tensor.zeros(5, 3), Tensor.ofInts(new int[]{0, 1, 2, 3, 4, 5}, 2, 3)));
        assertMessage(e, "embedding", "index 5", "position [1, 2]", "ids", "(5, 3)", "0 to 4");
        e = assertThrows(IndexOutOfBoundsException.class,
                () -> Indexing.embedding(Tensor.zeros(5, 3), Tensor.ofLongs(new long[]{1L << 40})));
        assertMessage(e, "embedding", "index " + (1L << 40));
        e = assertThrows(IndexOutOfBoundsException.class, () -> Indexing.gather(grid(), 1, Tensor.ofInts(new int[]{0, 3}, 1, 2)));
        assertMessage(e, "gather", "index 3", "position [0, 1]", "axis 1", "0 to 2");
        e = assertThrows(IndexOutOfBoundsException.class,
                () -> Indexing.scatterAdd(Tensor.zeros(2, 2), 0, Tensor.ofInts(new int[]{2}, 1, 1), Tensor.ones(1, 1)));
        assertMessage(e, "scatterAdd", "index 2", "position [0, 0]", "0 to 1");
    }

    @Test
    void floatIndicesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> Indexing.indexSelect(grid(), 0, Tensor.of(new float[]{1, 2})));
        assertMessage(e, "indexSelect", "int32 or int64", "float32", "(2,)");
        e = assertThrows(IllegalArgumentException.class, () -> Indexing.embedding(Tensor.zeros(3, 2), Tensor.of(new float[]{1})));
        assertMessage(e, "embedding", "int32 or int64", "float32");
        e = assertThrows(IllegalArgumentException.class, () -> Indexing.gather(grid(), 0, Tensor.zeros(1, 3)));
        assertMessage(e, "gather", "int32 or int64", "float32");
        e = assertThrows(IllegalArgumentException.class,
                () -> Indexing.scatterAdd(Tensor.zeros(2, 2), 0, Tensor.zeros(1, 1), Tensor.ones(1, 1)));
        assertMessage(e, "scatterAdd", "int32 or int64", "float32");
    }

    @Test
    void shapeErrorsNameOpAndShapes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Indexing.indexSelect(grid(), 0, Tensor.ofInts(new int[]{0, 1}, 1, 2)));
        assertMessage(e, "indexSelect", "1-D", "(1, 2)");
        e = assertThrows(IllegalArgumentException.class, () -> Indexing.indexSelect(grid(), 2, Tensor.ofInts(new int[]{0})));
        assertMessage(e, "indexSelect", "axis 2");
        e = assertThrows(IllegalArgumentException.class, () -> Indexing.embedding(Tensor.zeros(5), Tensor.ofInts(new int[]{0})));
        assertMessage(e, "embedding", "2-D", "(5,)");
        e = assertThrows(IllegalArgumentException.class, () -> Indexing.gather(grid(), 1, Tensor.ofInts(new int[]{0, 1})));
        assertMessage(e, "gather", "(2,)", "(4, 3)", "same rank");
        e = assertThrows(IllegalArgumentException.class, () -> Indexing.gather(grid(), 1, Tensor.ofInts(new int[5], 5, 1)));
        assertMessage(e, "gather", "(5, 1)", "(4, 3)", "axis 0", "5 > 4");
        e = assertThrows(IllegalArgumentException.class,
                () -> Indexing.scatterAdd(Tensor.zeros(3, 3), 0, Tensor.ofInts(new int[6], 2, 3), Tensor.ones(2, 2)));
        assertMessage(e, "scatterAdd", "(2, 3)", "src", "(2, 2)");
        e = assertThrows(IllegalArgumentException.class,
                () -> Indexing.scatterAdd(Tensor.zeros(3, 3), 0, Tensor.ofInts(new int[4], 2, 2), Tensor.ofInts(new int[4], 2, 2)));
        assertMessage(e, "scatterAdd", "src", "float32", "int32");
    }

    static void assertMessage(Exception e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "expected '" + p + "' in: " + e.getMessage());
    }
}
