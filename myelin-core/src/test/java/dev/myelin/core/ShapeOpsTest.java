package dev.myelin.core;

import dev.myelin.core.ShapeOps.PadMode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.myelin.core.IndexingTest.assertMessage;
import static dev.myelin.core.IndexingTest.assertValues;
import static org.junit.jupiter.api.Assertions.*;

/** Forward values, gradients and error messages of {@link ShapeOps}. */
class ShapeOpsTest {
    final Rng rng = new Rng(11);

    Tensor param(int... shape) {
        return Tensor.uniform(rng, -2f, 2f, shape).requiresGrad(true);
    }

    static Tensor seq(int from, int... shape) {
        return Tensor.arange(from, from + Shape.numel(shape), 1).reshape(shape);
    }

    // ------------------------------------------------------------------ concat

    @Test
    void concatJoinsAlongAnAxis() {
        Tensor a = seq(0, 2, 2), b = seq(10, 2, 1), c = seq(20, 2, 3);
        assertValues(ShapeOps.concat(1, a, b, c), new int[]{2, 6}, 0, 1, 10, 20, 21, 22, 2, 3, 11, 23, 24, 25);
        assertValues(ShapeOps.concat(-1, List.of(a, b)), new int[]{2, 3}, 0, 1, 10, 2, 3, 11);
        assertValues(ShapeOps.concat(0, a, seq(5, 1, 2)), new int[]{3, 2}, 0, 1, 2, 3, 5, 6);
        // non-contiguous inputs: a transposed view and a broadcast row
        assertValues(ShapeOps.concat(0, a.t(), seq(7, 1, 2).expand(2, 2)), new int[]{4, 2}, 0, 2, 1, 3, 7, 8, 7, 8);
        // an empty piece and a single tensor
        assertValues(ShapeOps.concat(1, a, Tensor.zeros(2, 0)), new int[]{2, 2}, 0, 1, 2, 3);
        assertValues(ShapeOps.concat(0, a), new int[]{2, 2}, 0, 1, 2, 3);
    }

    @Test
    void concatOfIndexTensors() {
        Tensor y = ShapeOps.concat(0, Tensor.ofLongs(new long[]{1, 2}), Tensor.ofLongs(new long[]{1L << 40}));
        assertEquals(DType.INT64, y.dtype());
        assertArrayEquals(new long[]{1, 2, 1L << 40}, y.toLongArray());
        Tensor z = ShapeOps.concat(1, Tensor.ofInts(new int[]{1, 2}, 2, 1), Tensor.ofInts(new int[]{3, 4, 5, 6}, 2, 2).t());
        assertEquals(DType.INT32, z.dtype());
        assertArrayEquals(new int[]{1, 3, 5, 2, 4, 6}, z.toIntArray());
    }

    @Test
    void concatGradCheck() {
        GradCheck.check(xs -> ShapeOps.concat(0, xs[0], xs[1]), param(2, 3), param(1, 3));
        GradCheck.check(xs -> ShapeOps.concat(1, xs[0].transpose(0, 1), xs[1]), param(5, 3), param(3, 1));
        GradCheck.check(xs -> ShapeOps.concat(-1, xs[0].expand(2, 3, 2), xs[1], xs[0].expand(2, 3, 2)), param(3, 1), param(2, 3, 1));
        GradCheck.check(xs -> ShapeOps.concat(1, xs[0], xs[1].slice(1, 0, 7, 3)).mul(xs[2]), param(2, 1), param(2, 7), param(4));
        // a tensor that needs no gradient in the middle
        Tensor fixed = Tensor.ones(2, 2);
        GradCheck.check(xs -> ShapeOps.concat(0, xs[0], fixed, xs[1]), param(1, 2), param(3, 2));
    }

    @Test
    void concatOfOneTensorTwiceAddsBothGradients() {
        Tensor x = Tensor.zeros(2, 2).requiresGrad(true);
        ShapeOps.concat(0, x, x).backward(seq(1, 4, 2));
        assertValues(x.grad(), new int[]{2, 2}, 1 + 5, 2 + 6, 3 + 7, 4 + 8);
    }

    @Test
    void concatErrorsNameShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.concat(0, Tensor.zeros(2, 3), Tensor.zeros(2, 4)));
        assertEquals("concat: tensor 1 has shape (2, 4) but tensor 0 has (2, 3): all axes except axis 0 must match", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.concat(1, Tensor.zeros(2, 3), Tensor.zeros(3)));
        assertMessage(e, "concat", "tensor 1", "(3,)", "(2, 3)", "rank");
        e = assertThrows(IllegalArgumentException.class,
                () -> ShapeOps.concat(0, Tensor.zeros(DType.INT32, 2), Tensor.zeros(DType.INT64, 2)));
        assertMessage(e, "concat", "tensor 1 is int64", "tensor 0 is int32");
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.concat(0));
        assertMessage(e, "concat", "at least one");
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.concat(0, Tensor.scalar(1), Tensor.scalar(2)));
        assertMessage(e, "concat", "scalar", "stack");
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.concat(2, Tensor.zeros(2, 3)));
        assertMessage(e, "concat", "axis 2");
    }

    // ------------------------------------------------------------------ stack

    @Test
    void stackAddsAnAxis() {
        Tensor a = seq(0, 2, 2), b = seq(10, 2, 2);
        assertValues(ShapeOps.stack(0, a, b), new int[]{2, 2, 2}, 0, 1, 2, 3, 10, 11, 12, 13);
        assertValues(ShapeOps.stack(1, a, b), new int[]{2, 2, 2}, 0, 1, 10, 11, 2, 3, 12, 13);
        assertValues(ShapeOps.stack(-1, List.of(a, b)), new int[]{2, 2, 2}, 0, 10, 1, 11, 2, 12, 3, 13);
        assertValues(ShapeOps.stack(0, Tensor.scalar(3), Tensor.scalar(4), Tensor.scalar(5)), new int[]{3}, 3, 4, 5);
        Tensor ids = ShapeOps.stack(0, Tensor.ofInts(new int[]{1, 2}), Tensor.ofInts(new int[]{3, 4}));
        assertEquals(DType.INT32, ids.dtype());
        assertArrayEquals(new int[]{1, 2, 3, 4}, ids.toIntArray());
    }

    @Test
    void stackGradCheck() {
        GradCheck.check(xs -> ShapeOps.stack(0, xs[0], xs[1]), param(2, 3), param(2, 3));
        GradCheck.check(xs -> ShapeOps.stack(2, xs[0].t(), xs[1], xs[0].t()), param(3, 1), param(1, 3));
        GradCheck.check(xs -> ShapeOps.stack(-1, xs[0].expand(3, 5), xs[1]).mul(xs[0].unsqueeze(-1)), param(1, 5), param(3, 5));
    }

    @Test
    void stackErrorsNameShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.stack(0, Tensor.zeros(2, 3), Tensor.zeros(2, 4)));
        assertEquals("stack: tensor 1 has shape (2, 4) but tensor 0 has (2, 3): all tensors must have the same shape", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.stack(3, Tensor.zeros(2, 3)));
        assertMessage(e, "stack", "axis 3");
    }

    // ------------------------------------------------------------------ split / chunk

    @Test
    void splitCutsIntoViews() {
        Tensor x = seq(0, 2, 5);
        Tensor[] p = ShapeOps.split(x, 1, 2, 0, 3);
        assertEquals(3, p.length);
        assertValues(p[0], new int[]{2, 2}, 0, 1, 5, 6);
        assertValues(p[1], new int[]{2, 0});
        assertValues(p[2], new int[]{2, 3}, 2, 3, 4, 7, 8, 9);
        assertSame(x.storage(), p[2].storage(), "pieces are views");
        Tensor[] q = ShapeOps.split(Tensor.ofLongs(new long[]{1, 2, 3}), 0, 1, 2);
        assertArrayEquals(new long[]{2, 3}, q[1].toLongArray());
        assertEquals(DType.INT64, q[1].dtype());
    }

    @Test
    void splitGradCheck() {
        GradCheck.check(xs -> {
            Tensor[] p = ShapeOps.split(xs[0], 1, 1, 3, 3);
            return ShapeOps.concat(1, p[2].mul(p[1]), p[0]); // the pieces recombined in another order
        }, param(2, 7));
        GradCheck.check(xs -> ShapeOps.split(xs[0].t(), 0, 2, 3)[1].exp(), param(4, 5));
    }

    @Test
    void chunkFollowsTorch() {
        Tensor x = seq(0, 5, 1);
        Tensor[] p = ShapeOps.chunk(x, 2, 0);
        assertEquals(2, p.length);
        assertValues(p[0], new int[]{3, 1}, 0, 1, 2);
        assertValues(p[1], new int[]{2, 1}, 3, 4);
        assertEquals(3, ShapeOps.chunk(seq(0, 6), 3, 0).length);
        Tensor[] q = ShapeOps.chunk(seq(0, 2, 6), 4, -1); // sizes 2, 2, 2: three pieces, as torch.chunk
        assertEquals(3, q.length);
        assertValues(q[2], new int[]{2, 2}, 4, 5, 10, 11);
        assertEquals(1, ShapeOps.chunk(seq(0, 3), 1, 0).length);
        assertEquals(3, ShapeOps.chunk(seq(0, 3), 5, 0).length); // sizes 1, 1, 1
        GradCheck.check(xs -> {
            Tensor[] c = ShapeOps.chunk(xs[0], 3, 1);
            return c[0].mul(c[1]).add(c[2]);
        }, param(3, 6));
    }

    @Test
    void splitErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.split(Tensor.zeros(4, 7), 1, 2, 4));
        assertMessage(e, "split", "[2, 4]", "6", "axis 1", "(4, 7)", "size 7");
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.split(Tensor.zeros(4, 7), 1, 2));
        assertMessage(e, "split", "chunk");
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.split(Tensor.zeros(4), 0, 5, -1));
        assertMessage(e, "split", "negative", "-1");
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.chunk(Tensor.zeros(4), 0, 0));
        assertMessage(e, "chunk", "parts", "0");
    }

    // ------------------------------------------------------------------ pad

    @Test
    void padWithAConstant() {
        Tensor x = seq(1, 2, 2);
        assertValues(ShapeOps.pad(x, new int[][]{{1, 0}, {0, 2}}, -1f), new int[]{3, 4},
                -1, -1, -1, -1,
                1, 2, -1, -1,
                3, 4, -1, -1);
        assertValues(ShapeOps.pad(x.t(), new int[][]{{0, 0}, {1, 1}}, 0f), new int[]{2, 4}, 0, 1, 3, 0, 0, 2, 4, 0);
        assertValues(ShapeOps.pad(seq(5, 1), new int[][]{{0, 0}}, 9f), new int[]{1}, 5);
        Tensor ids = ShapeOps.pad(Tensor.ofInts(new int[]{7, 8}), new int[][]{{2, 1}}, 3f);
        assertEquals(DType.INT32, ids.dtype());
        assertArrayEquals(new int[]{3, 3, 7, 8, 3}, ids.toIntArray());
        assertValues(ShapeOps.pad(seq(1, 3), new int[][]{{1, 1}}, PadMode.CONSTANT), new int[]{5}, 0, 1, 2, 3, 0);
    }

    @Test
    void padGradCheck() {
        GradCheck.check(xs -> ShapeOps.pad(xs[0], new int[][]{{1, 2}, {0, 3}}, 0.5f), param(2, 3));
        GradCheck.check(xs -> ShapeOps.pad(xs[0].permute(2, 0, 1), new int[][]{{0, 1}, {2, 0}, {1, 1}}, 0f), param(3, 1, 2));
        GradCheck.check(xs -> ShapeOps.pad(xs[0].expand(2, 3), new int[][]{{1, 1}, {1, 1}}, 0f).mul(xs[1]), param(1, 3), param(5));
    }

    @Test
    void padModes() {
        Tensor x = seq(1, 3);
        int[][] two = {{2, 2}};
        assertValues(ShapeOps.pad(x, two, PadMode.REFLECT), new int[]{7}, 3, 2, 1, 2, 3, 2, 1);
        assertValues(ShapeOps.pad(x, two, PadMode.REPLICATE), new int[]{7}, 1, 1, 1, 2, 3, 3, 3);
        assertValues(ShapeOps.pad(x, two, PadMode.CIRCULAR), new int[]{7}, 2, 3, 1, 2, 3, 1, 2);
        // 2-D reflect, as torch.nn.functional.pad(x, (1, 1, 1, 0), mode='reflect')
        assertValues(ShapeOps.pad(seq(1, 2, 3), new int[][]{{1, 0}, {1, 1}}, PadMode.REFLECT), new int[]{3, 5},
                5, 4, 5, 6, 5,
                2, 1, 2, 3, 2,
                5, 4, 5, 6, 5);
    }

    @Test
    void padModesGradCheck() {
        for (PadMode mode : new PadMode[]{PadMode.REFLECT, PadMode.REPLICATE, PadMode.CIRCULAR}) {
            GradCheck.check(xs -> ShapeOps.pad(xs[0], new int[][]{{0, 0}, {2, 1}, {1, 2}}, mode), param(2, 3, 4));
            GradCheck.check(xs -> ShapeOps.pad(xs[0].t(), new int[][]{{1, 1}, {0, 2}}, mode), param(3, 2));
        }
    }

    @Test
    void padErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.pad(Tensor.zeros(2, 3, 4), new int[][]{{1, 1}, {1, 1}}, 0f));
        assertMessage(e, "pad", "2 pairs", "(2, 3, 4)", "rank 3");
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.pad(Tensor.zeros(2, 3), new int[][]{{1, 1}, {1, 1, 1}}, 0f));
        assertMessage(e, "pad", "padding[1]", "[1, 1, 1]", "(2, 3)");
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.pad(Tensor.zeros(2, 3), new int[][]{{1, 1}, {-1, 0}}, 0f));
        assertMessage(e, "pad", "padding[1]", "[-1, 0]", ">= 0");
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.pad(Tensor.zeros(2, 3), new int[][]{{0, 0}, {3, 0}}, PadMode.REFLECT));
        assertMessage(e, "pad", "reflect", "axis 1", "(2, 3)", "size 3");
        e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.pad(Tensor.zeros(2, 0), new int[][]{{0, 0}, {1, 0}}, PadMode.REPLICATE));
        assertMessage(e, "pad", "replicate", "axis 1", "(2, 0)");
    }

    // ------------------------------------------------------------------ tile / repeatInterleave

    @Test
    void tileRepeatsBlocks() {
        Tensor x = seq(1, 2, 2);
        assertValues(ShapeOps.tile(x, 1, 2), new int[]{2, 4}, 1, 2, 1, 2, 3, 4, 3, 4);
        assertValues(ShapeOps.tile(x, 2, 1), new int[]{4, 2}, 1, 2, 3, 4, 1, 2, 3, 4);
        assertValues(ShapeOps.tile(seq(1, 2), 2, 2), new int[]{2, 4}, 1, 2, 1, 2, 1, 2, 1, 2);
        assertValues(ShapeOps.tile(x, 3), new int[]{2, 6}, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4);
        assertArrayEquals(new long[]{5, 6, 5, 6}, ShapeOps.tile(Tensor.ofLongs(new long[]{5, 6}), 2).toLongArray());
        GradCheck.check(xs -> ShapeOps.tile(xs[0], 2, 1, 3), param(2, 3));
        GradCheck.check(xs -> ShapeOps.tile(xs[0].t(), 3, 2).mul(xs[1]), param(1, 3), param(2));
    }

    @Test
    void repeatInterleaveRepeatsElements() {
        assertValues(ShapeOps.repeatInterleave(seq(1, 3), 2, 0), new int[]{6}, 1, 1, 2, 2, 3, 3);
        assertValues(ShapeOps.repeatInterleave(seq(1, 2, 2), 3, 1), new int[]{2, 6}, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4);
        assertValues(ShapeOps.repeatInterleave(seq(1, 2, 2), 2, 0), new int[]{4, 2}, 1, 2, 1, 2, 3, 4, 3, 4);
        GradCheck.check(xs -> ShapeOps.repeatInterleave(xs[0], 3, 1), param(2, 3));
        GradCheck.check(xs -> ShapeOps.repeatInterleave(xs[0].t(), 2, -1), param(3, 1));
        var e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.tile(Tensor.zeros(2), -1));
        assertMessage(e, "tile", "-1");
    }
}
