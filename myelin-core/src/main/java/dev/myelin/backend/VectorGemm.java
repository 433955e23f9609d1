package dev.myelin.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Single-precision GEMM on the Vector API (row-major; see {@link Backend#gemm}). */
final class VectorGemm {
    private VectorGemm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        if (transB) {
            // C[i, j] = dot(row i of op(A), row j of B): B's rows are contiguous.
            float[] arow = new float[k];
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) arow[p] = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                for (int j = 0; j < n; j++) {
                    float s = VectorBackend.INSTANCE.dot(arow, 0, b, bOff + j * ldb, k);
                    int ci = cOff + i * ldc + j;
                    c[ci] = beta == 0f ? s : s + beta * c[ci];
                }
            }
            return;
        }
        // C[i, :] = beta * C[i, :] + sum_p op(A)[i, p] * B[p, :]
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            if (beta == 0f) java.util.Arrays.fill(c, ci, ci + n, 0f);
            else if (beta != 1f) VectorBackend.INSTANCE.unary(UnaryOp.MUL_SCALAR, beta, c, ci, c, ci, n);
            for (int p = 0; p < k; p++) {
                float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                VectorBackend.INSTANCE.axpy(n, av, b, bOff + p * ldb, c, ci);
            }
        }
    }
}
