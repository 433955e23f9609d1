package dev.myelin.compress;

import dev.myelin.backend.Parallel;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The int8 kernels against their references. The integer product is exact, so the vector GEMM
 * must equal the scalar one bit for bit; quantizing and rescaling use the same float roundings in
 * both forms, so they too must agree exactly. Against float maths the error is bounded as derived
 * in {@link #quantizedProductStaysWithinTheDerivedBound}.
 */
class Int8KernelTest {
    private static final int[] SIZES = {1, 3, 17, 33, 255};

    private static byte[] randomInt8(Rng rng, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (rng.nextInt(255) - 127);
        return b;
    }

    @Test
    void vectorGemmEqualsReferenceAtAwkwardSizes() {
        Rng rng = new Rng(7);
        int[] ks = {1, 3, 17, 33, 63, 64, 65, 255, 300};
        for (int m : SIZES) {
            for (int n : SIZES) {
                for (int k : ks) {
                    // strided operands with padding after each row, and an offset into C
                    int lda = k + 5, ldb = k + 3, ldc = n + 2;
                    byte[] a = randomInt8(rng, 2 + m * lda), b = randomInt8(rng, 1 + n * ldb);
                    int[] want = new int[3 + m * ldc], got = new int[3 + m * ldc];
                    Int8Gemm.reference(m, n, k, a, 2, lda, b, 1, ldb, want, 3, ldc);
                    Int8Gemm.vector(m, n, k, a, 2, lda, b, 1, ldb, got, 3, ldc);
                    assertArrayEquals(want, got, "m=" + m + " n=" + n + " k=" + k);
                }
            }
        }
    }

    @Test
    void packedGemmEqualsReferenceAtAwkwardSizes() {
        Rng rng = new Rng(8);
        for (int m : SIZES) {
            for (int n : new int[]{1, 3, 17, 33, 255}) {
                for (int k : new int[]{1, 2, 3, 17, 33, 64, 255}) {
                    int lda = k + 3, ldb = k + 1, ldc = n + 5;
                    byte[] a = randomInt8(rng, 1 + m * lda), b = randomInt8(rng, 2 + n * ldb);
                    int[] want = new int[2 + m * ldc], got = new int[2 + m * ldc];
                    Int8Gemm.reference(m, n, k, a, 1, lda, b, 2, ldb, want, 2, ldc);
                    Int8Gemm.packed(m, k, a, 1, lda, Int8Gemm.pack(n, k, b, 2, ldb), got, 2, ldc);
                    assertArrayEquals(want, got, "m=" + m + " n=" + n + " k=" + k);
                }
            }
        }
        byte[] all = new byte[4 * 1000];
        java.util.Arrays.fill(all, (byte) -127);
        int[] c = new int[16];
        Int8Gemm.packed(4, 1000, all, 0, 1000, Int8Gemm.pack(4, 1000, all, 0, 1000), c, 0, 4);
        for (int v : c) assertEquals(127 * 127 * 1000, v, "extreme values in every pair sum");
        // the 4-row tiles' offset-binary sums (see Int8Gemm.tile4x2) through many wrap-arounds:
        // +-127 only, at a depth near MAX_K and over two column blocks, against the reference
        int m = 5, n = 37, k = Int8Gemm.MAX_K - 3;
        byte[] a = new byte[m * k], b = new byte[n * k];
        for (int i = 0; i < a.length; i++) a[i] = (byte) (i < k ? 127 : rng.nextInt(2) == 0 ? -127 : 127);
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i < 2 * k ? (i < k ? 127 : -127) : rng.nextInt(2) == 0 ? -127 : 127);
        int[] want = new int[m * n], got = new int[m * n];
        Int8Gemm.reference(m, n, k, a, 0, k, b, 0, k, want, 0, n);
        Int8Gemm.packed(m, k, a, 0, k, Int8Gemm.pack(n, k, b, 0, k), got, 0, n);
        assertEquals(127 * 127 * k, want[0]);
        assertEquals(-127 * 127 * k, want[1]);
        assertArrayEquals(want, got, "extreme values at k = " + k);
    }

    @Test
    void extremeValuesDoNotOverflowTheInt16PairSums() {
        // every product is 127 * 127 or -127 * 127: the largest pair sums the kernel forms in int16
        int m = 5, n = 6, k = 1000;
        byte[] a = new byte[m * k], b = new byte[n * k];
        for (int i = 0; i < a.length; i++) a[i] = (byte) (i % 3 == 0 ? -127 : 127);
        java.util.Arrays.fill(b, (byte) 127);
        int[] want = new int[m * n], got = new int[m * n];
        Int8Gemm.reference(m, n, k, a, 0, k, b, 0, k, want, 0, n);
        Int8Gemm.vector(m, n, k, a, 0, k, b, 0, k, got, 0, n);
        assertArrayEquals(want, got);
        byte[] all = new byte[k];
        java.util.Arrays.fill(all, (byte) -127);
        int[] c = new int[1];
        Int8Gemm.vector(1, 1, k, all, 0, k, all, 0, k, c, 0, 1);
        assertEquals(127 * 127 * k, c[0]);
    }

    @Test
    void parallelSplitsGiveTheSameProduct() {
        Rng rng = new Rng(3);
        int old = Parallel.setThreads(4);
        try {
            for (int[] s : new int[][]{{255, 17, 255}, {3, 255, 300}, {33, 33, 255}, {1, 255, 1100}}) {
                int m = s[0], n = s[1], k = s[2];
                byte[] a = randomInt8(rng, m * k), b = randomInt8(rng, n * k);
                int[] want = new int[m * n], got = new int[m * n], packed = new int[m * n];
                Int8Gemm.reference(m, n, k, a, 0, k, b, 0, k, want, 0, n);
                Int8Gemm.vector(m, n, k, a, 0, k, b, 0, k, got, 0, n);
                Int8Gemm.packed(m, k, a, 0, k, Int8Gemm.pack(n, k, b, 0, k), packed, 0, n);
                assertArrayEquals(want, got, "m=" + m + " n=" + n + " k=" + k);
                assertArrayEquals(want, packed, "packed, m=" + m + " n=" + n + " k=" + k);
            }
        } finally {
            Parallel.setThreads(old);
        }
    }

    @Test
    void quantizeRowVectorEqualsReference() {
        Rng rng = new Rng(11);
        for (int n : new int[]{1, 3, 17, 33, 255, 1000}) {
            float[] x = new float[n + 2];
            for (int i = 0; i < x.length; i++) x[i] = (float) (rng.nextGaussian() * 3);
            x[1 + n / 2] = 0.5f * x[1]; // some ties and exact halves appear by scaling
            byte[] want = new byte[n], got = new byte[n];
            float sw = QTensor.quantizeRowReference(x, 1, n, want, 0);
            float sg = QTensor.quantizeRow(x, 1, n, got, 0);
            assertEquals(sw, sg);
            assertArrayEquals(want, got, "n=" + n);
            float maxAbs = 0;
            for (int i = 1; i <= n; i++) maxAbs = Math.max(maxAbs, Math.abs(x[i]));
            assertEquals(maxAbs / 127f, sg);
            for (int i = 0; i < n; i++) {
                assertTrue(got[i] >= -127 && got[i] <= 127);
                // |x - s q| <= s / 2, up to the float rounding of x / s
                assertTrue(Math.abs(x[1 + i] - sg * got[i]) <= 0.5f * sg * (1 + 1e-5f) + 1e-30f, "n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void wrappedTensorsDequantizeAndDotFromTheirOffsets() {
        byte[] q = {9, 9, 1, -2, 3, 4, -5, 6};
        QTensor t = QTensor.trusted(q, 2, new float[]{0.5f, 2f}, 2, 3);
        assertArrayEquals(new float[]{0.5f, -1f, 1.5f, 8f, -10f, 12f}, t.dequantize().toFloatArray());
        assertEquals(1 * 4 + -2 * -5 + 3 * 6, t.dot(0, t, 1));
        QTensor of = QTensor.of(t.values(), t.scales());
        assertArrayEquals(t.dequantize().toFloatArray(), of.dequantize().toFloatArray());
        assertEquals(2 * 3 + 4L * 2, of.storageBytes());
    }

    @Test
    void allZeroRowsQuantizeToZeroWithScaleZero() {
        QTensor q = QTensor.quantizeRows(new float[6], 0, 2, 3);
        assertEquals(0f, q.scale(0));
        assertEquals(0, q.value(1, 2));
        assertArrayEquals(new float[6], q.dequantize().toFloatArray());
    }

    @Test
    void nonFiniteValuesAndMinus128AreRefused() {
        assertThrows(IllegalArgumentException.class, () -> QTensor.quantizeRows(new float[]{1, Float.NaN, 2}, 0, 1, 3));
        assertThrows(IllegalArgumentException.class, () -> QTensor.wrap(new byte[]{0, -128}, new float[]{1}, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> Int8Gemm.vector(1, 1, Int8Gemm.MAX_K + 1, new byte[0], 0, 0, new byte[0], 0, 0, new int[1], 0, 1));
    }

    @Test
    void rescaledProductEqualsTheReferenceForms() {
        Rng rng = new Rng(5);
        for (int m : SIZES) {
            for (int n : SIZES) {
                int k = 33;
                QTensor a = QTensor.quantize(Tensor.randn(rng, m, k));
                QTensor w = QTensor.quantize(Tensor.randn(rng, n, k));
                float[] bias = Tensor.randn(rng, n).toFloatArray();
                float[] got = new float[m * n];
                a.matmulTransposed(w, bias, got, 0);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        int dot = 0;
                        for (int p = 0; p < k; p++) dot += a.value(i, p) * w.value(j, p);
                        float want = dot * (w.scale(j) * a.scale(i)) + bias[j];
                        assertEquals(want, got[i * n + j], "m=" + m + " n=" + n + " i=" + i + " j=" + j);
                    }
                }
            }
        }
    }

    /**
     * The fused rescale of {@link Int8Gemm#packedRescaled} against the exact int32 product followed
     * by the scalar formula (same float roundings, so equal bit for bit), at awkward sizes, with and
     * without bias and relu, into a strided output at an offset (the float lanes past the last full
     * vector take the scalar tail).
     */
    @Test
    void packedRescaledEqualsProductThenScalarRescale() {
        Rng rng = new Rng(11);
        for (int m : SIZES) {
            for (int n : new int[]{1, 3, 17, 33, 255}) {
                for (int k : new int[]{1, 3, 9, 17, 288}) {
                    byte[] a = randomInt8(rng, m * k), b = randomInt8(rng, n * k);
                    int[] acc = new int[m * n];
                    Int8Gemm.reference(m, n, k, a, 0, k, b, 0, k, acc, 0, n);
                    float[] rowScale = Tensor.rand(rng, m).toFloatArray(), colScale = Tensor.rand(rng, n).toFloatArray();
                    float[] bias = Tensor.randn(rng, n).toFloatArray();
                    for (int variant = 0; variant < 4; variant++) {
                        boolean relu = (variant & 1) != 0;
                        float[] bb = (variant & 2) != 0 ? null : bias;
                        int ldo = n + 3, off = 2;
                        float[] got = new float[off + m * ldo];
                        Int8Gemm.packedRescaled(m, k, a, 0, k, Int8Gemm.pack(n, k, b, 0, k), rowScale, colScale, bb, relu, got, off, ldo);
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                float y = acc[i * n + j] * (colScale[j] * rowScale[i]);
                                if (bb != null) y += bb[j];
                                if (relu) y = Math.max(0f, y);
                                assertEquals(y, got[off + i * ldo + j], "m=" + m + " n=" + n + " k=" + k + " variant " + variant + " at " + i + "," + j);
                            }
                        }
                        assertEquals(0f, got[off + (m - 1) * ldo + n], "nothing written past a row");
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Int8Gemm.packedRescaled(2, 1, new byte[2], 0, 1, Int8Gemm.pack(1, 1, new byte[1], 0, 1),
                new float[1], new float[1], null, false, new float[2], 0, 1));
    }

    /**
     * The bound. With sa = max|x| / 127 and sw = max|w| / 127, rounding gives x_p = sa (qa_p + ea_p)
     * and w_p = sw (qw_p + ew_p) with |ea_p|, |ew_p| <= 1/2, so
     * <pre>
     * x.w - sa sw sum qa qw = sa sw sum (qa ew + ea qw + ea ew)
     * </pre>
     * The kernel computes sum qa qw exactly in int32; the rest is one or two float roundings
     * (relative 2^-23 each). Hence the hard bound, for any data,
     * |err| <= sa sw K (127/2 + 127/2 + 1/4) = 127.25 sa sw K, linear in K. For independent rounding
     * errors (uniform, variance 1/12) the sum is a random walk with standard deviation
     * sa sw sqrt(K (E[qa^2] + E[qw^2]) / 12 + K / 144) <= 51.9 sa sw sqrt(K), since |q| <= 127; the
     * test checks 6 sigma, |err| <= 311 sa sw sqrt(K), on every output (with 10^4 outputs a
     * 6-sigma miss has probability ~2e-5). The float reference's own error, about 2^-23 K sum|x w|,
     * is added to both bounds.
     */
    @Test
    void quantizedProductStaysWithinTheDerivedBound() {
        Rng rng = new Rng(9);
        for (int m : SIZES) {
            for (int n : new int[]{1, 17, 33}) {
                for (int k : new int[]{1, 3, 17, 33, 255, 1024}) {
                    if (k == 1024 && m == 255) continue;   // enough samples of the largest depth elsewhere; keeps the test fast
                    Tensor x = Tensor.randn(rng, m, k), w = Tensor.randn(rng, n, k);
                    QTensor qa = QTensor.quantize(x), qw = QTensor.quantize(w);
                    float[] got = qa.matmulTransposed(qw, null).toFloatArray();
                    float[] xd = x.toFloatArray(), wd = w.toFloatArray();
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double exact = 0, abs = 0;
                            for (int p = 0; p < k; p++) {
                                exact += (double) xd[i * k + p] * wd[j * k + p];
                                abs += Math.abs((double) xd[i * k + p] * wd[j * k + p]);
                            }
                            double err = Math.abs(got[i * n + j] - exact);
                            double ss = (double) qa.scale(i) * qw.scale(j), floatErr = 1.2e-7 * k * abs + 1e-30;
                            String at = "m=" + m + " n=" + n + " k=" + k + " (" + i + ", " + j + ")";
                            assertTrue(err <= 127.25 * ss * k + floatErr, "hard bound broken at " + at + ": " + err);
                            assertTrue(err <= 311 * ss * Math.sqrt(k) + floatErr, "6-sigma bound broken at " + at + ": " + err);
                        }
                    }
                }
            }
        }
    }
}
