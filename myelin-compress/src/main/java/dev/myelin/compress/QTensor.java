package dev.myelin.compress;

import dev.myelin.core.DType;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * An int8 matrix with one float scale per row, the quantized tensor type of this module:
 * {@code value[r][c] ~ scale[r] * q[r][c]}, symmetric (zero point 0) with q in [-127, 127] (so
 * that +x and -x quantize alike, and two int8 products fit an int16 in {@link Int8Gemm}). A
 * weight keeps one output channel per row (per-channel scales); activations keep one sample per
 * row and are quantized at run time from their max-abs (dynamic quantization).
 *
 * <p>Its own kernel is {@link #matmulTransposed}: int8 x int8 products summed exactly in int32 by
 * {@link Int8Gemm} (on a packed copy of the right operand, made on first use), then scaled back to
 * float once per output:
 * {@code out[i][j] = (sa[i] * sw[j]) * sum_p qa[i][p] qw[j][p] + bias[j]}.
 *
 * <pre>{@code
 * QTensor w = QTensor.quantize(kernel.t());            // (units, in), one scale per unit
 * Tensor y = QTensor.quantize(x).matmulTransposed(w, bias);   // ~ x @ kernel + bias
 * }</pre>
 */
public final class QTensor {
    /** Largest magnitude of a quantized value; -128 is never used. */
    public static final int QMAX = 127;

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int LF = FS.length();
    /** Bytes with as many lanes as a float vector (null below 8 lanes: no 32-bit byte vector; quantizing then runs scalar). */
    private static final VectorSpecies<Byte> BQ = LF >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(FS.vectorBitSize() / 4)) : null;
    /** 1.5 * 2^23: (v + M) - M rounds a float |v| < 2^22 to the nearest integer, ties to even, as Math.rint. */
    private static final float ROUNDER = 12582912f;

    private final byte[] q;
    private final int off;      // row r starts at q[off + r * cols]
    private final float[] scales;
    private final int rows, cols;
    /** This matrix repacked for {@link Int8Gemm#packed}, made on its first use as a right operand (a weight). */
    private Int8Gemm.PackedB packed;

    private QTensor(byte[] q, int off, float[] scales, int rows, int cols) {
        this.q = q;
        this.off = off;
        this.scales = scales;
        this.rows = rows;
        this.cols = cols;
    }

    // ------------------------------------------------------------------ creation

    /**
     * A (rows, cols) quantized matrix over {@code q} and {@code scales} themselves (no copy; later
     * writes show through). Values must be in [-127, 127] and scales finite and non-negative.
     */
    public static QTensor wrap(byte[] q, float[] scales, int rows, int cols) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("QTensor: rows and cols must be non-negative, got " + rows + " and " + cols);
        if (q.length < (long) rows * cols) {
            throw new IllegalArgumentException("QTensor: " + q.length + " values do not fill (" + rows + ", " + cols + ")");
        }
        if (scales.length < rows) throw new IllegalArgumentException("QTensor: " + scales.length + " scales for " + rows + " rows");
        for (int i = 0; i < rows * cols; i++) {
            if (q[i] == Byte.MIN_VALUE) {
                throw new IllegalArgumentException("QTensor: value -128 at row " + i / Math.max(cols, 1) + ", column " + i % Math.max(cols, 1)
                        + "; symmetric int8 uses [-127, 127]");
            }
        }
        for (int r = 0; r < rows; r++) {
            if (!(scales[r] >= 0) || !Float.isFinite(scales[r])) {
                throw new IllegalArgumentException("QTensor: scale of row " + r + " must be finite and >= 0, got " + scales[r]);
            }
        }
        return new QTensor(q, 0, scales, rows, cols);
    }

    /** Over q[off ..) without checks, for kernels that made the values themselves with {@link #quantizeRow}. */
    static QTensor trusted(byte[] q, int off, float[] scales, int rows, int cols) {
        return new QTensor(q, off, scales, rows, cols);
    }

    /** From an int8 tensor (rows, cols) and a float32 tensor of (rows) scales, copied. */
    public static QTensor of(Tensor values, Tensor scales) {
        if (values.dtype() != DType.INT8 || values.rank() != 2) {
            throw new IllegalArgumentException("QTensor.of: values must be a 2-D int8 tensor, got " + values.dtype() + " of shape " + Shape.format(values.shape()));
        }
        if (scales.rank() != 1 || scales.size(0) != values.size(0)) {
            throw new IllegalArgumentException("QTensor.of: scales must have shape (" + values.size(0) + "), got " + Shape.format(scales.shape()));
        }
        byte[] q = new byte[values.numel()];
        Tensor c = values.contiguous();
        System.arraycopy(c.byteData(), c.offset(), q, 0, q.length);
        return wrap(q, scales.toFloatArray(), values.size(0), values.size(1));
    }

    /** Quantizes a 2-D float tensor row by row: scale[r] = max|x[r]| / 127, q = rint(x / scale). */
    public static QTensor quantize(Tensor x) {
        if (x.rank() != 2) throw new IllegalArgumentException("QTensor.quantize: expected a 2-D tensor, got shape " + Shape.format(x.shape()));
        Tensor c = x.toFloat().contiguous();
        return quantizeRows(c.floatData(), c.offset(), x.size(0), x.size(1));
    }

    /** Quantizes {@code rows} rows of {@code cols} floats from {@code x[off]}, each with its own scale. */
    public static QTensor quantizeRows(float[] x, int off, int rows, int cols) {
        byte[] q = new byte[rows * cols];
        float[] s = new float[rows];
        for (int r = 0; r < rows; r++) s[r] = quantizeRow(x, off + r * cols, cols, q, r * cols);
        return new QTensor(q, 0, s, rows, cols);
    }

    /** Quantizes {@code rows} rows of {@code cols} floats from {@code x[off]} all with one given scale (static quantization). */
    public static QTensor quantizeRows(float[] x, int off, int rows, int cols, float scale) {
        byte[] q = new byte[rows * cols];
        quantizeRowWithScale(x, off, rows * cols, scale, q, 0);
        float[] s = new float[rows];
        Arrays.fill(s, scale);
        return new QTensor(q, 0, s, rows, cols);
    }

    /**
     * Quantizes n floats from {@code x[xOff]} into {@code q[qOff]} with one symmetric scale, which
     * it returns: max|x| / 127, or 0 for an all-zero row (whose values all quantize to 0). Vector
     * kernel, bit-identical to {@link #quantizeRowReference}.
     */
    public static float quantizeRow(float[] x, int xOff, int n, byte[] q, int qOff) {
        if (Int8Gemm.useReference() || BQ == null) return quantizeRowReference(x, xOff, n, q, qOff);
        float maxAbs = maxAbs(x, xOff, n);
        quantizeWith(x, xOff, n, inverseScale(maxAbs, n), q, qOff);
        return maxAbs / QMAX;
    }

    /**
     * Quantizes n floats with a given scale, as static quantization does with a calibrated one:
     * q = clamp(rint(x / scale), -127, 127), so values beyond 127 scale saturate. Vector kernel,
     * bit-identical to {@link #quantizeRowWithScaleReference}.
     */
    public static void quantizeRowWithScale(float[] x, int xOff, int n, float scale, byte[] q, int qOff) {
        if (!(scale > 0) || !Float.isFinite(scale)) throw new IllegalArgumentException("a fixed quantization scale must be finite and positive, got " + scale);
        float inv = 1f / scale;
        if (Int8Gemm.useReference() || BQ == null) {
            for (int i = 0; i < n; i++) q[qOff + i] = quantizeValue(x[xOff + i], inv);
        } else {
            quantizeWith(x, xOff, n, inv, q, qOff);
        }
    }

    /** The scalar definition of {@link #quantizeRowWithScale}. */
    static void quantizeRowWithScaleReference(float[] x, int xOff, int n, float scale, byte[] q, int qOff) {
        float inv = 1f / scale;
        for (int i = 0; i < n; i++) q[qOff + i] = quantizeValue(x[xOff + i], inv);
    }

    /** q = clamp(rint(x * inv), -127, 127) on vectors; a value too large for the rounding trick is clamped all the same. */
    private static void quantizeWith(float[] x, int xOff, int n, float inv, byte[] q, int qOff) {
        int i = 0, bound = FS.loopBound(n);
        FloatVector vInv = FloatVector.broadcast(FS, inv);
        for (; i < bound; i += LF) {
            FloatVector v = FloatVector.fromArray(FS, x, xOff + i).mul(vInv).add(ROUNDER).sub(ROUNDER).max(-QMAX).min(QMAX);
            ((ByteVector) v.convertShape(VectorOperators.F2B, BQ, 0)).intoArray(q, qOff + i);
        }
        for (; i < n; i++) q[qOff + i] = quantizeValue(x[xOff + i], inv);
    }

    /** The scalar definition of {@link #quantizeRow}. */
    static float quantizeRowReference(float[] x, int xOff, int n, byte[] q, int qOff) {
        float maxAbs = 0f;
        for (int i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs(x[xOff + i]));
        float inv = inverseScale(maxAbs, n);
        for (int i = 0; i < n; i++) q[qOff + i] = quantizeValue(x[xOff + i], inv);
        return maxAbs / QMAX;
    }

    private static byte quantizeValue(float x, float inv) {
        return (byte) Math.max(-QMAX, Math.min(QMAX, Math.rint(x * inv)));
    }

    private static float inverseScale(float maxAbs, int n) {
        if (!Float.isFinite(maxAbs)) {
            throw new IllegalArgumentException("cannot quantize a row of " + n + " values that holds " + maxAbs + " (NaN or infinite)");
        }
        return maxAbs == 0f ? 0f : QMAX / maxAbs;
    }

    private static float maxAbs(float[] x, int off, int n) {
        int i = 0, bound = FS.loopBound(n);
        FloatVector m = FloatVector.zero(FS);
        for (; i < bound; i += LF) m = m.max(FloatVector.fromArray(FS, x, off + i).abs());
        float r = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) r = Math.max(r, Math.abs(x[off + i]));
        return r;
    }

    // ------------------------------------------------------------------ inspection

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int[] shape() {
        return new int[]{rows, cols};
    }

    /** The scale of one row. */
    public float scale(int row) {
        return scales[row];
    }

    /** The quantized value at (row, col). */
    public int value(int row, int col) {
        return q[off + row * cols + col];
    }

    /** The values as an int8 tensor (rows, cols), a copy. */
    public Tensor values() {
        return Tensor.ofBytes(Arrays.copyOfRange(q, off, off + rows * cols), DType.INT8, rows, cols);
    }

    /** The scales as a float32 tensor (rows), a copy. */
    public Tensor scales() {
        return Tensor.of(Arrays.copyOf(scales, rows), rows);
    }

    /** Bytes this format stores: one per value and four per scale (a packed copy for the kernel comes on top once used as a weight). */
    public long storageBytes() {
        return (long) rows * cols + 4L * rows;
    }

    /** Back to float: {@code scale[r] * q[r][c]}. */
    public Tensor dequantize() {
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) dequantizeRow(r, out, r * cols);
        return Tensor.wrap(out, rows, cols);
    }

    /** Writes row r, dequantized, into {@code out[outOff ..)}. */
    public void dequantizeRow(int r, float[] out, int outOff) {
        float s = scales[r];
        int base = off + r * cols;
        for (int c = 0; c < cols; c++) out[outOff + c] = s * q[base + c];
    }

    /**
     * The packed form {@link #matmulTransposed} multiplies by, made once: the fastest kernel at
     * every batch size measured, for an int8 copy of the matrix (padded to whole vectors).
     */
    Int8Gemm.PackedB packed() {
        Int8Gemm.PackedB p = packed;
        if (p == null) packed = p = Int8Gemm.pack(rows, cols, q, off, cols);   // immutable: a race packs twice, harmlessly
        return p;
    }

    /** The exact integer dot product of row r with row {@code otherRow} of {@code other}. */
    public int dot(int r, QTensor other, int otherRow) {
        if (other.cols != cols) throw new IllegalArgumentException("QTensor.dot: rows of " + cols + " and " + other.cols + " values");
        int[] c = new int[1];
        Int8Gemm.gemm(1, 1, cols, q, off + r * cols, cols, other.q, other.off + otherRow * cols, cols, c, 0, 1);
        return c[0];
    }

    // ------------------------------------------------------------------ the kernel

    /**
     * {@code this (m, k)} times {@code w (n, k)} transposed, back in float:
     * {@code out[i][j] = (scale[i] * w.scale[j]) * sum_p q[i][p] w.q[j][p] + bias[j]}; bias may be null.
     * Returns (m, n).
     */
    public Tensor matmulTransposed(QTensor w, Tensor bias) {
        float[] b = bias == null ? null : bias.toFloatArray();
        float[] out = new float[rows * w.rows];
        matmulTransposed(w, b, out, 0);
        return Tensor.wrap(out, rows, w.rows);
    }

    /** As {@link #matmulTransposed(QTensor, Tensor)}, into {@code out[outOff ..)} as an (m, n) row-major block. */
    public void matmulTransposed(QTensor w, float[] bias, float[] out, int outOff) {
        matmulTransposed(w, bias, out, outOff, false);
    }

    /**
     * As {@link #matmulTransposed(QTensor, float[], float[], int)}, then {@code max(0, .)} on each
     * output when {@code relu}: fused into the rescale pass, so a quantized layer with a relu
     * activation writes its output once (measured at batch 1 on the MNIST convnet: the separate
     * pass cost about 8% of the int8 forward).
     */
    void matmulTransposed(QTensor w, float[] bias, float[] out, int outOff, boolean relu) {
        if (w.cols != cols) {
            throw new IllegalArgumentException("QTensor.matmulTransposed: cannot multiply (" + rows + ", " + cols + ") by the transpose of ("
                    + w.rows + ", " + w.cols + "): inner dimensions " + cols + " and " + w.cols + " differ");
        }
        if (bias != null && bias.length != w.rows) {
            throw new IllegalArgumentException("QTensor.matmulTransposed: bias has " + bias.length + " values for " + w.rows + " outputs");
        }
        int m = rows, n = w.rows;
        if (Int8Gemm.useReference()) {
            int[] acc = new int[m * n];
            Int8Gemm.reference(m, n, cols, q, off, cols, w.q, w.off, cols, acc, 0, n);
            for (int i = 0; i < m; i++) rescaleReference(acc, i * n, scales[i], w.scales, bias, out, outOff + i * n, n, relu);
        } else {
            // the rescale below, fused into the kernel's tile stores (bit-identical; no int32 product array)
            Int8Gemm.packedRescaled(m, cols, q, off, cols, w.packed(), scales, w.scales, bias, relu, out, outOff, n);
        }
    }

    /** out[j] = acc[j] * (sa * sw[j]) + bias[j], then max(0, .) when relu: the definition that {@link Int8Gemm#packedRescaled} fuses. */
    private static void rescaleReference(int[] acc, int accOff, float sa, float[] sw, float[] bias, float[] out, int outOff, int n, boolean relu) {
        for (int j = 0; j < n; j++) {
            float y = bias == null ? acc[accOff + j] * (sw[j] * sa) : acc[accOff + j] * (sw[j] * sa) + bias[j];
            out[outOff + j] = relu ? Math.max(0f, y) : y;
        }
    }

    @Override
    public String toString() {
        return "QTensor(int8 (" + rows + ", " + cols + "), per-row scales)";
    }
}
