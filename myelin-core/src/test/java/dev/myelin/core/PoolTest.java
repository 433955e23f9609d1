package dev.myelin.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static dev.myelin.core.ConvTest.assertClose;
import static dev.myelin.core.ConvTest.on;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pooling against nested-loop references in double, under both backends, and gradient checks. */
class PoolTest {

    /** One 2-D pooling; 1-D cases have h = ph = sh = 1. */
    record Case(int n, int h, int w, int c, int ph, int pw, int sh, int sw, Padding padding) {
        int[] pads() { return ConvTest.pads(padding, h, w, ph, pw, sh, sw); }
        int oh() { int[] p = pads(); return (h + p[0] + p[1] - ph) / sh + 1; }
        int ow() { int[] p = pads(); return (w + p[2] + p[3] - pw) / sw + 1; }
    }

    /** y and the gradient of sum(y * dy): max takes the first largest, average divides by the window's input elements. */
    static double[][] reference(Case cs, float[] x, float[] dy, boolean max) {
        int[] p = cs.pads();
        int oh = cs.oh(), ow = cs.ow();
        double[] y = new double[cs.n * oh * ow * cs.c], dx = new double[x.length];
        for (int n = 0; n < cs.n; n++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    for (int ch = 0; ch < cs.c; ch++) {
                        int yi = ((n * oh + i) * ow + j) * cs.c + ch, best = -1, count = 0;
                        double sum = 0;
                        for (int a = 0; a < cs.ph; a++) {
                            for (int e = 0; e < cs.pw; e++) {
                                int ih = i * cs.sh - p[0] + a, iw = j * cs.sw - p[2] + e;
                                if (ih < 0 || ih >= cs.h || iw < 0 || iw >= cs.w) continue;
                                int xi = ((n * cs.h + ih) * cs.w + iw) * cs.c + ch;
                                if (best < 0 || x[xi] > x[best]) best = xi;
                                sum += x[xi];
                                count++;
                            }
                        }
                        if (max) {
                            y[yi] = x[best];
                            dx[best] += dy[yi];
                            continue;
                        }
                        y[yi] = sum / count;
                        for (int a = 0; a < cs.ph; a++) {
                            for (int e = 0; e < cs.pw; e++) {
                                int ih = i * cs.sh - p[0] + a, iw = j * cs.sw - p[2] + e;
                                if (ih < 0 || ih >= cs.h || iw < 0 || iw >= cs.w) continue;
                                dx[((n * cs.h + ih) * cs.w + iw) * cs.c + ch] += dy[yi] / count;
                            }
                        }
                    }
                }
            }
        }
        return new double[][]{y, dx};
    }

    static final List<Case> CASES_2D = List.of(
            new Case(2, 5, 5, 3, 2, 2, 2, 2, Padding.VALID),
            new Case(1, 5, 4, 1, 3, 3, 2, 2, Padding.SAME),
            new Case(3, 7, 6, 5, 3, 2, 1, 2, Padding.SAME),
            new Case(1, 4, 4, 2, 2, 2, 1, 1, Padding.VALID),            // overlapping windows
            new Case(2, 6, 5, 3, 3, 3, 2, 2, Padding.explicit(1, 1, 2, 0)),
            new Case(1, 1, 1, 1, 1, 1, 1, 1, Padding.VALID),
            new Case(1, 2, 3, 2, 4, 4, 3, 3, Padding.SAME));           // window larger than the input

    static final List<Case> CASES_1D = List.of(
            new Case(2, 1, 9, 3, 1, 2, 1, 2, Padding.VALID),
            new Case(1, 1, 7, 4, 1, 3, 1, 2, Padding.SAME),
            new Case(3, 1, 6, 1, 1, 3, 1, 1, Padding.explicit(2, 1)),
            new Case(1, 1, 1, 2, 1, 1, 1, 1, Padding.SAME));

    static Tensor pool(Case cs, Tensor x, boolean max, boolean oneD) {
        if (oneD) return max ? Pool.maxPool1d(x, cs.pw, cs.sw, cs.padding) : Pool.avgPool1d(x, cs.pw, cs.sw, cs.padding);
        int[] pool = {cs.ph, cs.pw}, strides = {cs.sh, cs.sw};
        return max ? Pool.maxPool2d(x, pool, strides, cs.padding) : Pool.avgPool2d(x, pool, strides, cs.padding);
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "vector"})
    void poolsMatchTheDefinition(String backend) {
        on(backend, () -> {
            Rng rng = new Rng(21);
            for (boolean oneD : new boolean[]{false, true}) {
                for (Case cs : oneD ? CASES_1D : CASES_2D) {
                    for (boolean max : new boolean[]{true, false}) {
                        String what = backend + (max ? " max " : " avg ") + cs;
                        int[] shape = oneD ? new int[]{cs.n, cs.w, cs.c} : new int[]{cs.n, cs.h, cs.w, cs.c};
                        Tensor x = Tensor.randn(rng, shape).requiresGrad(true);
                        Tensor y = pool(cs, x, max, oneD);
                        int[] expected = oneD ? new int[]{cs.n, cs.ow(), cs.c} : new int[]{cs.n, cs.oh(), cs.ow(), cs.c};
                        assertArrayEquals(expected, y.shape(), what);
                        Tensor dy = Tensor.randn(rng, y.shape());
                        double[][] r = reference(cs, x.toFloatArray(), dy.toFloatArray(), max);
                        assertClose(r[0], y.toFloatArray(), 1e-5, what + " y");
                        y.backward(dy);
                        assertClose(r[1], x.grad().toFloatArray(), 1e-5, what + " dx");
                    }
                }
            }
        });
    }

    @Test
    void kerasSameAverageCountsOnlyTheInput() {
        // 3x3 input 1..9, 2x2 windows, stride 2, SAME: the padding row and column go after and are not counted.
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1);
        assertArrayEquals(new float[]{3, 4.5f, 7.5f, 9}, Pool.avgPool2d(x, new int[]{2, 2}, null, Padding.SAME).toFloatArray());
        assertArrayEquals(new float[]{5, 6, 8, 9}, Pool.maxPool2d(x, new int[]{2, 2}, null, Padding.SAME).toFloatArray());
        assertArrayEquals(new float[]{5}, Pool.maxPool2d(x, new int[]{2, 2}).toFloatArray());
        assertArrayEquals(new float[]{1.5f, 3.5f}, Pool.avgPool1d(Tensor.of(new float[]{1, 2, 3, 4, 5}, 1, 5, 1), 2).toFloatArray());
    }

    @Test
    void maxPoolSendsTheGradientToTheFirstMaximumAtTies() {
        Tensor x = Tensor.of(new float[]{1, 3, 3, 3, 0, 3}, 1, 2, 3, 1).requiresGrad(true);
        Pool.maxPool2d(x, new int[]{2, 2}, new int[]{1, 1}, Padding.VALID).sum().backward();
        // windows: columns 0-1 (max 3 first at (0, 1)) and columns 1-2 (max 3 first at (0, 1) again)
        assertArrayEquals(new float[]{0, 2, 0, 0, 0, 0}, x.grad().toFloatArray());
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "vector"})
    void gradientChecks(String backend) {
        on(backend, () -> {
            Rng rng = new Rng(22);
            // Distinct values 0.05 apart, so a finite-difference step never changes which element wins a max.
            Tensor xt = distinct(rng, 2, 4, 5, 3); // (N, W, H, C), transposed inside f
            GradCheck.check(t -> Pool.maxPool2d(t[0].transpose(1, 2), new int[]{3, 3}, new int[]{2, 2}, Padding.SAME), xt);
            GradCheck.check(t -> Pool.avgPool2d(t[0].transpose(1, 2), new int[]{3, 3}, new int[]{2, 2}, Padding.SAME), xt);
            Tensor x2 = distinct(rng, 1, 5, 3, 2);
            GradCheck.check(t -> Pool.maxPool2d(t[0], new int[]{2, 3}, new int[]{1, 2}, Padding.explicit(1, 0, 1, 1)), x2);
            GradCheck.check(t -> Pool.avgPool2d(t[0], new int[]{2, 2}), x2);
            Tensor x3 = distinct(rng, 2, 3, 7); // (N, C, L), transposed inside f
            GradCheck.check(t -> Pool.maxPool1d(t[0].transpose(1, 2), 3, 2, Padding.SAME), x3);
            GradCheck.check(t -> Pool.avgPool1d(t[0].transpose(1, 2), 2, 1, Padding.explicit(1, 1)), x3);
            Tensor x4 = distinct(rng, 1, 1, 1, 1);
            GradCheck.check(t -> Pool.maxPool2d(t[0], new int[]{1, 1}), x4);
            GradCheck.check(t -> Pool.avgPool2d(t[0], new int[]{1, 1}), x4);
        });
    }

    static Tensor distinct(Rng rng, int... shape) {
        int n = Shape.numel(shape);
        int[] perm = rng.permutation(n);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (perm[i] - n / 2f) * 0.05f;
        return Tensor.of(d, shape).requiresGrad(true);
    }

    @Test
    void errors() {
        Tensor x = Tensor.zeros(2, 4, 4, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> Pool.maxPool2d(Tensor.zeros(4, 4, 3), new int[]{2, 2}));
        assertTrue(e.getMessage().contains("maxPool2d: input must be 4-D") && e.getMessage().contains("(4, 4, 3)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pool.avgPool2d(x, new int[]{5, 2}));
        assertTrue(e.getMessage().contains("avgPool2d: pool 5x2 is larger than the padded input 4x4 (input (2, 4, 4, 3), padding VALID)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pool.maxPool2d(x, new int[]{2, 2}, null, Padding.explicit(2, 0, 0, 0)));
        assertTrue(e.getMessage().contains("smaller than the pool size"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pool.maxPool2d(x, new int[]{2}));
        assertTrue(e.getMessage().contains("pool size must have 2 values"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pool.maxPool1d(Tensor.zeros(1, 3, 2), 4));
        assertTrue(e.getMessage().contains("maxPool1d: pool 4 is larger than the padded input 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pool.avgPool1d(Tensor.zeros(1, 3, 2), 2, 0, Padding.VALID));
        assertTrue(e.getMessage().contains("stride must be positive"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pool.avgPool1d(Tensor.zeros(1, 3, 2), 2, 1, Padding.CAUSAL));
        assertTrue(e.getMessage().contains("CAUSAL"), e.getMessage());
    }
}
