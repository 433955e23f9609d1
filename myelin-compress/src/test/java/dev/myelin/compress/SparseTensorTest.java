package dev.myelin.compress;

import dev.myelin.backend.Backends;
import dev.myelin.core.Rng;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sparse tensor type: its stored form round-trips exactly, and its kernel agrees with the
 * dense product computed in float64 on awkward sizes, on both paths (gathering for m < 4,
 * transposed blocks above) and under the reference backend.
 */
class SparseTensorTest {

    /** A (rows, cols) matrix with about {@code sparsity} of its entries zero. */
    static float[] sparseMatrix(Rng rng, int rows, int cols, double sparsity) {
        float[] a = new float[rows * cols];
        for (int i = 0; i < a.length; i++) a[i] = rng.nextFloat() < sparsity ? 0f : (float) rng.nextGaussian();
        return a;
    }

    static float[] dense(Rng rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rng.nextGaussian();
        return a;
    }

    @Test
    void bitmaskRoundTripsExactly() {
        Rng rng = new Rng(3);
        for (int n : new int[]{0, 1, 7, 8, 9, 17, 1023}) {
            float[] a = sparseMatrix(rng, 1, n, 0.8);
            if (n > 0) a[n - 1] = 0.5f;   // the last bit of a partial byte
            float[] v = new float[SparseTensor.countNonzeros(a)];
            byte[] mask = SparseTensor.encodeBitmask(a, v);
            assertEquals((n + 7) / 8, mask.length);
            assertArrayEquals(a, SparseTensor.decodeBitmask(mask, 0, v, 0, v.length, n), "n = " + n);
        }
    }

    @Test
    void aMaskThatDisagreesWithTheValuesIsRefused() {
        float[] a = {0, 1, 0, 2};
        float[] v = new float[2];
        byte[] mask = SparseTensor.encodeBitmask(a, v);
        var e = assertThrows(IllegalArgumentException.class, () -> SparseTensor.decodeBitmask(mask, 0, new float[3], 0, 3, 4));
        assertTrue(e.getMessage().contains("2 bits set for 3 stored values"), e.getMessage());
    }

    @Test
    void kernelMatchesTheDenseProductOnAwkwardSizes() {
        Rng rng = new Rng(11);
        for (int rows : new int[]{1, 7, 17, 64}) {
            for (int cols : new int[]{1, 7, 17, 33, 1023}) {
                for (int m : new int[]{1, 2, 3, 4, 7, 65, 130}) {
                    float[] w = sparseMatrix(rng, rows, cols, 0.8);
                    float[] x = dense(rng, m * cols + 3);   // an offset of 3
                    float[] bias = dense(rng, rows);
                    SparseTensor s = SparseTensor.fromDense(w, rows, cols);
                    float[] got = new float[m * rows + 2], ref = new float[m * rows + 2];
                    s.matmulTransposed(x, 3, m, bias, got, 2);
                    s.matmulTransposedReference(x, 3, m, bias, ref, 2);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < rows; j++) {
                            double want = bias[j], mag = Math.abs(bias[j]);
                            for (int p = 0; p < cols; p++) {
                                want += (double) x[3 + i * cols + p] * w[j * cols + p];
                                mag += Math.abs((double) x[3 + i * cols + p] * w[j * cols + p]);
                            }
                            double tol = 1e-6 * (cols + 1) * mag + 1e-6;   // float summation in any order: |err| <= n eps sum|terms|
                            int o = 2 + i * rows + j;
                            String what = "(" + rows + ", " + cols + ") m=" + m + " out[" + i + "][" + j + "]";
                            assertEquals(want, got[o], tol, what);
                            assertEquals(want, ref[o], tol, what + " (reference)");
                        }
                    }
                }
            }
        }
    }

    @Test
    void referenceBackendRunsTheReferenceKernel() {
        Rng rng = new Rng(5);
        float[] w = sparseMatrix(rng, 9, 40, 0.7);
        float[] x = dense(rng, 6 * 40);
        SparseTensor s = SparseTensor.fromDense(w, 9, 40);
        float[] ref = new float[6 * 9], got = new float[6 * 9];
        s.matmulTransposedReference(x, 0, 6, null, ref, 0);
        var before = Backends.current();
        Backends.use(Backends.byName("reference"));
        try {
            s.matmulTransposed(x, 0, 6, null, got, 0);
        } finally {
            Backends.use(before);
        }
        assertArrayEquals(ref, got);
    }

    @Test
    void fromKernelTransposesAndCountsStorage() {
        float[] kernel = {1, 0, 0, 2, 3, 0};   // (in 3, out 2)
        SparseTensor s = SparseTensor.fromKernel(kernel, 3, 2);
        assertArrayEquals(new int[]{2, 3}, s.shape());
        assertEquals(3, s.nnz());
        assertArrayEquals(new float[]{1, 0, 3, 0, 2, 0}, s.toDense().toFloatArray());
        assertEquals(1 + 3 * 4, s.storageBytes());
    }
}
