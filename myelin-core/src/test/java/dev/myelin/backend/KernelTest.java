package dev.myelin.backend;

import dev.myelin.core.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Every Vector API kernel against the scalar reference, at lengths that are not multiples of the vector width. */
class KernelTest {
    static final int[] SIZES = {1, 3, 17, 33, 255, 1023};
    final Backend ref = ReferenceBackend.INSTANCE;
    final Backend vec = VectorBackend.INSTANCE;

    static float[] random(Rng rng, int n, float lo, float hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = lo + (hi - lo) * rng.nextFloat();
        return x;
    }

    /** Inputs in each op's domain; LOG/SQRT/RSQRT/POW need positive x. */
    static float[] inputFor(UnaryOp op, Rng rng, int n) {
        return switch (op) {
            case LOG, SQRT, RSQRT, POW_SCALAR, RECIPROCAL, RDIV_SCALAR -> random(rng, n, 0.05f, 8f);
            default -> random(rng, n, -9f, 9f);
        };
    }

    // Tolerance: the vector transcendental functions (exp, log, tanh, pow) are accurate to a few ulp,
    // not correctly rounded, and division may be a reciprocal estimate refined once, so compare with
    // a relative error of 2e-6 plus 1e-6 absolute for results near zero.
    static void close(String what, float expected, float actual) {
        if (Float.isNaN(expected) && Float.isNaN(actual)) return;
        if (expected == actual) return;
        float tol = 2e-6f * Math.abs(expected) + 1e-6f;
        if (!(Math.abs(expected - actual) <= tol)) fail(what + ": expected " + expected + " got " + actual);
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryMatchesReference(UnaryOp op) {
        Rng rng = new Rng(op.ordinal());
        for (int n : SIZES) {
            float[] x = inputFor(op, rng, n + 3);
            float alpha = op == UnaryOp.POW_SCALAR ? 1.7f : 0.3f;
            float[] r = new float[n], v = new float[n + 2];
            ref.unary(op, alpha, x, 3, r, 0, n);
            vec.unary(op, alpha, x, 3, v, 2, n);
            for (int i = 0; i < n; i++) close(op + " n=" + n + " i=" + i + " x=" + x[3 + i], r[i], v[2 + i]);
        }
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryMatchesReference(BinaryOp op) {
        Rng rng = new Rng(100 + op.ordinal());
        int[][] strides = {{1, 1}, {1, 0}, {0, 1}, {2, 1}};
        for (int n : SIZES) {
            for (int[] st : strides) {
                float lo = op == BinaryOp.POW ? 0.1f : -4f;
                float[] a = random(rng, 2 * n + 1, lo, 4f), b = random(rng, 2 * n + 1, op == BinaryOp.POW ? -2f : -4f, 4f);
                if (op == BinaryOp.EQ || op == BinaryOp.NE || op == BinaryOp.LE || op == BinaryOp.GE) {
                    for (int i = 0; i < b.length; i += 3) b[i] = a[i]; // some ties
                }
                float[] r = new float[n], v = new float[n];
                ref.binary(op, a, 1, st[0], b, 0, st[1], r, 0, n);
                vec.binary(op, a, 1, st[0], b, 0, st[1], v, 0, n);
                for (int i = 0; i < n; i++) close(op + " n=" + n + " strides=" + st[0] + "," + st[1] + " i=" + i, r[i], v[i]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 33, 255, 1023})
    void reductionsMatchReference(int n) {
        Rng rng = new Rng(n);
        float[] x = random(rng, n + 5, -3f, 3f), y = random(rng, n + 5, -3f, 3f);
        // Summation order differs (lanes, then across lanes): error grows like n * eps * max|x|.
        float tol = n * 1e-6f * 3f + 1e-6f;
        assertEquals(ref.sum(x, 5, n), vec.sum(x, 5, n), tol, "sum");
        assertEquals(ref.dot(x, 5, y, 2, n), vec.dot(x, 5, y, 2, n), 3 * tol, "dot");
        assertEquals(ref.max(x, 5, n), vec.max(x, 5, n), 0f, "max");
        assertEquals(ref.min(x, 5, n), vec.min(x, 5, n), 0f, "min");
        float[] yr = y.clone(), yv = y.clone();
        ref.axpy(n, 0.7f, x, 5, yr, 1);
        vec.axpy(n, 0.7f, x, 5, yv, 1);
        for (int i = 0; i < yr.length; i++) close("axpy i=" + i, yr[i], yv[i]);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 17, 33})
    void maxAndMinPropagateNaN(int n) {
        float[] x = random(new Rng(7), n, -1f, 1f);
        x[n / 2] = Float.NaN;
        assertEquals(Float.NaN, ref.max(x, 0, n));
        assertEquals(Float.NaN, vec.max(x, 0, n));
        assertEquals(Float.NaN, vec.min(x, 0, n));
    }
}
