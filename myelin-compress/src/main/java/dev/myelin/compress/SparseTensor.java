package dev.myelin.compress;

import dev.myelin.backend.Parallel;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * A sparse float matrix, the tensor type of pruned weights: (rows, cols) in compressed sparse
 * rows (CSR), {@code rowStart[r] .. rowStart[r + 1]} indexing the nonzeros of row r, each a column
 * {@code colIndex[p]} and a value {@code values[p]}. A pruned kernel keeps one output channel per
 * row, like {@link QTensor}.
 *
 * <p>Files store it as a bitmask and the nonzero values (see {@link #encodeBitmask}): one bit per
 * element, then 4 bytes per nonzero, so at density d it takes {@code 1/8 + 4 d} bytes per element
 * against 4 for float32: 0.925 at 80% sparsity, 4.3x smaller.
 *
 * <p>Its own kernel is {@link #matmulTransposed}: {@code out[i][j] = sum over p in row j of
 * x[i][colIndex[p]] * values[p] + bias[j]}, touching only the nonzeros; {@link #matmulTransposedReference}
 * is the plain-loop definition. The fast kernel gathers a vector of x at the row's column indices
 * per step for a few rows of x (batch 1), and for more rows transposes a block of x so that each
 * nonzero scales one contiguous run of samples (a vector axpy over the block).
 *
 * <pre>{@code
 * SparseTensor w = SparseTensor.fromDense(kernel.t());       // (units, in), zeros dropped
 * Tensor y = w.matmulTransposed(x, bias);                    // = x @ kernel + bias
 * }</pre>
 */
public final class SparseTensor {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int LF = FS.length();
    /** Rows of x at and above which the kernel transposes blocks of x instead of gathering. */
    static final int GATHER_ROWS = 4;
    /** Samples per transposed block of x: four vectors, held in registers by {@link #block}. */
    private static final int BLOCK = 4 * LF;
    /** Multiply-adds (m * nnz) from which the rows of the output are split over threads. */
    private static final long PARALLEL_WORK = 1L << 18;

    private final int rows, cols;
    private final int[] rowStart;
    private final int[] colIndex;
    private final float[] values;

    private SparseTensor(int rows, int cols, int[] rowStart, int[] colIndex, float[] values) {
        this.rows = rows;
        this.cols = cols;
        this.rowStart = rowStart;
        this.colIndex = colIndex;
        this.values = values;
    }

    // ------------------------------------------------------------------ creation

    /** The nonzeros of a 2-D float tensor. */
    public static SparseTensor fromDense(Tensor t) {
        if (t.rank() != 2) throw new IllegalArgumentException("SparseTensor.fromDense: expected a 2-D tensor, got shape " + Shape.format(t.shape()));
        return fromDense(t.toFloatArray(), t.size(0), t.size(1));
    }

    /** The nonzeros of a row-major (rows, cols) matrix {@code a}. */
    public static SparseTensor fromDense(float[] a, int rows, int cols) {
        if (rows < 0 || cols < 0 || a.length != (long) rows * cols) {
            throw new IllegalArgumentException("SparseTensor: " + a.length + " values do not make a (" + rows + ", " + cols + ") matrix");
        }
        int nnz = 0;
        for (float v : a) if (v != 0f) nnz++;
        int[] start = new int[rows + 1], col = new int[nnz];
        float[] val = new float[nnz];
        int p = 0;
        for (int r = 0; r < rows; r++) {
            start[r] = p;
            for (int c = 0; c < cols; c++) {
                float v = a[r * cols + c];
                if (v != 0f) {
                    col[p] = c;
                    val[p++] = v;
                }
            }
        }
        start[rows] = p;
        return new SparseTensor(rows, cols, start, col, val);
    }

    /**
     * The matrix given transposed, as a layer stores its kernel: {@code kernel} is (cols, rows)
     * row-major (Keras's (in, units) layout, or (kh*kw*channels, filters)), and the result is its
     * transpose (rows, cols), one row per output channel.
     */
    public static SparseTensor fromKernel(float[] kernel, int in, int out) {
        if (kernel.length != (long) in * out) throw new IllegalArgumentException("SparseTensor.fromKernel: " + kernel.length + " values for (" + in + ", " + out + ")");
        float[] t = new float[kernel.length];
        for (int i = 0; i < in; i++) for (int j = 0; j < out; j++) t[j * in + i] = kernel[i * out + j];
        return fromDense(t, out, in);
    }

    // ------------------------------------------------------------------ the stored form

    /** Bytes of the bitmask of n elements: one bit each, rounded up to whole bytes. */
    public static int maskBytes(long n) {
        if (n < 0 || n > 8L * Integer.MAX_VALUE) throw new IllegalArgumentException("SparseTensor: no bitmask for " + n + " elements");
        return (int) ((n + 7) / 8);
    }

    /** Nonzeros of a float array (what {@link #encodeBitmask} keeps). */
    public static int countNonzeros(float[] a) {
        int n = 0;
        for (float v : a) if (v != 0f) n++;
        return n;
    }

    /**
     * The stored form of {@code a}: bit i of the mask (byte i / 8, bit i % 8, least significant
     * first) is set where a[i] != 0, and {@code values} receives those a[i] in order. Returns the
     * mask; {@code values} must hold exactly {@link #countNonzeros}(a) floats.
     */
    public static byte[] encodeBitmask(float[] a, float[] values) {
        byte[] mask = new byte[maskBytes(a.length)];
        int p = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] != 0f) {
                if (p == values.length) throw new IllegalArgumentException("SparseTensor.encodeBitmask: more than " + values.length + " nonzeros");
                mask[i >>> 3] |= (byte) (1 << (i & 7));
                values[p++] = a[i];
            }
        }
        if (p != values.length) throw new IllegalArgumentException("SparseTensor.encodeBitmask: " + p + " nonzeros for " + values.length + " values");
        return mask;
    }

    /** The inverse of {@link #encodeBitmask}: n floats, zero where the mask bit is clear. The mask must have exactly values.length bits set. */
    public static float[] decodeBitmask(byte[] mask, int maskOff, float[] values, int valuesOff, int nnz, int n) {
        if (mask.length - maskOff < maskBytes(n)) throw new IllegalArgumentException("SparseTensor: a bitmask of " + (mask.length - maskOff) + " bytes for " + n + " elements");
        float[] a = new float[n];
        int p = 0;
        for (int i = 0; i < n; i++) {
            if ((mask[maskOff + (i >>> 3)] >>> (i & 7) & 1) != 0) {
                if (p == nnz) throw new IllegalArgumentException("SparseTensor: the bitmask has more than " + nnz + " bits set, one per stored value");
                a[i] = values[valuesOff + p++];
            }
        }
        if (p != nnz) throw new IllegalArgumentException("SparseTensor: the bitmask has " + p + " bits set for " + nnz + " stored values");
        return a;
    }

    // ------------------------------------------------------------------ inspection

    public int rows() { return rows; }

    public int cols() { return cols; }

    public int[] shape() { return new int[]{rows, cols}; }

    /** Stored nonzeros. */
    public int nnz() { return values.length; }

    /** Fraction of zeros. */
    public double sparsity() {
        long n = (long) rows * cols;
        return n == 0 ? 0 : 1 - (double) values.length / n;
    }

    /** Bytes of the stored form: the bitmask and 4 per nonzero. */
    public long storageBytes() {
        return maskBytes((long) rows * cols) + 4L * values.length;
    }

    /** The dense (rows, cols) matrix. */
    public Tensor toDense() {
        float[] a = new float[rows * cols];
        for (int r = 0; r < rows; r++) for (int p = rowStart[r]; p < rowStart[r + 1]; p++) a[r * cols + colIndex[p]] = values[p];
        return Tensor.wrap(a, rows, cols);
    }

    // ------------------------------------------------------------------ the kernel

    /** {@code x (m, cols)} times this transposed, plus bias (or null): (m, rows). */
    public Tensor matmulTransposed(Tensor x, Tensor bias) {
        if (x.rank() != 2) throw new IllegalArgumentException("SparseTensor.matmulTransposed: x must be 2-D, got " + Shape.format(x.shape()));
        Tensor c = x.toFloat().contiguous();
        float[] out = new float[x.size(0) * rows];
        matmulTransposed(c.floatData(), c.offset(), x.size(0), bias == null ? null : bias.toFloatArray(), out, 0);
        return Tensor.wrap(out, x.size(0), rows);
    }

    private void check(float[] x, int xOff, int m, float[] bias, float[] out, int outOff) {
        if (m < 0 || xOff < 0 || x.length - xOff < (long) m * cols) {
            throw new IllegalArgumentException("SparseTensor.matmulTransposed: x holds " + (x.length - xOff) + " values from offset " + xOff
                    + ", not (" + m + ", " + cols + ")");
        }
        if (out.length - outOff < (long) m * rows) throw new IllegalArgumentException("SparseTensor.matmulTransposed: out has room for " + (out.length - outOff) + " values, need " + (long) m * rows);
        if (bias != null && bias.length != rows) throw new IllegalArgumentException("SparseTensor.matmulTransposed: bias has " + bias.length + " values for " + rows + " outputs");
    }

    /** The definition, plain loops: {@code out[outOff + i*rows + j] = sum over p of x[xOff + i*cols + colIndex[p]] * values[p] + bias[j]}. */
    public void matmulTransposedReference(float[] x, int xOff, int m, float[] bias, float[] out, int outOff) {
        check(x, xOff, m, bias, out, outOff);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < rows; j++) {
                float s = 0f;
                for (int p = rowStart[j]; p < rowStart[j + 1]; p++) s += x[xOff + i * cols + colIndex[p]] * values[p];
                out[outOff + i * rows + j] = bias == null ? s : s + bias[j];
            }
        }
    }

    /**
     * The fast kernel (see the class notes), or the reference when the scalar backend is forced.
     * Sums run in another order than the reference's, so results agree to float rounding.
     */
    public void matmulTransposed(float[] x, int xOff, int m, float[] bias, float[] out, int outOff) {
        if (Int8Gemm.useReference()) {
            matmulTransposedReference(x, xOff, m, bias, out, outOff);
            return;
        }
        check(x, xOff, m, bias, out, outOff);
        if (m == 0 || rows == 0) return;
        boolean parallel = Parallel.threads() > 1 && (long) m * values.length >= PARALLEL_WORK && !Parallel.inParallelRegion();
        if (m < GATHER_ROWS) {
            if (parallel) Parallel.forRange(rows, 16, (lo, hi) -> gatherRows(x, xOff, m, bias, out, outOff, lo, hi));
            else gatherRows(x, xOff, m, bias, out, outOff, 0, rows);
        } else if (parallel) {
            int blocks = (m + BLOCK - 1) / BLOCK;
            Parallel.forRange(blocks, 1, (lo, hi) -> {
                for (int b = lo; b < hi; b++) block(x, xOff, b * BLOCK, Math.min(m, (b + 1) * BLOCK), bias, out, outOff);
            });
        } else {
            for (int i0 = 0; i0 < m; i0 += BLOCK) block(x, xOff, i0, Math.min(m, i0 + BLOCK), bias, out, outOff);
        }
    }

    /** Output rows j in [lo, hi) for each of the m rows of x: one dot product each over the nonzeros, a vector of x gathered per step. */
    private void gatherRows(float[] x, int xOff, int m, float[] bias, float[] out, int outOff, int lo, int hi) {
        for (int i = 0; i < m; i++) {
            int xi = xOff + i * cols, oi = outOff + i * rows;
            for (int j = lo; j < hi; j++) {
                int p = rowStart[j], end = rowStart[j + 1];
                FloatVector acc = FloatVector.zero(FS);
                for (; p + LF <= end; p += LF) {
                    acc = FloatVector.fromArray(FS, x, xi, colIndex, p).fma(FloatVector.fromArray(FS, values, p), acc);
                }
                float s = acc.reduceLanes(VectorOperators.ADD);
                for (; p < end; p++) s += x[xi + colIndex[p]] * values[p];
                out[oi + j] = bias == null ? s : s + bias[j];
            }
        }
    }

    /**
     * Rows i0..i1 of x (at most {@link #BLOCK}): xt = the block transposed, (cols, w) with w the
     * rows padded to whole vectors (at most 4); then for each output j, the accumulators, held in
     * registers, gather acc[0..w) += values[p] * xt[colIndex[p]][0..w) over the row's nonzeros.
     */
    private void block(float[] x, int xOff, int i0, int i1, float[] bias, float[] out, int outOff) {
        int nb = i1 - i0, nv = (nb + LF - 1) / LF, w = nv * LF;
        float[] xt = new float[cols * w];
        for (int i = 0; i < nb; i++) {
            int xi = xOff + (i0 + i) * cols;
            for (int c = 0; c < cols; c++) xt[c * w + i] = x[xi + c];
        }
        float[] acc = new float[4 * LF];
        for (int j = 0; j < rows; j++) {
            FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0;
            int p = rowStart[j], end = rowStart[j + 1];
            switch (nv) {
                case 1 -> {
                    for (; p < end; p++) a0 = FloatVector.fromArray(FS, xt, colIndex[p] * w).fma(FloatVector.broadcast(FS, values[p]), a0);
                }
                case 2 -> {
                    for (; p < end; p++) {
                        FloatVector v = FloatVector.broadcast(FS, values[p]);
                        int base = colIndex[p] * w;
                        a0 = FloatVector.fromArray(FS, xt, base).fma(v, a0);
                        a1 = FloatVector.fromArray(FS, xt, base + LF).fma(v, a1);
                    }
                }
                default -> {
                    for (; p < end; p++) {
                        FloatVector v = FloatVector.broadcast(FS, values[p]);
                        int base = colIndex[p] * w;
                        a0 = FloatVector.fromArray(FS, xt, base).fma(v, a0);
                        a1 = FloatVector.fromArray(FS, xt, base + LF).fma(v, a1);
                        a2 = FloatVector.fromArray(FS, xt, base + 2 * LF).fma(v, a2);
                        if (nv == 4) a3 = FloatVector.fromArray(FS, xt, base + 3 * LF).fma(v, a3);
                    }
                }
            }
            a0.intoArray(acc, 0);
            a1.intoArray(acc, LF);
            a2.intoArray(acc, 2 * LF);
            a3.intoArray(acc, 3 * LF);
            float b = bias == null ? 0f : bias[j];
            for (int i = 0; i < nb; i++) out[outOff + (i0 + i) * rows + j] = acc[i] + b;
        }
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "SparseTensor((%d, %d), %d nonzeros, %.1f%% sparse)", rows, cols, values.length, 100 * sparsity());
    }
}
