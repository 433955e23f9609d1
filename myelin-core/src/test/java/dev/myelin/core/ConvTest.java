package dev.myelin.core;

import dev.myelin.backend.Backend;
import dev.myelin.backend.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Convolutions against plain nested-loop references in double (forward and all three gradients),
 * under both backends, plus finite-difference gradient checks and the error messages.
 */
class ConvTest {

    // ------------------------------------------------------------------ helpers

    static void on(String backend, Runnable body) {
        Backend previous = Backends.use(Backends.byName(backend));
        try {
            body.run();
        } finally {
            Backends.use(previous);
        }
    }

    static void assertClose(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > tol * (1 + Math.abs(expected[i]))) {
                fail(what + ": element " + i + " expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    /** (top, bottom, left, right) by the rules, written out again here: TensorFlow's SAME puts the extra after. */
    static int[] pads(Padding p, int h, int w, int eh, int ew, int sh, int sw) {
        if (p == Padding.VALID) return new int[]{0, 0, 0, 0};
        if (p == Padding.CAUSAL) return new int[]{0, 0, ew - 1, 0};
        if (p instanceof Padding.Explicit e) return new int[]{e.top(), e.bottom(), e.left(), e.right()};
        int oh = (h + sh - 1) / sh, ow = (w + sw - 1) / sw;
        int th = Math.max((oh - 1) * sh + eh - h, 0), tw = Math.max((ow - 1) * sw + ew - w, 0);
        return new int[]{th / 2, th - th / 2, tw / 2, tw - tw / 2};
    }

    /** One 2-D convolution; 1-D cases are h = kh = 1 with sh = dh = 1. */
    record Case(int n, int h, int w, int c, int kh, int kw, int cout, int groups, int sh, int sw, int dh, int dw, Padding padding) {
        int eh() { return (kh - 1) * dh + 1; }
        int ew() { return (kw - 1) * dw + 1; }
        int[] pads() { return ConvTest.pads(padding, h, w, eh(), ew(), sh, sw); }
        int oh() { int[] p = pads(); return (h + p[0] + p[1] - eh()) / sh + 1; }
        int ow() { int[] p = pads(); return (w + p[2] + p[3] - ew()) / sw + 1; }
    }

    /** y, and the gradients of sum(y * dy) with respect to x, k and b. */
    record Ref(double[] y, double[] dx, double[] dk, double[] db) {}

    /** The definition: y[n,i,j,o] = b[o] + sum x[n, i*sh - pt + a*dh, j*sw - pl + e*dw, g*cg + ci] k[a, e, ci, o]. */
    static Ref reference(Case cs, float[] x, float[] k, float[] b, float[] dy) {
        int[] p = cs.pads();
        int oh = cs.oh(), ow = cs.ow(), cg = cs.c / cs.groups, cog = cs.cout / cs.groups;
        double[] y = new double[cs.n * oh * ow * cs.cout], dx = new double[x.length], dk = new double[k.length], db = new double[cs.cout];
        for (int n = 0; n < cs.n; n++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    for (int o = 0; o < cs.cout; o++) {
                        int yi = ((n * oh + i) * ow + j) * cs.cout + o, g = o / cog;
                        double s = b == null ? 0 : b[o];
                        for (int a = 0; a < cs.kh; a++) {
                            for (int e = 0; e < cs.kw; e++) {
                                int ih = i * cs.sh - p[0] + a * cs.dh, iw = j * cs.sw - p[2] + e * cs.dw;
                                if (ih < 0 || ih >= cs.h || iw < 0 || iw >= cs.w) continue;
                                for (int ci = 0; ci < cg; ci++) {
                                    int xi = ((n * cs.h + ih) * cs.w + iw) * cs.c + g * cg + ci;
                                    int ki = ((a * cs.kw + e) * cg + ci) * cs.cout + o;
                                    s += (double) x[xi] * k[ki];
                                    dx[xi] += (double) dy[yi] * k[ki];
                                    dk[ki] += (double) dy[yi] * x[xi];
                                }
                            }
                        }
                        y[yi] = s;
                        db[o] += dy[yi];
                    }
                }
            }
        }
        return new Ref(y, dx, dk, db);
    }

    static final List<Case> CASES_2D = List.of(
            new Case(1, 7, 5, 3, 3, 3, 4, 1, 1, 1, 1, 1, Padding.VALID),
            new Case(3, 9, 8, 5, 3, 2, 7, 1, 2, 2, 1, 1, Padding.SAME),
            new Case(2, 11, 6, 3, 3, 3, 2, 1, 1, 2, 2, 2, Padding.SAME),
            new Case(3, 7, 7, 4, 3, 3, 6, 2, 2, 2, 1, 1, Padding.explicit(1, 2, 0, 1)),
            new Case(2, 6, 5, 3, 3, 3, 3, 3, 1, 1, 1, 1, Padding.SAME),          // depthwise
            new Case(1, 5, 5, 5, 2, 2, 10, 5, 2, 2, 1, 1, Padding.VALID),        // depthwise, multiplier 2
            new Case(3, 5, 7, 5, 1, 1, 3, 1, 1, 1, 1, 1, Padding.VALID),         // pointwise: no im2col
            new Case(2, 3, 4, 4, 1, 1, 6, 2, 1, 1, 1, 1, Padding.SAME),          // pointwise, 2 groups
            new Case(2, 5, 6, 3, 1, 1, 2, 1, 2, 2, 1, 1, Padding.VALID),         // 1x1 but strided
            new Case(1, 13, 13, 1, 3, 3, 2, 1, 1, 1, 1, 1, Padding.VALID),       // one input channel
            new Case(2, 9, 8, 1, 3, 3, 32, 1, 1, 1, 1, 1, Padding.VALID),        // small patch, whole vectors of output channels
            new Case(2, 7, 6, 3, 3, 3, 19, 1, 2, 1, 1, 2, Padding.SAME),         // small patch, a vector and a tail, strided, dilated
            new Case(1, 2, 3, 2, 5, 5, 2, 1, 1, 1, 1, 1, Padding.SAME),          // kernel larger than the input
            new Case(3, 6, 9, 4, 2, 3, 4, 4, 2, 3, 2, 1, Padding.explicit(0, 3, 2, 2)),
            new Case(2, 5, 7, 2, 2, 3, 3, 1, 1, 3, 1, 1, Padding.explicit(1, 0, 4, 2)), // windows wholly in the padding
            new Case(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, Padding.VALID));

    static final List<Case> CASES_1D = List.of(
            new Case(1, 1, 9, 3, 1, 3, 4, 1, 1, 1, 1, 1, Padding.VALID),
            new Case(3, 1, 10, 5, 1, 4, 2, 1, 1, 2, 1, 1, Padding.SAME),
            new Case(2, 1, 8, 3, 1, 3, 6, 3, 1, 1, 1, 2, Padding.CAUSAL),
            new Case(2, 1, 7, 4, 1, 2, 4, 2, 1, 3, 1, 2, Padding.explicit(1, 2)),
            new Case(1, 1, 5, 2, 1, 1, 3, 1, 1, 1, 1, 1, Padding.VALID));

    // ------------------------------------------------------------------ conv2d and conv1d against the reference

    @ParameterizedTest
    @ValueSource(strings = {"reference", "vector"})
    void conv2dMatchesTheDefinition(String backend) {
        on(backend, () -> {
            Rng rng = new Rng(7);
            for (Case cs : CASES_2D) {
                String what = backend + " " + cs;
                Tensor x = Tensor.randn(rng, cs.n, cs.h, cs.w, cs.c).requiresGrad(true);
                Tensor k = Tensor.randn(rng, cs.kh, cs.kw, cs.c / cs.groups, cs.cout).requiresGrad(true);
                Tensor b = Tensor.randn(rng, cs.cout).requiresGrad(true);
                Tensor y = Conv.conv2d(x, k, b, new int[]{cs.sh, cs.sw}, cs.padding, new int[]{cs.dh, cs.dw}, cs.groups);
                assertArrayEquals(new int[]{cs.n, cs.oh(), cs.ow(), cs.cout}, y.shape(), what);
                Tensor dy = Tensor.randn(rng, y.shape());
                Ref r = reference(cs, x.toFloatArray(), k.toFloatArray(), b.toFloatArray(), dy.toFloatArray());
                assertClose(r.y, y.toFloatArray(), 1e-4, what + " y");
                y.backward(dy);
                assertClose(r.dx, x.grad().toFloatArray(), 1e-4, what + " dx");
                assertClose(r.dk, k.grad().toFloatArray(), 1e-4, what + " dk");
                assertClose(r.db, b.grad().toFloatArray(), 1e-4, what + " db");
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "vector"})
    void conv1dMatchesTheDefinition(String backend) {
        on(backend, () -> {
            Rng rng = new Rng(8);
            for (Case cs : CASES_1D) {
                String what = backend + " " + cs;
                Tensor x = Tensor.randn(rng, cs.n, cs.w, cs.c).requiresGrad(true);
                Tensor k = Tensor.randn(rng, cs.kw, cs.c / cs.groups, cs.cout).requiresGrad(true);
                Tensor b = Tensor.randn(rng, cs.cout).requiresGrad(true);
                Tensor y = Conv.conv1d(x, k, b, cs.sw, cs.padding, cs.dw, cs.groups);
                assertArrayEquals(new int[]{cs.n, cs.ow(), cs.cout}, y.shape(), what);
                Tensor dy = Tensor.randn(rng, y.shape());
                Ref r = reference(cs, x.toFloatArray(), k.toFloatArray(), b.toFloatArray(), dy.toFloatArray());
                assertClose(r.y, y.toFloatArray(), 1e-4, what + " y");
                y.backward(dy);
                assertClose(r.dx, x.grad().toFloatArray(), 1e-4, what + " dx");
                assertClose(r.dk, k.grad().toFloatArray(), 1e-4, what + " dk");
                assertClose(r.db, b.grad().toFloatArray(), 1e-4, what + " db");
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "vector"})
    void aBatchLargerThanTheIm2colBufferIsDoneInChunks(String backend) {
        on(backend, () -> {
            Case cs = new Case(5, 24, 24, 16, 3, 3, 2, 1, 1, 1, 1, 1, Padding.SAME);
            int per = Conv.geometry("test", new int[]{5, 24, 24, 16}, new int[]{3, 3, 16, 2}, new int[]{1, 1}, Padding.SAME,
                    new int[]{1, 1}, 1, "", "", false).imagesPerChunk();
            assertTrue(per > 1 && per < 5 && 5 % per != 0, "this case needs several chunks of several images and a shorter last one, got " + per);
            Rng rng = new Rng(9);
            Tensor x = Tensor.randn(rng, cs.n, cs.h, cs.w, cs.c).requiresGrad(true);
            Tensor k = Tensor.randn(rng, cs.kh, cs.kw, cs.c, cs.cout).requiresGrad(true);
            Tensor y = Conv.conv2d(x, k, null, new int[]{1, 1}, Padding.SAME);
            Tensor dy = Tensor.randn(rng, y.shape());
            Ref r = reference(cs, x.toFloatArray(), k.toFloatArray(), null, dy.toFloatArray());
            assertClose(r.y, y.toFloatArray(), 1e-4, "y");
            y.backward(dy);
            assertClose(r.dx, x.grad().toFloatArray(), 1e-4, "dx");
            assertClose(r.dk, k.grad().toFloatArray(), 1e-4, "dk");
        });
    }

    @Test
    void handWorkedValues() {
        // 3x3 input 1..9, 2x2 kernel of ones: each output is the sum of a 2x2 window.
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1);
        assertArrayEquals(new float[]{12, 16, 24, 28}, Conv.conv2d(x, Tensor.ones(2, 2, 1, 1)).toFloatArray());
        // SAME with an even kernel pads after: y[t] = x[t] + 10 x[t+1], and the last reads a zero.
        Tensor s = Tensor.of(new float[]{1, 2, 3, 4}, 1, 4, 1), k = Tensor.of(new float[]{1, 10}, 2, 1, 1);
        assertArrayEquals(new float[]{21, 32, 43, 4}, Conv.conv1d(s, k, null, 1, Padding.SAME, 1, 1).toFloatArray());
        // CAUSAL: y[t] = x[t-1] + 10 x[t].
        assertArrayEquals(new float[]{10, 21, 32, 43}, Conv.conv1d(s, k, null, 1, Padding.CAUSAL, 1, 1).toFloatArray());
        // SAME, stride 2 on 4: out 2 and no padding needed.
        assertArrayEquals(new int[]{1, 2, 1}, Conv.conv1d(s, k, null, 2, Padding.SAME, 1, 1).shape());
        Tensor bias = Tensor.of(new float[]{100});
        assertArrayEquals(new float[]{121, 143}, Conv.conv1d(s, k, bias, 2, Padding.SAME, 1, 1).toFloatArray());
        // An empty batch gives an empty batch, on every path (im2col, pointwise, depthwise).
        assertArrayEquals(new int[]{0, 3, 3, 4}, Conv.conv2d(Tensor.zeros(0, 5, 5, 2), Tensor.zeros(3, 3, 2, 4)).shape());
        assertArrayEquals(new int[]{0, 5, 5, 4}, Conv.conv2d(Tensor.zeros(0, 5, 5, 2), Tensor.zeros(1, 1, 2, 4)).shape());
        assertArrayEquals(new int[]{0, 5, 5, 4}, Conv.conv2d(Tensor.zeros(0, 5, 5, 2), Tensor.zeros(3, 3, 1, 4), null,
                new int[]{1, 1}, Padding.SAME, new int[]{1, 1}, 2).shape());
        assertArrayEquals(new int[]{0, 2, 2, 2}, Pool.maxPool2d(Tensor.zeros(0, 5, 5, 2), new int[]{2, 2}).shape());
    }

    // ------------------------------------------------------------------ transposed

    /** A transposed convolution: x (n, h, w, cin), kernel (kh, kw, cout, cin). */
    record TCase(int n, int h, int w, int cin, int kh, int kw, int cout, int sh, int sw, int dh, int dw, Padding padding, int[] outputPadding) {
        int eh() { return (kh - 1) * dh + 1; }
        int ew() { return (kw - 1) * dw + 1; }
        int oh() { return length(h, eh(), sh, 0); }
        int ow() { return length(w, ew(), sw, 1); }

        /** Keras's compute_conv_transpose_output_length, written out again. */
        int length(int in, int k, int s, int axis) {
            int op = outputPadding == null ? -1 : outputPadding[axis];
            if (padding instanceof Padding.Explicit e) {
                int before = axis == 0 ? e.top() : e.left(), after = axis == 0 ? e.bottom() : e.right();
                return (in - 1) * s + k - before - after + Math.max(op, 0);
            }
            if (op < 0) return padding == Padding.VALID ? in * s + Math.max(k - s, 0) : in * s;
            int pad = padding == Padding.SAME ? k / 2 : 0;
            return (in - 1) * s + k - 2 * pad + op;
        }

        /** The padding of the convolution from the output back to x. */
        int[] pads() {
            return ConvTest.pads(padding, oh(), ow(), eh(), ew(), sh, sw);
        }
    }

    /** Scatter: every x[n,i,j,ci] adds x * k[a, e, co, ci] to y[n, i*sh - pt + a*dh, j*sw - pl + e*dw, co]. */
    static Ref referenceTransposed(TCase t, float[] x, float[] k, float[] b, float[] dy) {
        int[] p = t.pads();
        int oh = t.oh(), ow = t.ow();
        double[] y = new double[t.n * oh * ow * t.cout], dx = new double[x.length], dk = new double[k.length], db = new double[t.cout];
        for (int n = 0; n < t.n; n++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    for (int co = 0; co < t.cout; co++) {
                        int yi = ((n * oh + i) * ow + j) * t.cout + co;
                        y[yi] = b == null ? 0 : b[co];
                        db[co] += dy[yi];
                    }
                }
            }
            for (int i = 0; i < t.h; i++) {
                for (int j = 0; j < t.w; j++) {
                    for (int a = 0; a < t.kh; a++) {
                        for (int e = 0; e < t.kw; e++) {
                            int yh = i * t.sh - p[0] + a * t.dh, yw = j * t.sw - p[2] + e * t.dw;
                            if (yh < 0 || yh >= oh || yw < 0 || yw >= ow) continue;
                            for (int ci = 0; ci < t.cin; ci++) {
                                int xi = ((n * t.h + i) * t.w + j) * t.cin + ci;
                                for (int co = 0; co < t.cout; co++) {
                                    int yi = ((n * oh + yh) * ow + yw) * t.cout + co, ki = ((a * t.kw + e) * t.cout + co) * t.cin + ci;
                                    y[yi] += (double) x[xi] * k[ki];
                                    dx[xi] += (double) dy[yi] * k[ki];
                                    dk[ki] += (double) dy[yi] * x[xi];
                                }
                            }
                        }
                    }
                }
            }
        }
        return new Ref(y, dx, dk, db);
    }

    static final List<TCase> CASES_T = List.of(
            new TCase(1, 3, 4, 2, 3, 3, 3, 2, 2, 1, 1, Padding.SAME, null),
            new TCase(2, 3, 3, 3, 3, 2, 2, 2, 1, 1, 1, Padding.VALID, null),
            new TCase(1, 2, 3, 1, 2, 2, 2, 3, 3, 1, 1, Padding.VALID, null),           // kernel smaller than the stride
            new TCase(2, 4, 3, 2, 3, 3, 1, 2, 2, 1, 1, Padding.VALID, new int[]{1, 1}),
            new TCase(1, 3, 3, 2, 3, 3, 2, 2, 2, 1, 1, Padding.SAME, new int[]{1, 0}),
            new TCase(1, 4, 4, 2, 3, 3, 2, 1, 1, 2, 2, Padding.SAME, null),             // dilation 2
            new TCase(2, 3, 4, 3, 3, 3, 2, 2, 1, 1, 1, Padding.explicit(1, 0, 1, 1), new int[]{1, 0}),
            new TCase(3, 5, 2, 5, 2, 3, 3, 2, 3, 1, 1, Padding.SAME, null));

    @ParameterizedTest
    @ValueSource(strings = {"reference", "vector"})
    void convTranspose2dMatchesTheScatterDefinition(String backend) {
        on(backend, () -> {
            Rng rng = new Rng(10);
            for (TCase t : CASES_T) {
                String what = backend + " " + t;
                Tensor x = Tensor.randn(rng, t.n, t.h, t.w, t.cin).requiresGrad(true);
                Tensor k = Tensor.randn(rng, t.kh, t.kw, t.cout, t.cin).requiresGrad(true);
                Tensor b = Tensor.randn(rng, t.cout).requiresGrad(true);
                Tensor y = Conv.convTranspose2d(x, k, b, new int[]{t.sh, t.sw}, t.padding, t.outputPadding, new int[]{t.dh, t.dw});
                assertArrayEquals(new int[]{t.n, t.oh(), t.ow(), t.cout}, y.shape(), what);
                Tensor dy = Tensor.randn(rng, y.shape());
                Ref r = referenceTransposed(t, x.toFloatArray(), k.toFloatArray(), b.toFloatArray(), dy.toFloatArray());
                assertClose(r.y, y.toFloatArray(), 1e-4, what + " y");
                y.backward(dy);
                assertClose(r.dx, x.grad().toFloatArray(), 1e-4, what + " dx");
                assertClose(r.dk, k.grad().toFloatArray(), 1e-4, what + " dk");
                assertClose(r.db, b.grad().toFloatArray(), 1e-4, what + " db");
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "vector"})
    void convTranspose2dIsTheAdjointOfConv2d(String backend) {
        // <conv2d(y, k), x> == <y, convTranspose2d(x, k)> for the convolution from the output's shape to x's.
        on(backend, () -> {
            Rng rng = new Rng(11);
            for (TCase t : CASES_T) {
                Tensor x = Tensor.randn(rng, t.n, t.h, t.w, t.cin), k = Tensor.randn(rng, t.kh, t.kw, t.cout, t.cin);
                int[] strides = {t.sh, t.sw}, dilation = {t.dh, t.dw};
                Tensor ty = Conv.convTranspose2d(x, k, null, strides, t.padding, t.outputPadding, dilation);
                Tensor y = Tensor.randn(rng, ty.shape());
                Tensor cy = Conv.conv2d(y, k, null, strides, t.padding, dilation, 1);
                assertArrayEquals(x.shape(), cy.shape(), t.toString());
                double lhs = dot(cy.toFloatArray(), x.toFloatArray()), rhs = dot(y.toFloatArray(), ty.toFloatArray());
                assertEquals(lhs, rhs, 1e-4 * (1 + Math.abs(lhs)), t.toString());
            }
        });
    }

    @Test
    void convTranspose1dMatchesThe2dOne() {
        Rng rng = new Rng(12);
        Tensor x = Tensor.randn(rng, 2, 5, 3), k = Tensor.randn(rng, 3, 4, 3), b = Tensor.randn(rng, 4);
        for (Padding p : List.of(Padding.VALID, Padding.SAME, Padding.explicit(1, 0))) {
            Tensor y1 = Conv.convTranspose1d(x, k, b, 2, p, 1, 1);
            Tensor y2 = Conv.convTranspose2d(x.unsqueeze(1), k.unsqueeze(0), b, new int[]{1, 2}, p, new int[]{0, 1}, new int[]{1, 1});
            assertArrayEquals(y2.squeeze(1).toFloatArray(), y1.toFloatArray(), 1e-5f, p.toString());
            assertEquals(3, y1.rank());
        }
        assertArrayEquals(new int[]{2, 10, 4}, Conv.convTranspose1d(x, k, null, 2, Padding.SAME).shape());
        assertArrayEquals(new int[]{2, 11, 4}, Conv.convTranspose1d(x, k, null, 2, Padding.VALID).shape());
    }

    @Test
    void convTransposeHandWorked() {
        // One input pixel of value 1 paints the kernel 1..9, stride 2.
        Tensor x = Tensor.ones(1, 1, 1, 1), k = Tensor.of(new float[]{1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3, 1, 1);
        // VALID: the whole kernel, 3x3.
        assertArrayEquals(k.toFloatArray(), Conv.convTranspose2d(x, k, null, new int[]{2, 2}, Padding.VALID).toFloatArray());
        // SAME: 2x2 output; the convolution back from 2 to 1 pads (0, 1), so the top-left 2x2 of the kernel.
        assertArrayEquals(new float[]{1, 2, 4, 5}, Conv.convTranspose2d(x, k, null, new int[]{2, 2}, Padding.SAME).toFloatArray());
    }

    // ------------------------------------------------------------------ gradient checks

    @ParameterizedTest
    @ValueSource(strings = {"reference", "vector"})
    void gradientsOfConv2d(String backend) {
        on(backend, () -> {
            Rng rng = new Rng(13);
            // Input built as (N, W, H, C) and transposed inside f: a non-contiguous view.
            Tensor xt = Tensor.randn(rng, 2, 4, 5, 3).requiresGrad(true);
            Tensor k = Tensor.randn(rng, 3, 2, 3, 4).requiresGrad(true), b = Tensor.randn(rng, 4).requiresGrad(true);
            GradCheck.check(t -> Conv.conv2d(t[0].transpose(1, 2), t[1], t[2], new int[]{2, 1}, Padding.SAME, new int[]{1, 2}, 1), xt, k, b);
            // Two groups, explicit padding, odd sizes.
            Tensor x2 = Tensor.randn(rng, 1, 3, 5, 4).requiresGrad(true);
            Tensor k2 = Tensor.randn(rng, 2, 2, 2, 6).requiresGrad(true), b2 = Tensor.randn(rng, 6).requiresGrad(true);
            GradCheck.check(t -> Conv.conv2d(t[0], t[1], t[2], new int[]{1, 2}, Padding.explicit(1, 0, 0, 1), new int[]{1, 1}, 2), x2, k2, b2);
            // Depthwise (groups == channels), SAME, stride 2.
            Tensor x3 = Tensor.randn(rng, 2, 5, 3, 3).requiresGrad(true);
            Tensor k3 = Tensor.randn(rng, 3, 3, 1, 3).requiresGrad(true), b3 = Tensor.randn(rng, 3).requiresGrad(true);
            GradCheck.check(t -> Conv.conv2d(t[0], t[1], t[2], new int[]{2, 2}, Padding.SAME, new int[]{1, 1}, 3), x3, k3, b3);
            // Pointwise on a transposed view, and a size-1 everything.
            Tensor x4 = Tensor.randn(rng, 2, 3, 2, 5).requiresGrad(true);
            Tensor k4 = Tensor.randn(rng, 1, 1, 5, 2).requiresGrad(true), b4 = Tensor.randn(rng, 2).requiresGrad(true);
            GradCheck.check(t -> Conv.conv2d(t[0].transpose(1, 2), t[1], t[2]), x4, k4, b4);
            Tensor x5 = Tensor.randn(rng, 1, 1, 1, 1).requiresGrad(true), k5 = Tensor.randn(rng, 1, 1, 1, 1).requiresGrad(true);
            GradCheck.check(t -> Conv.conv2d(t[0], t[1]), x5, k5);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "vector"})
    void gradientsOfConv1d(String backend) {
        on(backend, () -> {
            Rng rng = new Rng(14);
            Tensor xt = Tensor.randn(rng, 2, 3, 7).requiresGrad(true); // (N, C, L), transposed inside f
            Tensor k = Tensor.randn(rng, 3, 3, 2).requiresGrad(true), b = Tensor.randn(rng, 2).requiresGrad(true);
            GradCheck.check(t -> Conv.conv1d(t[0].transpose(1, 2), t[1], t[2], 1, Padding.CAUSAL, 2, 1), xt, k, b);
            Tensor x2 = Tensor.randn(rng, 1, 6, 3).requiresGrad(true);
            Tensor k2 = Tensor.randn(rng, 2, 1, 3).requiresGrad(true), b2 = Tensor.randn(rng, 3).requiresGrad(true);
            GradCheck.check(t -> Conv.conv1d(t[0], t[1], t[2], 2, Padding.SAME, 1, 3), x2, k2, b2);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "vector"})
    void gradientsOfTransposedConvolutions(String backend) {
        on(backend, () -> {
            Rng rng = new Rng(15);
            Tensor xt = Tensor.randn(rng, 1, 2, 3, 2).requiresGrad(true); // (N, W, H, C)
            Tensor k = Tensor.randn(rng, 3, 3, 3, 2).requiresGrad(true), b = Tensor.randn(rng, 3).requiresGrad(true);
            GradCheck.check(t -> Conv.convTranspose2d(t[0].transpose(1, 2), t[1], t[2], new int[]{2, 2}, Padding.SAME), xt, k, b);
            Tensor x2 = Tensor.randn(rng, 2, 2, 3, 1).requiresGrad(true);
            Tensor k2 = Tensor.randn(rng, 2, 3, 2, 1).requiresGrad(true), b2 = Tensor.randn(rng, 2).requiresGrad(true);
            GradCheck.check(t -> Conv.convTranspose2d(t[0], t[1], t[2], new int[]{2, 3}, Padding.VALID, new int[]{1, 2}, new int[]{1, 1}), x2, k2, b2);
            Tensor x3 = Tensor.randn(rng, 2, 3, 2).requiresGrad(true);
            Tensor k3 = Tensor.randn(rng, 3, 2, 2).requiresGrad(true), b3 = Tensor.randn(rng, 2).requiresGrad(true);
            GradCheck.check(t -> Conv.convTranspose1d(t[0], t[1], t[2], 2, Padding.SAME, null, 2), x3, k3, b3);
        });
    }

    @Test
    void onlyTheGradientsAskedForAreComputed() {
        Rng rng = new Rng(16);
        Tensor x = Tensor.randn(rng, 1, 4, 4, 2), k = Tensor.randn(rng, 3, 3, 2, 2).requiresGrad(true);
        Conv.conv2d(x, k).sum().backward();
        assertNull(x.grad());
        assertArrayEquals(new int[]{3, 3, 2, 2}, k.grad().shape());
        // An input that is a slice with an offset into a larger storage.
        Tensor big = Tensor.randn(rng, 3, 4, 4, 2).requiresGrad(true);
        Tensor y = Conv.conv2d(big.slice(0, 1, 3), k.detach());
        Ref r = reference(new Case(2, 4, 4, 2, 3, 3, 2, 1, 1, 1, 1, 1, Padding.VALID),
                big.slice(0, 1, 3).toFloatArray(), k.toFloatArray(), null, new float[2 * 2 * 2 * 2]);
        assertClose(r.y, y.toFloatArray(), 1e-4, "slice");
        y.sum().backward();
        float[] g = big.grad().toFloatArray();
        for (int i = 0; i < 32; i++) assertEquals(0f, g[i], "the first image got no gradient");
    }

    // ------------------------------------------------------------------ errors

    @Test
    void shapeErrorsNameTheOpAndBothShapes() {
        Tensor x = Tensor.zeros(8, 28, 28, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> Conv.conv2d(x, Tensor.zeros(3, 3, 1, 32)));
        assertTrue(e.getMessage().startsWith("conv2d: input (8, 28, 28, 3) has 3 channels but kernel (3, 3, 1, 32) expects 1"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Conv.conv2d(Tensor.zeros(28, 28, 3), Tensor.zeros(3, 3, 3, 32)));
        assertTrue(e.getMessage().contains("conv2d: input must be 4-D") && e.getMessage().contains("(28, 28, 3)"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Conv.conv2d(Tensor.zeros(1, 2, 2, 1), Tensor.zeros(3, 3, 1, 1)));
        assertTrue(e.getMessage().contains("kernel (3, 3, 1, 1) spans 3x3") && e.getMessage().contains("padded input is only 2x2"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> Conv.conv2d(x, Tensor.zeros(3, 3, 1, 32), null, new int[]{1, 1}, Padding.SAME, new int[]{1, 1}, 2));
        assertTrue(e.getMessage().contains("groups 2 does not divide the 3 channels of input (8, 28, 28, 3)"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> Conv.conv2d(Tensor.zeros(1, 5, 5, 4), Tensor.zeros(3, 3, 2, 5), null, new int[]{1, 1}, Padding.SAME, new int[]{1, 1}, 2));
        assertTrue(e.getMessage().contains("does not divide the 5 output channels"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Conv.conv2d(x, Tensor.zeros(3, 3, 3, 4), Tensor.zeros(5)));
        assertTrue(e.getMessage().contains("bias (5,) must have shape (4,)"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Conv.conv2d(x, Tensor.zeros(3, 3, 3, 4), null, new int[]{0, 1}, Padding.VALID));
        assertTrue(e.getMessage().contains("strides must be positive"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> Conv.conv2d(x, Tensor.zeros(3, 3, 3, 4), null, new int[]{1, 1}, Padding.CAUSAL));
        assertTrue(e.getMessage().contains("CAUSAL"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Conv.conv1d(Tensor.zeros(2, 3, 4), Tensor.zeros(5, 4, 2), null));
        assertTrue(e.getMessage().contains("conv1d: kernel (5, 4, 2) spans 5 but the padded input is only 3"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> Conv.conv1d(Tensor.zeros(2, 3, 4), Tensor.zeros(1, 4, 2), null, 1, Padding.explicit(1, 0, 0, 0), 1, 1));
        assertTrue(e.getMessage().contains("(before, after)"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> Conv.convTranspose2d(Tensor.zeros(1, 4, 4, 3), Tensor.zeros(3, 3, 8, 4), null, new int[]{2, 2}, Padding.SAME));
        assertTrue(e.getMessage().contains("convTranspose2d: input (1, 4, 4, 3) has 3 channels but kernel (3, 3, 8, 4) expects 4"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Conv.convTranspose2d(Tensor.zeros(1, 4, 4, 3), Tensor.zeros(3, 3, 8, 3),
                null, new int[]{2, 2}, Padding.SAME, new int[]{2, 0}, new int[]{1, 1}));
        assertTrue(e.getMessage().contains("smaller than the strides"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Padding.explicit(-1, 0));
        assertTrue(e.getMessage().contains(">= 0"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Conv.conv2d(Tensor.zeros(1, 4, 4, 1).to(DType.INT32), Tensor.zeros(1, 1, 1, 1)));
        assertTrue(e.getMessage().contains("float32"), e.getMessage());
    }
}
