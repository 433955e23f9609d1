package dev.myelin.backend;

import dev.myelin.core.Rng;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link VectorGemm} against {@link ReferenceBackend#gemm} on random inputs: awkward sizes that
 * are not multiples of the tile, every transpose combination, padded strides and non-zero
 * offsets, beta 0 over a NaN-filled C, beta 1 and 0.5, the unpacked, packed and threaded paths.
 */
class GemmTest {
    /** (m, n, k): small ones take the unpacked path, the larger ones the packed path. */
    static final int[][] SHAPES = {
        {1, 256, 784}, {1, 10, 256}, {1, 70, 33}, {1, 95, 17},   // one row: the vector-matrix path
        {1, 1, 1}, {3, 3, 3}, {17, 17, 17}, {33, 33, 33}, {1, 255, 3}, {255, 1, 17}, {7, 33, 1},
        {5, 3, 2}, {64, 64, 64}, {8, 32, 9}, {1023, 17, 33}, {17, 1023, 33},
        {255, 255, 255},   // packed, edges in m and n
        {203, 171, 301},   // packed, several MC row blocks
        {9, 2100, 1030},   // packed, more than one NC column block and two depth passes
        {5, 9, 1300},      // depth beyond KC on a small product
    };
    static final float[] BETAS = {0f, 1f, 0.5f};

    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void matchesReferenceSingleThreaded(boolean transA, boolean transB) {
        Parallel.setThreads(1);
        Rng rng = new Rng(transA ? (transB ? 4 : 3) : (transB ? 2 : 1));
        for (int[] s : SHAPES) {
            for (float beta : BETAS) check(rng, transA, transB, s[0], s[1], s[2], beta);
        }
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void matchesReferenceOnTwoThreads(boolean transA, boolean transB) {
        Parallel.setThreads(2);
        Rng rng = new Rng(transA ? (transB ? 14 : 13) : (transB ? 12 : 11));
        // big enough to split: by rows (m >= n) and by columns, unpacked and packed per thread
        int[][] shapes = {{150, 130, 70}, {60, 300, 90}, {301, 283, 200}, {100, 700, 129}};
        for (int[] s : shapes) {
            for (float beta : BETAS) check(rng, transA, transB, s[0], s[1], s[2], beta);
        }
    }

    @Test
    void oneRowWithZerosInTheRow() {
        // after a relu about half of a batch-1 input is exactly zero, and those rows of B are skipped
        Parallel.setThreads(1);
        Rng rng = new Rng(21);
        int n = 100, k = 50;
        float[] a = KernelTest.random(rng, k, -1f, 1f), b = KernelTest.random(rng, k * n, -1f, 1f);
        for (int p = 0; p < k; p += 2) a[p] = 0f;
        float[] expected = new float[n], actual = new float[n];
        ReferenceBackend.INSTANCE.gemm(false, false, 1, n, k, a, 0, k, b, 0, n, 0f, expected, 0, n);
        VectorGemm.gemm(false, false, 1, n, k, a, 0, k, b, 0, n, 0f, actual, 0, n);
        for (int j = 0; j < n; j++) assertEquals(expected[j], actual[j], 1e-5f, "column " + j);
    }

    @Test
    void zeroDepthScalesC() {
        Rng rng = new Rng(5);
        for (float beta : BETAS) check(rng, false, false, 4, 5, 0, beta);
        check(rng, true, true, 40, 50, 0, 0.5f);
    }

    @Test
    void emptyAndNegativeSizes() {
        float[] c = {Float.NaN};
        VectorGemm.gemm(false, false, 0, 1, 1, new float[1], 0, 1, new float[1], 0, 1, 0f, c, 0, 1);
        VectorGemm.gemm(false, false, 1, 0, 1, new float[1], 0, 1, new float[1], 0, 1, 0f, c, 0, 1);
        assertEquals(Float.NaN, c[0]);
        assertThrows(IllegalArgumentException.class,
                () -> VectorGemm.gemm(false, false, -1, 1, 1, new float[1], 0, 1, new float[1], 0, 1, 0f, c, 0, 1));
    }

    @Test
    void backendRoutesToIt() {
        Rng rng = new Rng(6);
        float[] a = KernelTest.random(rng, 6, -1, 1), b = KernelTest.random(rng, 6, -1, 1);
        float[] c1 = new float[4], c2 = new float[4];
        VectorBackend.INSTANCE.gemm(false, true, 2, 2, 3, a, 0, 3, b, 0, 3, 0f, c1, 0, 2);
        VectorGemm.gemm(false, true, 2, 2, 3, a, 0, 3, b, 0, 3, 0f, c2, 0, 2);
        for (int i = 0; i < 4; i++) assertEquals(c2[i], c1[i]);
    }

    /**
     * One product with padded leading dimensions and offsets, checked element by element.
     *
     * <p>Tolerance: the reference sums in double; the fast kernel in float with FMA, so each of the
     * k steps rounds once (unit roundoff u = 2^-24) and the error is bounded by about
     * k * u * sum_p |A[i,p] * B[p,j]|, plus the rounding of beta * C. We allow
     * 2 * (k + 2) * u * (sum_p |A[i,p] B[p,j]| + |beta C[i,j]|): it grows with k as the bound does,
     * with a margin of two, and is far below what any indexing or edge mistake would produce.
     */
    static void check(Rng rng, boolean transA, boolean transB, int m, int n, int k, float beta) {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + 3, ldb = bCols + 5, ldc = n + 2;
        int aOff = 7, bOff = 2, cOff = 11;
        float[] a = KernelTest.random(rng, aOff + Math.max(aRows * lda, 1), -1f, 1f);
        float[] b = KernelTest.random(rng, bOff + Math.max(bRows * ldb, 1), -1f, 1f);
        float[] c0 = KernelTest.random(rng, cOff + m * ldc, -1f, 1f);
        if (beta == 0f) java.util.Arrays.fill(c0, Float.NaN);

        float[] expected = c0.clone(), actual = c0.clone();
        ReferenceBackend.INSTANCE.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, expected, cOff, ldc);
        VectorGemm.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, actual, cOff, ldc);

        // sum_p |A[i,p] B[p,j]| + |beta C[i,j]| for the tolerance
        float[] absA = abs(a), absB = abs(b), bound = beta == 0f ? new float[c0.length] : abs(c0);
        ReferenceBackend.INSTANCE.gemm(transA, transB, m, n, k, absA, aOff, lda, absB, bOff, ldb,
                Math.abs(beta), bound, cOff, ldc);
        double u = Math.ulp(1f) / 2;
        String where = "m=" + m + " n=" + n + " k=" + k + " transA=" + transA + " transB=" + transB + " beta=" + beta
                + " threads=" + Parallel.threads();
        for (int i = 0; i < c0.length; i++) {
            int row = (i - cOff) / ldc, col = (i - cOff) % ldc;
            boolean inC = i >= cOff && row < m && col < n;
            if (!inC) {
                // outside op's C (offset, padding columns): untouched, NaN included
                if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(c0[i])) {
                    fail(where + ": wrote outside C at index " + i);
                }
                continue;
            }
            double tol = 2.0 * (k + 2) * u * bound[i];
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                fail(where + ": C[" + row + "," + col + "] expected " + expected[i] + " got " + actual[i] + " (tolerance " + tol + ")");
            }
        }
    }

    static float[] abs(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = Math.abs(x[i]);
        return y;
    }
}
