package dev.myelin.core;

import dev.myelin.backend.Backend;
import dev.myelin.backend.Backends;

import java.util.Arrays;

/**
 * Ops that pick elements by integer index, as in PyTorch, each with its backward rule next to it.
 * The backward of a pick is a scatter-add of the output gradient into zeros of the input's shape,
 * so an index that appears twice gets both gradients.
 *
 * <p>Index tensors are int32 or int64 and must lie in [0, size): negative indices are errors, as
 * in {@code torch.index_select}, {@code torch.gather} and {@code nn.Embedding}. Float index tensors
 * are rejected (except by {@link #oneHot}, which takes labels as whole floats too).
 *
 * <pre>{@code
 * Tensor w = Tensor.randn(rng, 100, 16).requiresGrad(true); // (vocab, dim)
 * Tensor h = Indexing.embedding(w, Tensor.ofInts(new int[]{5, 7, 5}, 1, 3)); // (1, 3, 16)
 * }</pre>
 */
public final class Indexing {
    private Indexing() {}

    // ------------------------------------------------------------------ indexSelect

    /**
     * The slices of {@code x} at {@code indices} along {@code axis}, in that order, like
     * {@code torch.index_select}: {@code indexSelect(x, 0, Tensor.ofInts(new int[]{2, 0, 2}))} maps x
     * (4, 3) to (3, 3). x may have any dtype; indices are a 1-D (or 0-D) int32 or int64 tensor of n
     * values, and the result has x's shape with {@code axis} of size n. Differentiable with respect
     * to x: the gradient is scatter-added back into zeros of x's shape.
     */
    public static Tensor indexSelect(Tensor x, int axis, Tensor indices) {
        String op = "indexSelect";
        int[] shape = x.shape();
        int a = Shape.axis(op, axis, shape.length);
        if (indices.rank() > 1) {
            throw new IllegalArgumentException(op + ": indices must be 1-D, got shape " + Shape.format(indices.shape())
                    + "; use Indexing.embedding or Indexing.gather for indices of higher rank");
        }
        int[] idx = readIndices(op, "indices", indices, shape[a], "axis " + a + " of x, which has shape " + Shape.format(shape));
        int outer = prod(shape, 0, a), dim = shape[a], inner = prod(shape, a + 1, shape.length);
        int[] outShape = shape.clone();
        outShape[a] = idx.length;
        Tensor y = takeRows(x, outer, dim, inner, idx, outShape);
        // dx[o, idx[j], :] += g[o, j, :]
        return Tensor.record(y, op, new Tensor[]{x}, null,
                g -> new Tensor[]{Tensor.make(scatterAddRows(g, outer, dim, inner, idx), shape)});
    }

    // ------------------------------------------------------------------ embedding

    /**
     * The embedding lookup, like {@code torch.nn.functional.embedding}: row {@code ids[...]} of
     * {@code weight} for every id. {@code embedding(w, ids)}: weight (vocab, dim) and int32/int64
     * ids of any shape S give (S..., dim). Rows are copied with {@code System.arraycopy}; the
     * gradient of weight adds each output row's gradient into the row it came from (a dense
     * (vocab, dim) tensor), so a repeated id accumulates.
     */
    public static Tensor embedding(Tensor weight, Tensor ids) {
        String op = "embedding";
        if (weight.rank() != 2 || weight.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(op + ": weight must be a 2-D float32 tensor (vocab, dim), got " + weight.dtype()
                    + " of shape " + Shape.format(weight.shape()));
        }
        int[] wShape = weight.shape();
        int vocab = wShape[0], dim = wShape[1];
        int[] idx = readIndices(op, "ids", ids, vocab, "weight of shape " + Shape.format(wShape) + " with " + vocab + " rows");
        int[] outShape = Arrays.copyOf(ids.shape(), ids.rank() + 1);
        outShape[ids.rank()] = dim;
        Tensor y = takeRows(weight, 1, vocab, dim, idx, outShape);
        // dW[ids[p], :] += g[p, :]
        return Tensor.record(y, op, new Tensor[]{weight}, null,
                g -> new Tensor[]{Tensor.make(scatterAddRows(g, 1, vocab, dim, idx), wShape)});
    }

    /**
     * x seen as (outer, dim, inner) in row-major order; returns (outer, n, inner) with block j of
     * each outer row copied from block idx[j]. Any dtype: System.arraycopy moves whole rows.
     */
    private static Tensor takeRows(Tensor x, int outer, int dim, int inner, int[] idx, int[] outShape) {
        Object src;
        int off;
        if (x.isContiguous()) {
            src = x.storage().array;
            off = x.offset();
        } else {
            src = Strided.copyContiguous(x.storage(), x.shape(), x.strides(), x.offset());
            off = 0;
        }
        Storage out = Storage.allocate(x.dtype(), Shape.numel(outShape));
        int n = idx.length;
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < n; j++) {
                System.arraycopy(src, off + (o * dim + idx[j]) * inner, out.array, (o * n + j) * inner, inner);
            }
        }
        return new Tensor(out, outShape, Shape.contiguousStrides(outShape), 0);
    }

    /** The backward of {@link #takeRows}: zeros of (outer, dim, inner) with block j of g added into block idx[j]. */
    private static float[] scatterAddRows(Tensor g, int outer, int dim, int inner, int[] idx) {
        float[] gx = new float[outer * dim * inner];
        float[] gd = g.isContiguous() ? g.floatData() : g.toFloatArray();
        int goff = g.isContiguous() ? g.offset() : 0;
        int n = idx.length;
        Backend be = Backends.current();
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < n; j++) {
                int from = goff + (o * n + j) * inner, to = (o * dim + idx[j]) * inner;
                if (inner == 1) gx[to] += gd[from];
                else be.axpy(inner, 1f, gd, from, gx, to);
            }
        }
        return gx;
    }

    // ------------------------------------------------------------------ gather

    /**
     * Picks along one axis by a full index tensor, like {@code torch.gather}: for axis 1 of a 3-D
     * x, {@code y[i][j][k] = x[i][index[i][j][k]][k]}. {@code gather(x, 1, index)}: index has x's
     * rank, int32 or int64, and is no larger than x on every other axis; y has index's shape and
     * x's dtype. Differentiable with respect to x (scatter-add of the gradient).
     */
    public static Tensor gather(Tensor x, int axis, Tensor index) {
        String op = "gather";
        int[] xs = x.shape(), is = index.shape();
        int a = Shape.axis(op, axis, xs.length);
        checkIndexFits(op, "x", xs, is, a, false);
        int[] idx = readIndices(op, "index", index, xs[a], "axis " + a + " of x, which has shape " + Shape.format(xs));
        // x's offset for the coordinates of an index element, leaving out the axis picked along.
        int[] xst = x.strides();
        int xAxisStride = xst[a];
        xst[a] = 0;
        int[] ist = Shape.contiguousStrides(is);
        Storage out = Storage.allocate(x.dtype(), idx.length);
        Object src = x.storage().array, dst = out.array;
        boolean isFloat = x.dtype() == DType.FLOAT32;
        Strided.loop(is, new int[][]{xst, ist}, new int[]{x.offset(), 0}, (o, n, st) -> {
            for (int i = 0; i < n; i++) {
                int p = o[1] + i * st[1];
                int s = o[0] + i * st[0] + idx[p] * xAxisStride;
                if (isFloat) ((float[]) dst)[p] = ((float[]) src)[s];
                else System.arraycopy(src, s, dst, p, 1);
            }
        });
        Tensor y = new Tensor(out, is, ist, 0);
        return Tensor.record(y, op, new Tensor[]{x}, null, g -> {
            // dx[.., index[p], ..] += g[p]
            float[] gx = new float[Shape.numel(xs)];
            int[] gxst = Shape.contiguousStrides(xs);
            int gxAxisStride = gxst[a];
            gxst[a] = 0;
            float[] gd = g.floatData();
            Strided.loop(is, new int[][]{gxst, g.strides(), ist}, new int[]{0, g.offset(), 0}, (o, n, st) -> {
                for (int i = 0; i < n; i++) {
                    gx[o[0] + i * st[0] + idx[o[2] + i * st[2]] * gxAxisStride] += gd[o[1] + i * st[1]];
                }
            });
            return new Tensor[]{Tensor.make(gx, xs)};
        });
    }

    // ------------------------------------------------------------------ scatterAdd

    /**
     * A copy of x with src added at the positions index names along one axis, like
     * {@code torch.scatter_add}: for axis 0 of 2-D tensors, {@code y[index[i][j]][j] += src[i][j]}
     * for every (i, j) of index. {@code scatterAdd(x, 0, index, src)}: x and src float32, index
     * int32/int64, all of one rank; index is no larger than src on any axis and no larger than x on
     * the axes other than {@code axis}; y has x's shape. Differentiable with respect to x (the
     * gradient passes unchanged) and src (the gradient gathered from where each element went).
     */
    public static Tensor scatterAdd(Tensor x, int axis, Tensor index, Tensor src) {
        String op = "scatterAdd";
        requireFloat(op, "x", x);
        requireFloat(op, "src", src);
        int[] xs = x.shape(), is = index.shape(), ss = src.shape();
        int a = Shape.axis(op, axis, xs.length);
        checkIndexFits(op, "x", xs, is, a, false);
        checkIndexFits(op, "src", ss, is, a, true);
        int[] idx = readIndices(op, "index", index, xs[a], "axis " + a + " of x, which has shape " + Shape.format(xs));
        int[] ist = Shape.contiguousStrides(is);
        float[] out = x.toFloatArray();
        int[] yst = Shape.contiguousStrides(xs);
        int yAxisStride = yst[a];
        yst[a] = 0;
        float[] sd = src.floatData();
        Strided.loop(is, new int[][]{yst, src.strides(), ist}, new int[]{0, src.offset(), 0}, (o, n, st) -> {
            for (int i = 0; i < n; i++) out[o[0] + i * st[0] + idx[o[2] + i * st[2]] * yAxisStride] += sd[o[1] + i * st[1]];
        });
        return Tensor.record(Tensor.make(out, xs), op, new Tensor[]{x, src}, null, g -> {
            // dx = g; dsrc[p] = g[.., index[p], ..] where index covers src, 0 elsewhere
            Tensor gSrc = null;
            if (src.requiresGrad()) {
                float[] gs = new float[Shape.numel(ss)];
                int[] gst = g.strides();
                int gAxisStride = gst[a];
                gst[a] = 0;
                float[] gd = g.floatData();
                Strided.loop(is, new int[][]{Shape.contiguousStrides(ss), gst, ist}, new int[]{0, g.offset(), 0}, (o, n, st) -> {
                    for (int i = 0; i < n; i++) gs[o[0] + i * st[0]] = gd[o[1] + i * st[1] + idx[o[2] + i * st[2]] * gAxisStride];
                });
                gSrc = Tensor.make(gs, ss);
            }
            return new Tensor[]{x.requiresGrad() ? g : null, gSrc};
        });
    }

    // ------------------------------------------------------------------ oneHot

    /**
     * One-hot encoding, like {@code torch.nn.functional.one_hot} and Keras {@code one_hot}:
     * {@code oneHot(labels, 10)} maps labels of shape S to float32 (S..., 10) with a 1 at each
     * label. Labels may be int32, int64, int8, uint8, or float32 holding whole numbers; a
     * numClasses of -1 uses the largest label + 1. Not differentiable.
     */
    public static Tensor oneHot(Tensor labels, int numClasses) {
        String op = "oneHot";
        int[] shape = labels.shape();
        long[] v;
        if (labels.dtype() == DType.FLOAT32) {
            float[] f = labels.toFloatArray();
            v = new long[f.length];
            for (int i = 0; i < f.length; i++) {
                if (!Float.isFinite(f[i]) || f[i] != Math.rint(f[i])) {
                    throw new IllegalArgumentException(op + ": label " + f[i] + " at position " + position(i, shape)
                            + " is not a whole number; labels must be class indices");
                }
                v[i] = (long) f[i];
            }
        } else {
            v = longs(labels);
        }
        if (numClasses == -1) {
            if (v.length == 0) throw new IllegalArgumentException(op + ": numClasses -1 (infer) needs at least one label, got shape " + Shape.format(shape));
            long max = 0;
            for (long l : v) max = Math.max(max, l);
            if (max >= Integer.MAX_VALUE) throw new IllegalArgumentException(op + ": largest label " + max + " is too large to infer numClasses");
            numClasses = (int) max + 1;
        } else if (numClasses <= 0) {
            throw new IllegalArgumentException(op + ": numClasses must be positive (or -1 to infer it), got " + numClasses);
        }
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] >= numClasses) {
                throw new IllegalArgumentException(op + ": label " + v[i] + " at position " + position(i, shape)
                        + " is out of range for numClasses " + numClasses + " (valid labels 0 to " + (numClasses - 1) + ")");
            }
        }
        int[] outShape = Arrays.copyOf(shape, shape.length + 1);
        outShape[shape.length] = numClasses;
        float[] out = new float[Shape.numel(outShape)];
        for (int i = 0; i < v.length; i++) out[i * numClasses + (int) v[i]] = 1f;
        return Tensor.nonDifferentiable(Tensor.make(out, outShape), op, labels);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * The values of an int32 or int64 index tensor in row-major order, each checked to lie in
     * [0, size); {@code range} says what they index, for the error.
     */
    static int[] readIndices(String op, String name, Tensor indices, int size, String range) {
        DType dt = indices.dtype();
        if (dt != DType.INT32 && dt != DType.INT64) {
            throw new IllegalArgumentException(op + ": " + name + " must be an int32 or int64 tensor, got " + dt + " of shape "
                    + Shape.format(indices.shape()) + (dt == DType.FLOAT32 ? "; convert it with to(DType.INT64)" : ""));
        }
        long[] v = longs(indices);
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] >= size) {
                throw new IndexOutOfBoundsException(op + ": index " + v[i] + " at position " + position(i, indices.shape()) + " of " + name
                        + " is out of range for " + range
                        + (size == 0 ? " (that axis is empty, so no index is valid)" : " (valid range 0 to " + (size - 1) + ")"));
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    /** The elements of an integer tensor in row-major order, exactly (int64 beyond 2^53 included). */
    private static long[] longs(Tensor t) {
        int n = t.numel();
        long[] out = new long[n];
        Object arr = t.isContiguous() ? t.storage().array : Strided.copyContiguous(t.storage(), t.shape(), t.strides(), t.offset());
        int off = t.isContiguous() ? t.offset() : 0;
        switch (t.dtype()) {
            case INT32 -> {
                int[] a = (int[]) arr;
                for (int i = 0; i < n; i++) out[i] = a[off + i];
            }
            case INT64 -> System.arraycopy(arr, off, out, 0, n);
            default -> {
                return t.toLongArray();
            }
        }
        return out;
    }

    /** The coordinates of row-major element {@code flat} of a tensor of {@code shape}: "[1, 2]". */
    static String position(int flat, int[] shape) {
        int[] c = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 0) break;
            c[d] = flat % shape[d];
            flat /= shape[d];
        }
        return Arrays.toString(c);
    }

    /** For gather and scatterAdd: index has the other tensor's rank and is no larger on the axes it must fit. */
    private static void checkIndexFits(String op, String name, int[] other, int[] index, int axis, boolean includingAxis) {
        if (index.length != other.length) {
            throw new IllegalArgumentException(op + ": index has shape " + Shape.format(index) + " but " + name + " has "
                    + Shape.format(other) + ": they must have the same rank");
        }
        for (int d = 0; d < index.length; d++) {
            if ((d != axis || includingAxis) && index[d] > other[d]) {
                throw new IllegalArgumentException(op + ": index of shape " + Shape.format(index) + " does not fit " + name + " of shape "
                        + Shape.format(other) + ": axis " + d + " has size " + index[d] + " > " + other[d]
                        + (includingAxis ? "" : " (only axis " + axis + " may be larger)"));
            }
        }
    }

    private static void requireFloat(String op, String name, Tensor t) {
        if (t.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(op + ": " + name + " must be float32, got " + t.dtype() + " of shape " + Shape.format(t.shape())
                    + "; convert it with toFloat()");
        }
    }

    private static int prod(int[] shape, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) p *= shape[i];
        return p;
    }
}
