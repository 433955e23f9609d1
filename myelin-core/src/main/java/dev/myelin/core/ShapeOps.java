package dev.myelin.core;

import java.util.Arrays;
import java.util.List;

/**
 * Ops that join, cut, pad and repeat tensors, with PyTorch's and Keras's names. Each is
 * differentiable for float32 (concat's backward slices the gradient, pad's backward cuts the
 * padding off) and works on the integer dtypes too, without gradients, since index tensors get
 * joined and cut as well.
 *
 * <pre>{@code
 * Tensor h = ShapeOps.concat(-1, left, right);     // (b, n) and (b, m) -> (b, n + m)
 * Tensor[] parts = ShapeOps.split(h, -1, n, m);     // back to (b, n) and (b, m), as views
 * Tensor p = ShapeOps.pad(img, new int[][]{{0, 0}, {1, 1}, {1, 1}}, 0f); // (c, h, w) -> (c, h + 2, w + 2)
 * }</pre>
 */
public final class ShapeOps {
    private ShapeOps() {}

    // ------------------------------------------------------------------ concat / stack

    /**
     * Joins tensors along an existing axis, like {@code torch.cat} and Keras {@code concatenate}:
     * {@code concat(1, a, b)} of (2, 3) and (2, 4) is (2, 7). All tensors have one dtype and the same
     * shape except along {@code axis}. The gradient of each input is its slice of the output's.
     */
    public static Tensor concat(int axis, Tensor... xs) {
        String op = "concat";
        if (xs == null || xs.length == 0) throw new IllegalArgumentException(op + ": needs at least one tensor, got none");
        Tensor[] inputs = xs.clone();
        Tensor first = requireNonNull(op, inputs, 0);
        int[] s0 = first.shape();
        if (s0.length == 0) {
            throw new IllegalArgumentException(op + ": tensor 0 is a scalar (shape ()), which has no axis to join along; use stack to join scalars");
        }
        int a = Shape.axis(op, axis, s0.length);
        long total = 0;
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = requireNonNull(op, inputs, i);
            requireSameDType(op, inputs, i);
            int[] s = t.shape();
            if (s.length != s0.length) {
                throw new IllegalArgumentException(op + ": tensor " + i + " has shape " + Shape.format(s) + " but tensor 0 has " + Shape.format(s0)
                        + ": they must have the same rank");
            }
            for (int d = 0; d < s.length; d++) {
                if (d != a && s[d] != s0[d]) {
                    throw new IllegalArgumentException(op + ": tensor " + i + " has shape " + Shape.format(s) + " but tensor 0 has "
                            + Shape.format(s0) + ": all axes except axis " + a + " must match");
                }
            }
            total += s[a];
        }
        int[] outShape = s0.clone();
        outShape[a] = (int) Math.min(total, Integer.MAX_VALUE);
        Storage out = Storage.allocate(first.dtype(), Shape.numel(outShape));
        int[] ost = Shape.contiguousStrides(outShape);
        int[] starts = new int[inputs.length];
        int start = 0;
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            starts[i] = start;
            Strided.copy(t.storage(), t.shape(), t.strides(), t.offset(), out, ost, start * ost[a]);
            start += t.size(a);
        }
        Tensor y = new Tensor(out, outShape, ost, 0);
        return Tensor.record(y, op, inputs, null, g -> {
            Tensor[] gs = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                if (inputs[i].requiresGrad()) gs[i] = g.slice(a, starts[i], starts[i] + inputs[i].size(a)).contiguous();
            }
            return gs;
        });
    }

    /** {@link #concat(int, Tensor...)} over a list: {@code concat(0, List.of(a, b))}. */
    public static Tensor concat(int axis, List<Tensor> xs) {
        return concat(axis, xs.toArray(new Tensor[0]));
    }

    /**
     * Joins tensors of one shape along a new axis, like {@code torch.stack}: {@code stack(0, a, b)}
     * of two (2, 3) tensors is (2, 2, 3); axis may be -1 (new last axis) and ranges over
     * [-(rank + 1), rank].
     */
    public static Tensor stack(int axis, Tensor... xs) {
        String op = "stack";
        if (xs == null || xs.length == 0) throw new IllegalArgumentException(op + ": needs at least one tensor, got none");
        Tensor[] inputs = xs.clone();
        int[] s0 = requireNonNull(op, inputs, 0).shape();
        int a = Shape.axis(op, axis, s0.length + 1);
        Tensor[] expanded = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            requireNonNull(op, inputs, i);
            requireSameDType(op, inputs, i);
            int[] s = inputs[i].shape();
            if (!Shape.equal(s, s0)) {
                throw new IllegalArgumentException(op + ": tensor " + i + " has shape " + Shape.format(s) + " but tensor 0 has " + Shape.format(s0)
                        + ": all tensors must have the same shape");
            }
            expanded[i] = inputs[i].unsqueeze(a);
        }
        return concat(a, expanded);
    }

    /** {@link #stack(int, Tensor...)} over a list. */
    public static Tensor stack(int axis, List<Tensor> xs) {
        return stack(axis, xs.toArray(new Tensor[0]));
    }

    // ------------------------------------------------------------------ split / chunk

    /**
     * Cuts a tensor along an axis into pieces of the given sizes, which must add up to that axis's
     * size, like {@code torch.split} with a list: {@code split(x, 1, 2, 5)} of (4, 7) gives (4, 2)
     * and (4, 5). The pieces are views (slices) of x; gradients flow through them.
     */
    public static Tensor[] split(Tensor x, int axis, int... sizes) {
        String op = "split";
        int a = Shape.axis(op, axis, x.rank());
        int n = x.size(a);
        long sum = 0;
        for (int s : sizes) {
            if (s < 0) throw new IllegalArgumentException(op + ": sizes " + Arrays.toString(sizes) + " contain a negative size " + s);
            sum += s;
        }
        if (sum != n) {
            throw new IllegalArgumentException(op + ": sizes " + Arrays.toString(sizes) + " add up to " + sum + " but axis " + a + " of shape "
                    + Shape.format(x.shape()) + " has size " + n + (sizes.length == 1 ? "; for equal parts use chunk(x, parts, axis)" : ""));
        }
        Tensor[] out = new Tensor[sizes.length];
        int start = 0;
        for (int i = 0; i < sizes.length; i++) {
            out[i] = x.slice(a, start, start + sizes[i]);
            start += sizes[i];
        }
        return out;
    }

    /**
     * Cuts a tensor into {@code parts} pieces along an axis, like {@code torch.chunk}: each piece
     * has ceil(size / parts) elements along the axis and the last may be smaller, so
     * {@code chunk(x, 2, 0)} of (5, 3) gives (3, 3) and (2, 3); as in PyTorch, fewer pieces come
     * back when the sizes run out first (6 into 4 gives three pieces of 2). An empty axis gives
     * {@code parts} empty pieces. The pieces are views of x.
     */
    public static Tensor[] chunk(Tensor x, int parts, int axis) {
        String op = "chunk";
        if (parts <= 0) throw new IllegalArgumentException(op + ": parts must be positive, got " + parts);
        int a = Shape.axis(op, axis, x.rank());
        int n = x.size(a);
        if (n == 0) {
            Tensor[] out = new Tensor[parts];
            Arrays.fill(out, x.slice(a, 0, 0));
            return out;
        }
        int step = (n + parts - 1) / parts;
        int count = (n + step - 1) / step;
        int[] sizes = new int[count];
        for (int i = 0; i < count; i++) sizes[i] = Math.min(step, n - i * step);
        return split(x, a, sizes);
    }

    // ------------------------------------------------------------------ pad

    /** How {@link #pad(Tensor, int[][], PadMode)} fills the border, with PyTorch's mode names. */
    public enum PadMode {
        /** Zeros (use {@link #pad(Tensor, int[][], float)} for another value). */
        CONSTANT,
        /** The mirror image without repeating the edge: [1, 2, 3] padded by 2 is [3, 2, 1, 2, 3, 2, 1]. */
        REFLECT,
        /** The edge value repeated: [1, 2, 3] padded by 2 is [1, 1, 1, 2, 3, 3, 3]. */
        REPLICATE,
        /** Wraps around: [1, 2, 3] padded by 2 is [2, 3, 1, 2, 3, 1, 2]. */
        CIRCULAR
    }

    /**
     * Constant padding with one {@code {before, after}} pair per axis, Keras-style (not PyTorch's
     * reversed flat list): {@code pad(x, new int[][]{{0, 0}, {1, 2}}, 0f)} maps (3, 4) to (3, 7).
     * Integer tensors are padded with {@code (int) value}. The gradient is the gradient's interior.
     */
    public static Tensor pad(Tensor x, int[][] padding, float value) {
        String op = "pad";
        int[] xs = x.shape();
        checkPadding(op, xs, padding);
        int[] outShape = xs.clone();
        for (int d = 0; d < xs.length; d++) outShape[d] = xs[d] + padding[d][0] + padding[d][1];
        Storage out = Storage.allocate(x.dtype(), Shape.numel(outShape));
        fill(out, value);
        int[] ost = Shape.contiguousStrides(outShape);
        int interior = 0;
        for (int d = 0; d < xs.length; d++) interior += padding[d][0] * ost[d];
        Strided.copy(x.storage(), xs, x.strides(), x.offset(), out, ost, interior);
        Tensor y = new Tensor(out, outShape, ost, 0);
        int[][] pads = copyPadding(padding);
        return Tensor.record(y, op, new Tensor[]{x}, null, g -> {
            Tensor inside = g;
            for (int d = 0; d < xs.length; d++) inside = inside.slice(d, pads[d][0], pads[d][0] + xs[d]);
            return new Tensor[]{inside.contiguous()};
        });
    }

    /**
     * Padding in one of PyTorch's modes, one {@code {before, after}} pair per axis:
     * {@code pad(x, new int[][]{{0, 0}, {2, 2}}, PadMode.REFLECT)}. REFLECT needs each pad smaller
     * than its axis, REPLICATE and CIRCULAR a non-empty axis. Built from {@link Indexing#indexSelect}
     * along each padded axis, so the border's gradient adds into the elements it copied.
     */
    public static Tensor pad(Tensor x, int[][] padding, PadMode mode) {
        String op = "pad";
        if (mode == PadMode.CONSTANT) return pad(x, padding, 0f);
        int[] xs = x.shape();
        checkPadding(op, xs, padding);
        Tensor y = x;
        for (int d = 0; d < xs.length; d++) {
            int before = padding[d][0], after = padding[d][1], n = xs[d];
            if (before == 0 && after == 0) continue;
            if (mode == PadMode.REFLECT && (before >= n || after >= n)) {
                throw new IllegalArgumentException(op + ": reflect padding " + Arrays.toString(padding[d]) + " on axis " + d + " of shape "
                        + Shape.format(xs) + " needs each side smaller than the axis size " + n);
            }
            if (n == 0) {
                throw new IllegalArgumentException(op + ": " + mode.name().toLowerCase(java.util.Locale.ROOT) + " padding of axis " + d
                        + " of shape " + Shape.format(xs) + " needs a non-empty axis");
            }
            int[] idx = new int[before + n + after];
            for (int j = 0; j < idx.length; j++) {
                int k = j - before; // position in x along the axis, possibly outside [0, n)
                idx[j] = switch (mode) {
                    case REFLECT -> k < 0 ? -k : k >= n ? 2 * (n - 1) - k : k;
                    case REPLICATE -> Math.clamp(k, 0, n - 1);
                    case CIRCULAR -> Math.floorMod(k, n);
                    case CONSTANT -> throw new AssertionError();
                };
            }
            y = Indexing.indexSelect(y, d, Tensor.ofInts(idx));
        }
        return y;
    }

    private static void checkPadding(String op, int[] shape, int[][] padding) {
        if (padding == null || padding.length != shape.length) {
            throw new IllegalArgumentException(op + ": padding has " + (padding == null ? 0 : padding.length) + " pairs but x has shape "
                    + Shape.format(shape) + " of rank " + shape.length + ": give one {before, after} pair per axis");
        }
        for (int d = 0; d < padding.length; d++) {
            if (padding[d] == null || padding[d].length != 2) {
                throw new IllegalArgumentException(op + ": padding[" + d + "] is " + Arrays.toString(padding[d])
                        + "; expected a {before, after} pair for axis " + d + " of shape " + Shape.format(shape));
            }
            if (padding[d][0] < 0 || padding[d][1] < 0) {
                throw new IllegalArgumentException(op + ": padding[" + d + "] is " + Arrays.toString(padding[d])
                        + "; padding sizes must be >= 0 (x has shape " + Shape.format(shape) + ")");
            }
        }
    }

    private static int[][] copyPadding(int[][] padding) {
        int[][] c = new int[padding.length][];
        for (int d = 0; d < padding.length; d++) c[d] = padding[d].clone();
        return c;
    }

    private static void fill(Storage s, float value) {
        switch (s.dtype) {
            case FLOAT32 -> Arrays.fill((float[]) s.array, value);
            case INT32 -> Arrays.fill((int[]) s.array, (int) value);
            case INT64 -> Arrays.fill((long[]) s.array, (long) value);
            case INT8, UINT8 -> Arrays.fill((byte[]) s.array, (byte) (long) value);
        }
    }

    // ------------------------------------------------------------------ tile / repeatInterleave

    /**
     * Repeats the whole tensor along each axis, like {@code numpy.tile} and Keras {@code tile}
     * ({@code torch.Tensor.repeat}): {@code tile(x, 2, 3)} of (a, b) is (2a, 3b), blocks of x side by
     * side. With more reps than axes, x gets leading axes of size 1; with fewer, the reps apply to
     * the last axes. Built from expand and reshape, so the gradient sums the copies.
     */
    public static Tensor tile(Tensor x, int... reps) {
        for (int r : reps) {
            if (r < 0) throw new IllegalArgumentException("tile: reps " + Arrays.toString(reps) + " contain a negative count " + r);
        }
        int[] xs = x.shape();
        int rank = Math.max(xs.length, reps.length);
        int[] s = leadingOnes(xs, rank), rp = leadingOnes(reps, rank);
        // (s0, s1, ...) -> (1, s0, 1, s1, ...) -> (r0, s0, r1, s1, ...) -> (r0*s0, r1*s1, ...)
        int[] spaced = new int[2 * rank], big = new int[2 * rank], out = new int[rank];
        for (int d = 0; d < rank; d++) {
            spaced[2 * d] = 1;
            spaced[2 * d + 1] = s[d];
            big[2 * d] = rp[d];
            big[2 * d + 1] = s[d];
            out[d] = rp[d] * s[d];
        }
        return x.reshape(spaced).expand(big).reshape(out);
    }

    /**
     * Repeats each element {@code repeats} times in place along an axis, like
     * {@code torch.repeat_interleave} and {@code numpy.repeat}: {@code repeatInterleave(x, 2, 0)}
     * of [1, 2, 3] is [1, 1, 2, 2, 3, 3]. The gradient sums the copies.
     */
    public static Tensor repeatInterleave(Tensor x, int repeats, int axis) {
        if (repeats < 0) throw new IllegalArgumentException("repeatInterleave: repeats must be >= 0, got " + repeats);
        int[] xs = x.shape();
        int a = Shape.axis("repeatInterleave", axis, xs.length);
        // (.., n, ..) -> (.., n, 1, ..) -> (.., n, repeats, ..) -> (.., n*repeats, ..)
        int[] big = new int[xs.length + 1];
        for (int d = 0, k = 0; d < big.length; d++) big[d] = d == a + 1 ? repeats : xs[k++];
        int[] out = xs.clone();
        out[a] = xs[a] * repeats;
        return x.unsqueeze(a + 1).expand(big).reshape(out);
    }

    private static int[] leadingOnes(int[] v, int rank) {
        int[] out = new int[rank];
        Arrays.fill(out, 1);
        System.arraycopy(v, 0, out, rank - v.length, v.length);
        return out;
    }

    // ------------------------------------------------------------------ checks

    private static Tensor requireNonNull(String op, Tensor[] xs, int i) {
        if (xs[i] == null) throw new IllegalArgumentException(op + ": tensor " + i + " is null");
        return xs[i];
    }

    private static void requireSameDType(String op, Tensor[] xs, int i) {
        if (xs[i].dtype() != xs[0].dtype()) {
            throw new IllegalArgumentException(op + ": tensor " + i + " is " + xs[i].dtype() + " but tensor 0 is " + xs[0].dtype()
                    + "; convert one with to(...) first");
        }
    }
}
