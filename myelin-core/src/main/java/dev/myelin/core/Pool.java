package dev.myelin.core;

import dev.myelin.backend.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Max and average pooling, channels-last, with Keras semantics: 2-D input (N, H, W, C) gives
 * (N, OH, OW, C), 1-D input (N, L, C) gives (N, OL, C); strides default to the pool size;
 * padding is VALID, SAME (TensorFlow's split, the extra after) or explicit, and padded positions
 * never take part: a max ignores them and an average divides by the number of input elements in
 * its window (Keras's SAME average, PyTorch's {@code count_include_pad=False}).
 *
 * <pre>{@code Tensor y = Pool.maxPool2d(x, new int[]{2, 2});}</pre>
 *
 * Windows are walked directly (no im2col): for each output pixel, the window's channel runs are
 * contiguous in NHWC. The max pool's backward routes each gradient to the position that won,
 * the first in row-major window order at ties.
 */
public final class Pool {
    private Pool() {}

    // ------------------------------------------------------------------ 2-D

    /** Non-overlapping VALID windows: {@code Pool.maxPool2d(x, new int[]{2, 2})}; x (N, H, W, C). */
    public static Tensor maxPool2d(Tensor x, int[] pool) {
        return maxPool2d(x, pool, null, Padding.VALID);
    }

    /**
     * Maximum over each (ph, pw) window: y[n, i, j, c] = max of x[n, i*sh - top + a, j*sw - left + b, c]
     * over the window positions inside the input.
     *
     * <pre>{@code Pool.maxPool2d(x, new int[]{3, 3}, new int[]{2, 2}, Padding.SAME)}</pre>
     *
     * @param x       (N, H, W, C)
     * @param pool    (ph, pw)
     * @param strides (sh, sw), or null for the pool size
     * @return (N, OH, OW, C)
     */
    public static Tensor maxPool2d(Tensor x, int[] pool, int[] strides, Padding padding) {
        String op = "maxPool2d";
        Conv.requireRank(op, "input", x, 4, "(batch, height, width, channels)");
        return pool2d(op, true, x, window(op, x.shape(), pool, strides, padding, Conv.desc(x), false));
    }

    /** Non-overlapping VALID windows: {@code Pool.avgPool2d(x, new int[]{2, 2})}; x (N, H, W, C). */
    public static Tensor avgPool2d(Tensor x, int[] pool) {
        return avgPool2d(x, pool, null, Padding.VALID);
    }

    /**
     * Mean over each (ph, pw) window, counting only the positions inside the input.
     *
     * <pre>{@code Pool.avgPool2d(x, new int[]{2, 2}, new int[]{1, 1}, Padding.SAME)}</pre>
     *
     * @param x       (N, H, W, C)
     * @param pool    (ph, pw)
     * @param strides (sh, sw), or null for the pool size
     * @return (N, OH, OW, C)
     */
    public static Tensor avgPool2d(Tensor x, int[] pool, int[] strides, Padding padding) {
        String op = "avgPool2d";
        Conv.requireRank(op, "input", x, 4, "(batch, height, width, channels)");
        return pool2d(op, false, x, window(op, x.shape(), pool, strides, padding, Conv.desc(x), false));
    }

    // ------------------------------------------------------------------ 1-D

    /** Non-overlapping VALID windows: {@code Pool.maxPool1d(x, 2)}; x (N, L, C). */
    public static Tensor maxPool1d(Tensor x, int pool) {
        return maxPool1d(x, pool, pool, Padding.VALID);
    }

    /**
     * Maximum over windows of {@code pool} steps along the middle axis.
     * {@code Pool.maxPool1d(x, 3, 2, Padding.SAME)}
     *
     * @param x (N, L, C)
     * @return (N, OL, C)
     */
    public static Tensor maxPool1d(Tensor x, int pool, int stride, Padding padding) {
        return pool1d("maxPool1d", true, x, pool, stride, padding);
    }

    /** Non-overlapping VALID windows: {@code Pool.avgPool1d(x, 2)}; x (N, L, C). */
    public static Tensor avgPool1d(Tensor x, int pool) {
        return avgPool1d(x, pool, pool, Padding.VALID);
    }

    /**
     * Mean over windows of {@code pool} steps along the middle axis, counting only positions inside
     * the input. {@code Pool.avgPool1d(x, 3, 1, Padding.SAME)}
     *
     * @param x (N, L, C)
     * @return (N, OL, C)
     */
    public static Tensor avgPool1d(Tensor x, int pool, int stride, Padding padding) {
        return pool1d("avgPool1d", false, x, pool, stride, padding);
    }

    private static Tensor pool1d(String op, boolean max, Tensor x, int pool, int stride, Padding padding) {
        Conv.requireRank(op, "input", x, 3, "(batch, length, channels)");
        Conv.requirePositive(op, "pool size", pool);
        Conv.requirePositive(op, "stride", stride);
        Conv.require1dPadding(op, padding);
        int[] xs = x.shape();
        Window win = window(op, new int[]{xs[0], 1, xs[1], xs[2]}, new int[]{1, pool}, new int[]{1, stride}, padding, Conv.desc(x), true);
        return pool2d(op, max, x.unsqueeze(1), win).squeeze(1);
    }

    // ------------------------------------------------------------------ the ops

    /** Input (n, h, w, c), window (ph, pw) moved by (sh, sw) from (-pt, -pl), output (oh, ow). */
    record Window(int n, int h, int w, int c, int ph, int pw, int sh, int sw, int pt, int pl, int oh, int ow) {}

    static Window window(String op, int[] xs, int[] pool, int[] strides, Padding padding, String xDesc, boolean oneD) {
        Conv.requirePair(op, "pool size", pool);
        if (strides == null) strides = pool;
        Conv.requirePair(op, "strides", strides);
        Conv.requirePadding(op, padding);
        if (padding instanceof Padding.Causal) throw new IllegalArgumentException(op + ": CAUSAL padding is for conv1d only");
        int n = xs[0], h = xs[1], w = xs[2], c = xs[3];
        if (h < 1 || w < 1) throw new IllegalArgumentException(op + ": input " + xDesc + " has an empty spatial axis");
        int[] ph = Conv.padAmounts(padding, 0, h, pool[0], strides[0]), pw = Conv.padAmounts(padding, 1, w, pool[1], strides[1]);
        if (ph[0] >= pool[0] || ph[1] >= pool[0] || pw[0] >= pool[1] || pw[1] >= pool[1]) {
            // a window wholly in the padding would have nothing to pool
            throw new IllegalArgumentException(op + ": padding " + padding + " must be smaller than the pool size "
                    + (oneD ? Integer.toString(pool[1]) : Arrays.toString(pool)) + " on every side");
        }
        int hp = h + ph[0] + ph[1], wp = w + pw[0] + pw[1];
        if (hp < pool[0] || wp < pool[1]) {
            throw new IllegalArgumentException(op + ": pool " + Conv.spatial(oneD, pool[0], pool[1]) + " is larger than the padded input "
                    + Conv.spatial(oneD, hp, wp) + " (input " + xDesc + ", padding " + padding + ")");
        }
        return new Window(n, h, w, c, pool[0], pool[1], strides[0], strides[1], ph[0], pw[0],
                (hp - pool[0]) / strides[0] + 1, (wp - pool[1]) / strides[1] + 1);
    }

    private static Tensor pool2d(String op, boolean max, Tensor x, Window g) {
        float[] xd = Conv.dense(op, x);
        int[] xShape = x.shape(), yShape = {g.n, g.oh, g.ow, g.c};
        if (max) {
            int[] arg = new int[g.n * g.oh * g.ow * g.c];
            float[] y = maxForward(g, xd, arg);
            return Tensor.fromOp(op, y, yShape, new Tensor[]{x}, null, gy -> {
                // dx[argmax] += dy
                float[] dy = Conv.dense(op, gy), dx = new float[Shape.numel(xShape)];
                for (int i = 0; i < arg.length; i++) dx[arg[i]] += dy[i];
                return new Tensor[]{Tensor.make(dx, xShape)};
            });
        }
        float[] y = avgForward(g, xd);
        return Tensor.fromOp(op, y, yShape, new Tensor[]{x}, null, gy -> new Tensor[]{Tensor.make(avgBackward(g, Conv.dense(op, gy)), xShape)});
    }

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    private static final int L = FS.length();

    /** y = the window maxima; arg[i] = the flat input index that gave y[i] (the first at ties; NaN wins). */
    static float[] maxForward(Window g, float[] x, int[] arg) {
        float[] y = new float[g.n * g.oh * g.ow * g.c];
        int c = g.c, vc = c - c % L;
        // Channels in vector chunks (they are contiguous in NHWC), image rows in parallel.
        Parallel.forRange(g.n * g.oh, Math.max(1, 4096 / Math.max(1, g.ow * c)), (from, to) -> {
            IntVector iota = IntVector.zero(IS).addIndex(1);
            for (int row = from; row < to; row++) {
                int n = row / g.oh, i = row % g.oh;
                int h0 = i * g.sh - g.pt, hLo = Math.max(0, h0), hHi = Math.min(g.h, h0 + g.ph);
                int o = row * g.ow * c;
                for (int j = 0; j < g.ow; j++, o += c) {
                    int w0 = j * g.sw - g.pl, wLo = Math.max(0, w0), wHi = Math.min(g.w, w0 + g.pw);
                    int first = ((n * g.h + hLo) * g.w + wLo) * c;
                    for (int k = 0; k < vc; k += L) {
                        FloatVector best = FloatVector.fromArray(FS, x, first + k);
                        IntVector bestAt = iota.add(first + k);
                        for (int ih = hLo; ih < hHi; ih++) {
                            for (int iw = wLo; iw < wHi; iw++) {
                                int s = ((n * g.h + ih) * g.w + iw) * c + k;
                                if (s == first + k) continue;
                                FloatVector v = FloatVector.fromArray(FS, x, s);
                                // v wins when larger, or when it is NaN and the best so far is not
                                VectorMask<Float> win = v.compare(VectorOperators.GT, best)
                                        .or(v.test(VectorOperators.IS_NAN).andNot(best.test(VectorOperators.IS_NAN)));
                                best = best.blend(v, win);
                                bestAt = bestAt.blend(iota.add(s), win.cast(IS));
                            }
                        }
                        best.intoArray(y, o + k);
                        bestAt.intoArray(arg, o + k);
                    }
                    for (int k = vc; k < c; k++) {
                        float best = x[first + k];
                        int at = first + k;
                        for (int ih = hLo; ih < hHi; ih++) {
                            for (int iw = wLo; iw < wHi; iw++) {
                                int s = ((n * g.h + ih) * g.w + iw) * c + k;
                                float v = x[s];
                                if (v > best || (v != v && best == best)) {
                                    best = v;
                                    at = s;
                                }
                            }
                        }
                        y[o + k] = best;
                        arg[o + k] = at;
                    }
                }
            }
        });
        return y;
    }

    /** y = sum of the window's input elements / their count. */
    static float[] avgForward(Window g, float[] x) {
        float[] y = new float[g.n * g.oh * g.ow * g.c];
        int c = g.c, o = 0;
        for (int n = 0; n < g.n; n++) {
            for (int i = 0; i < g.oh; i++) {
                int h0 = i * g.sh - g.pt, hLo = Math.max(0, h0), hHi = Math.min(g.h, h0 + g.ph);
                for (int j = 0; j < g.ow; j++, o += c) {
                    int w0 = j * g.sw - g.pl, wLo = Math.max(0, w0), wHi = Math.min(g.w, w0 + g.pw);
                    for (int ih = hLo; ih < hHi; ih++) {
                        for (int iw = wLo; iw < wHi; iw++) {
                            int s = ((n * g.h + ih) * g.w + iw) * c;
                            for (int k = 0; k < c; k++) y[o + k] += x[s + k];
                        }
                    }
                    float inv = 1f / ((hHi - hLo) * (wHi - wLo));
                    for (int k = 0; k < c; k++) y[o + k] *= inv;
                }
            }
        }
        return y;
    }

    /** dx[window] += dy / count, for every window. */
    static float[] avgBackward(Window g, float[] dy) {
        float[] dx = new float[g.n * g.h * g.w * g.c];
        int c = g.c, o = 0;
        for (int n = 0; n < g.n; n++) {
            for (int i = 0; i < g.oh; i++) {
                int h0 = i * g.sh - g.pt, hLo = Math.max(0, h0), hHi = Math.min(g.h, h0 + g.ph);
                for (int j = 0; j < g.ow; j++, o += c) {
                    int w0 = j * g.sw - g.pl, wLo = Math.max(0, w0), wHi = Math.min(g.w, w0 + g.pw);
                    float inv = 1f / ((hHi - hLo) * (wHi - wLo));
                    for (int ih = hLo; ih < hHi; ih++) {
                        for (int iw = wLo; iw < wHi; iw++) {
                            int s = ((n * g.h + ih) * g.w + iw) * c;
                            for (int k = 0; k < c; k++) dx[s + k] += dy[o + k] * inv;
                        }
                    }
                }
            }
        }
        return dx;
    }
}
