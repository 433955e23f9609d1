package dev.myelin.backend;

/**
 * The kernels every tensor op reduces to. Arrays are float32, addressed by offset and stride, so
 * that views need no copy. Two implementations: {@link ReferenceBackend}, plain scalar loops that
 * define the expected results, and {@link VectorBackend} on {@code jdk.incubator.vector}, tested
 * against it. {@link Backends#current()} picks one at start-up.
 */
public interface Backend {

    String name();

    /**
     * Row-major single-precision matrix product: {@code C = op(A) * op(B) + beta * C}, where op(A)
     * is (m, k) and op(B) is (k, n). A is stored as (m, k) with row stride {@code lda}, or as
     * (k, m) when {@code transA}; likewise B is (k, n), or (n, k) when {@code transB}.
     * {@code beta} is 0 (overwrite; C's old contents are ignored, even NaN) or any other scale.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float beta, float[] c, int cOff, int ldc);

    /** {@code out[outOff + i] = op(a[aOff + i*aStride], b[bOff + i*bStride])} for i in [0, n); strides may be 0. */
    void binary(BinaryOp op, float[] a, int aOff, int aStride, float[] b, int bOff, int bStride,
                float[] out, int outOff, int n);

    /** {@code out[outOff + i] = op(x[xOff + i], alpha)} for i in [0, n). {@code out} may be {@code x}. */
    void unary(UnaryOp op, float alpha, float[] x, int xOff, float[] out, int outOff, int n);

    /** Sum of x[off .. off+n). */
    float sum(float[] x, int off, int n);

    /** Maximum of x[off .. off+n); n must be positive. NaN if any element is NaN. */
    float max(float[] x, int off, int n);

    /** Minimum of x[off .. off+n); n must be positive. NaN if any element is NaN. */
    float min(float[] x, int off, int n);

    /** Dot product of a[aOff ..) and b[bOff ..) over n elements. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /** {@code y[yOff + i] += alpha * x[xOff + i]} for i in [0, n). */
    void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff);
}
