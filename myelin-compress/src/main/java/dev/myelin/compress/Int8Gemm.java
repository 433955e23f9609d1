package dev.myelin.compress;

import dev.myelin.backend.Backends;
import dev.myelin.backend.Parallel;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Integer matrix product of int8 operands with exact int32 accumulation, in the "NT" form that
 * quantized layers need: {@code C[i][j] = sum over p of A[i][p] * B[j][p]} for A (m, k) and B
 * (n, k), both row-major (activation rows times weight rows, one weight row per output channel).
 * Three implementations, bit-identical:
 * <ul>
 *   <li>{@link #reference}: plain loops that define the result;</li>
 *   <li>{@link #packed}: outer products against B repacked once by {@link #pack}, the fast path;
 *       {@link #packedRescaled} is the same with the rescale to float fused into the tile stores
 *       ({@link QTensor#matmulTransposed} uses it, packing each weight on first use);</li>
 *   <li>{@link #vector}: dot-product tiles straight from row-major B, no packing; {@link #gemm}
 *       runs it unless the scalar reference backend is forced ({@code -Dmyelin.backend=reference}).</li>
 * </ul>
 * Both vector kernels widen int8 to int16, multiply in int16 and add two products in int16 before
 * widening to int32, which is exact because operands lie in [-127, 127] ({@link QTensor}
 * guarantees it; -128 is excluded for this): |a b| <= 16129 and a sum of two <= 32258 < 2^15.
 * The int32 sums are exact for {@code k <= } {@link #MAX_K}.
 *
 * <p>Measured on AVX-512 (AMD EPYC, one thread, best of repeated runs on a shared, noisy 2-core
 * machine): the packed kernel runs at 70-100 G int8 multiply-adds/s, against 80-120 GFLOP/2
 * for Myelin's float SGEMM on batched shapes (0.6-1.3x) and 8-30x the float matrix-vector product
 * (batch 1, memory-bound: a quarter of the bytes). The Vector API cannot reach VNNI's
 * {@code vpdpbusd}/{@code vpdpwssd}, which would do the int8 dot products in one instruction.
 *
 * <pre>{@code
 * int[] c = new int[m * n];
 * Int8Gemm.packed(m, k, a, 0, k, Int8Gemm.pack(n, k, b, 0, k), c, 0, n);
 * }</pre>
 */
public final class Int8Gemm {
    private Int8Gemm() {}

    /** Largest shared dimension whose sums cannot overflow int32: floor((2^31 - 1) / 127^2). */
    public static final int MAX_K = Integer.MAX_VALUE / (127 * 127);

    /** Shorts in one vector: 32 on AVX-512, 16 on AVX2, 8 on NEON. */
    private static final VectorSpecies<Short> SS = ShortVector.SPECIES_PREFERRED;
    /** Bytes that widen into one short vector: half its bit size. */
    private static final VectorSpecies<Byte> BS = ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(SS.vectorBitSize() / 2));
    /** Ints of the same bit size, the accumulators. */
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, SS.vectorShape());
    /** Floats of the same bit size, for the rescale of {@link #packedRescaled}. */
    private static final VectorSpecies<Float> FS = VectorSpecies.of(float.class, SS.vectorShape());
    private static final int LS = SS.length(), LI = IS.length();
    /** Depth of one step of the vector kernels: two short vectors' worth, whose products are summed in int16 before widening. */
    private static final int STEP = 2 * LS;
    /** Products from this many multiply-adds (m*n*k) up are split over {@link Parallel}'s threads. */
    static final long PARALLEL_WORK = 1L << 18;
    /**
     * The same threshold for at most 4 rows (a matrix-vector product): 2^22 multiply-adds, about
     * 50 us on one thread. Below it the packed kernel stays on the calling thread: measured on the
     * MNIST MLP at batch 1 (784x512 and 512x512 layers, 2 threads, a shared machine), splitting made
     * the int8 forward 8x slower than one thread (99 against 12 us), the pool's wake-up dominating.
     */
    static final long PARALLEL_WORK_FEW_ROWS = 1L << 22;
    /** Bytes of B streamed per column block, so the block stays in L2 while every row tile of A passes over it. */
    private static final int B_BLOCK_BYTES = 256 * 1024;

    /** {@code C = A B^T} on the vector kernels, or the scalar reference when the reference backend is forced. */
    public static void gemm(int m, int n, int k, byte[] a, int aOff, int lda, byte[] b, int bOff, int ldb, int[] c, int cOff, int ldc) {
        if (useReference()) reference(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        else vector(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    }

    /** True when {@code -Dmyelin.backend=reference} (or {@code Backends.use}) selected the scalar reference. */
    static boolean useReference() {
        return "reference".equals(Backends.current().name());
    }

    private static void check(int m, int n, int k) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("int8 gemm sizes must be non-negative, got m=" + m + " n=" + n + " k=" + k);
        if (k > MAX_K) {
            throw new IllegalArgumentException("int8 gemm: k = " + k + " could overflow the int32 sums; at most " + MAX_K + " is exact");
        }
    }

    // ------------------------------------------------------------------ reference

    /** The definition: {@code C[i][j] = sum over p < k of A[aOff + i*lda + p] * B[bOff + j*ldb + p]}, written to {@code c[cOff + i*ldc + j]}. */
    public static void reference(int m, int n, int k, byte[] a, int aOff, int lda, byte[] b, int bOff, int ldb, int[] c, int cOff, int ldc) {
        check(m, n, k);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int s = 0, ai = aOff + i * lda, bj = bOff + j * ldb;
                for (int p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
                c[cOff + i * ldc + j] = s;
            }
        }
    }

    // ------------------------------------------------------------------ vector

    /**
     * The same product on the Vector API, without packing: each step of {@code 2 * LS} bytes of a
     * row pair widens two byte vectors of each operand to shorts ({@code B2S}), multiplies in int16
     * and adds the two products lane-wise (see the class notes), then adds adjacent short lanes into
     * int32 lanes without a shuffle: read as ints, each lane holds (hi, lo) shorts, hi = z >> 16 and
     * lo = (z << 16) >> 16 (arithmetic shifts). Register tiles of 4 x 4 row pairs (16 int
     * accumulators, each reduced across lanes at the end) load each widened row once per four uses;
     * 1 x 4 tiles cover a lone row and the last columns; the remaining depth (k mod 2 LS) runs as one
     * more step over zero-padded copies. In a prototype this shift form beat {@code S2I} conversions
     * (69 against 55 G multiply-adds/s) and {@code B2I} with int32 multiplies (7); the horizontal
     * reductions make it slow for small k, which {@link #packed} avoids.
     */
    public static void vector(int m, int n, int k, byte[] a, int aOff, int lda, byte[] b, int bOff, int ldb, int[] c, int cOff, int ldc) {
        check(m, n, k);
        if (m == 0 || n == 0) return;
        long work = (long) m * n * k;
        int t = Parallel.threads();
        if (t > 1 && work >= PARALLEL_WORK && !Parallel.inParallelRegion()) {
            if (m >= n || m >= 4L * t) {
                int rows = roundUp(ceilDiv(m, t), 4);
                Parallel.forRange(ceilDiv(m, rows), 1, (lo, hi) -> {
                    for (int q = lo; q < hi; q++) {
                        int i0 = q * rows, mi = Math.min(rows, m - i0);
                        serial(mi, n, k, a, aOff + i0 * lda, lda, b, bOff, ldb, c, cOff + i0 * ldc, ldc);
                    }
                });
            } else {
                int cols = roundUp(ceilDiv(n, t), 4);
                Parallel.forRange(ceilDiv(n, cols), 1, (lo, hi) -> {
                    for (int q = lo; q < hi; q++) {
                        int j0 = q * cols, nj = Math.min(cols, n - j0);
                        serial(m, nj, k, a, aOff, lda, b, bOff + j0 * ldb, ldb, c, cOff + j0, ldc);
                    }
                });
            }
            return;
        }
        serial(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    }

    private static void serial(int m, int n, int k, byte[] a, int aOff, int lda, byte[] b, int bOff, int ldb, int[] c, int cOff, int ldc) {
        int kv = k - k % STEP, rest = k - kv;
        boolean tail = rest > 0;
        // the last k - kv values of every row of B, and of the current rows of A, zero-padded to one STEP each
        byte[] bt = new byte[tail ? n * STEP : 0], at = new byte[tail ? 4 * STEP : 0];
        for (int j = 0; tail && j < n; j++) System.arraycopy(b, bOff + j * ldb + kv, bt, j * STEP, rest);
        int nb = Math.max(4, B_BLOCK_BYTES / Math.max(k, 1) / 4 * 4);
        int[] r = new int[16];
        for (int j0 = 0; j0 < n; j0 += nb) {
            int j1 = Math.min(n, j0 + nb);
            int i = 0;
            for (; i + 4 <= m; i += 4) {
                int ai = aOff + i * lda, ci = cOff + i * ldc;
                for (int x = 0; tail && x < 4; x++) System.arraycopy(a, ai + x * lda + kv, at, x * STEP, rest);
                int j = j0;
                for (; j + 4 <= j1; j += 4) {
                    tile44(a, ai, lda, b, bOff + j * ldb, ldb, kv, tail, at, bt, j * STEP, r);
                    for (int x = 0; x < 4; x++) System.arraycopy(r, 4 * x, c, ci + x * ldc + j, 4);
                }
                for (; j < j1; j++) {
                    // one column against four rows: the 1 x 4 tile with the roles swapped
                    tile14(b, bOff + j * ldb, a, ai, lda, kv, tail, bt, j * STEP, at, 0, r);
                    for (int x = 0; x < 4; x++) c[ci + x * ldc + j] = r[x];
                }
            }
            for (; i < m; i++) {
                int ai = aOff + i * lda, ci = cOff + i * ldc;
                if (tail) System.arraycopy(a, ai + kv, at, 0, rest);
                int j = j0;
                for (; j + 4 <= j1; j += 4) {
                    tile14(a, ai, b, bOff + j * ldb, ldb, kv, tail, at, 0, bt, j * STEP, r);
                    System.arraycopy(r, 0, c, ci + j, 4);
                }
                for (; j < j1; j++) c[ci + j] = dot(a, ai, b, bOff + j * ldb, kv, tail, at, 0, bt, j * STEP);
            }
        }
    }

    /**
     * r[4x + y] = sum over p < k of A[x][p] B[y][p], for rows x, y in 0..3: vector steps up to kv (a multiple
     * of STEP), then, when {@code tail}, one step over the rows' last k - kv values copied zero-padded to
     * at[x * STEP ..) and bt[btOff + y * STEP ..). Written out in full: helper calls would stop C2 inlining
     * the vector ops (masked loads for the tail measured 40 times slower).
     */
    private static void tile44(byte[] a, int a0, int lda, byte[] b, int b0, int ldb, int kv, boolean tail, byte[] at, byte[] bt, int btOff, int[] r) {
        IntVector c00 = IntVector.zero(IS), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        IntVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        for (int p = 0; p < kv; p += STEP) {
            ShortVector x0 = (ShortVector) ByteVector.fromArray(BS, a, a0 + p).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector u0 = (ShortVector) ByteVector.fromArray(BS, a, a0 + p + LS).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector x1 = (ShortVector) ByteVector.fromArray(BS, a, a1 + p).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector u1 = (ShortVector) ByteVector.fromArray(BS, a, a1 + p + LS).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector x2 = (ShortVector) ByteVector.fromArray(BS, a, a2 + p).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector u2 = (ShortVector) ByteVector.fromArray(BS, a, a2 + p + LS).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector x3 = (ShortVector) ByteVector.fromArray(BS, a, a3 + p).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector u3 = (ShortVector) ByteVector.fromArray(BS, a, a3 + p + LS).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector y, v;
            IntVector z;
            y = (ShortVector) ByteVector.fromArray(BS, b, b0 + p).convertShape(VectorOperators.B2S, SS, 0);
            v = (ShortVector) ByteVector.fromArray(BS, b, b0 + p + LS).convertShape(VectorOperators.B2S, SS, 0);
            z = x0.mul(y).add(u0.mul(v)).reinterpretAsInts();
            c00 = c00.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x1.mul(y).add(u1.mul(v)).reinterpretAsInts();
            c10 = c10.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x2.mul(y).add(u2.mul(v)).reinterpretAsInts();
            c20 = c20.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x3.mul(y).add(u3.mul(v)).reinterpretAsInts();
            c30 = c30.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            y = (ShortVector) ByteVector.fromArray(BS, b, b1 + p).convertShape(VectorOperators.B2S, SS, 0);
            v = (ShortVector) ByteVector.fromArray(BS, b, b1 + p + LS).convertShape(VectorOperators.B2S, SS, 0);
            z = x0.mul(y).add(u0.mul(v)).reinterpretAsInts();
            c01 = c01.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x1.mul(y).add(u1.mul(v)).reinterpretAsInts();
            c11 = c11.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x2.mul(y).add(u2.mul(v)).reinterpretAsInts();
            c21 = c21.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x3.mul(y).add(u3.mul(v)).reinterpretAsInts();
            c31 = c31.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            y = (ShortVector) ByteVector.fromArray(BS, b, b2 + p).convertShape(VectorOperators.B2S, SS, 0);
            v = (ShortVector) ByteVector.fromArray(BS, b, b2 + p + LS).convertShape(VectorOperators.B2S, SS, 0);
            z = x0.mul(y).add(u0.mul(v)).reinterpretAsInts();
            c02 = c02.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x1.mul(y).add(u1.mul(v)).reinterpretAsInts();
            c12 = c12.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x2.mul(y).add(u2.mul(v)).reinterpretAsInts();
            c22 = c22.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x3.mul(y).add(u3.mul(v)).reinterpretAsInts();
            c32 = c32.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            y = (ShortVector) ByteVector.fromArray(BS, b, b3 + p).convertShape(VectorOperators.B2S, SS, 0);
            v = (ShortVector) ByteVector.fromArray(BS, b, b3 + p + LS).convertShape(VectorOperators.B2S, SS, 0);
            z = x0.mul(y).add(u0.mul(v)).reinterpretAsInts();
            c03 = c03.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x1.mul(y).add(u1.mul(v)).reinterpretAsInts();
            c13 = c13.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x2.mul(y).add(u2.mul(v)).reinterpretAsInts();
            c23 = c23.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x3.mul(y).add(u3.mul(v)).reinterpretAsInts();
            c33 = c33.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
        }
        if (tail) {
            ShortVector x0 = (ShortVector) ByteVector.fromArray(BS, at, 0 * STEP).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector u0 = (ShortVector) ByteVector.fromArray(BS, at, 0 * STEP + LS).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector x1 = (ShortVector) ByteVector.fromArray(BS, at, 1 * STEP).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector u1 = (ShortVector) ByteVector.fromArray(BS, at, 1 * STEP + LS).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector x2 = (ShortVector) ByteVector.fromArray(BS, at, 2 * STEP).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector u2 = (ShortVector) ByteVector.fromArray(BS, at, 2 * STEP + LS).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector x3 = (ShortVector) ByteVector.fromArray(BS, at, 3 * STEP).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector u3 = (ShortVector) ByteVector.fromArray(BS, at, 3 * STEP + LS).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector y, v;
            IntVector z;
            y = (ShortVector) ByteVector.fromArray(BS, bt, btOff + 0 * STEP).convertShape(VectorOperators.B2S, SS, 0);
            v = (ShortVector) ByteVector.fromArray(BS, bt, btOff + 0 * STEP + LS).convertShape(VectorOperators.B2S, SS, 0);
            z = x0.mul(y).add(u0.mul(v)).reinterpretAsInts();
            c00 = c00.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x1.mul(y).add(u1.mul(v)).reinterpretAsInts();
            c10 = c10.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x2.mul(y).add(u2.mul(v)).reinterpretAsInts();
            c20 = c20.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x3.mul(y).add(u3.mul(v)).reinterpretAsInts();
            c30 = c30.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            y = (ShortVector) ByteVector.fromArray(BS, bt, btOff + 1 * STEP).convertShape(VectorOperators.B2S, SS, 0);
            v = (ShortVector) ByteVector.fromArray(BS, bt, btOff + 1 * STEP + LS).convertShape(VectorOperators.B2S, SS, 0);
            z = x0.mul(y).add(u0.mul(v)).reinterpretAsInts();
            c01 = c01.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x1.mul(y).add(u1.mul(v)).reinterpretAsInts();
            c11 = c11.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x2.mul(y).add(u2.mul(v)).reinterpretAsInts();
            c21 = c21.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x3.mul(y).add(u3.mul(v)).reinterpretAsInts();
            c31 = c31.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            y = (ShortVector) ByteVector.fromArray(BS, bt, btOff + 2 * STEP).convertShape(VectorOperators.B2S, SS, 0);
            v = (ShortVector) ByteVector.fromArray(BS, bt, btOff + 2 * STEP + LS).convertShape(VectorOperators.B2S, SS, 0);
            z = x0.mul(y).add(u0.mul(v)).reinterpretAsInts();
            c02 = c02.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x1.mul(y).add(u1.mul(v)).reinterpretAsInts();
            c12 = c12.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x2.mul(y).add(u2.mul(v)).reinterpretAsInts();
            c22 = c22.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x3.mul(y).add(u3.mul(v)).reinterpretAsInts();
            c32 = c32.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            y = (ShortVector) ByteVector.fromArray(BS, bt, btOff + 3 * STEP).convertShape(VectorOperators.B2S, SS, 0);
            v = (ShortVector) ByteVector.fromArray(BS, bt, btOff + 3 * STEP + LS).convertShape(VectorOperators.B2S, SS, 0);
            z = x0.mul(y).add(u0.mul(v)).reinterpretAsInts();
            c03 = c03.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x1.mul(y).add(u1.mul(v)).reinterpretAsInts();
            c13 = c13.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x2.mul(y).add(u2.mul(v)).reinterpretAsInts();
            c23 = c23.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x3.mul(y).add(u3.mul(v)).reinterpretAsInts();
            c33 = c33.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
        }
        r[0] = sum(c00); r[1] = sum(c01); r[2] = sum(c02); r[3] = sum(c03);
        r[4] = sum(c10); r[5] = sum(c11); r[6] = sum(c12); r[7] = sum(c13);
        r[8] = sum(c20); r[9] = sum(c21); r[10] = sum(c22); r[11] = sum(c23);
        r[12] = sum(c30); r[13] = sum(c31); r[14] = sum(c32); r[15] = sum(c33);
    }

    /**
     * r[y] = sum over p < k of x[p] W[y][p], for rows y in 0..3 of W; like {@link #tile44}, the tail of x at
     * xt[xtOff ..) and the tails of W's rows at wt[wtOff + y * STEP ..).
     */
    private static void tile14(byte[] x, int x0, byte[] w, int w0, int ldw, int kv, boolean tail, byte[] xt, int xtOff, byte[] wt, int wtOff, int[] r) {
        IntVector c0 = IntVector.zero(IS), c1 = c0, c2 = c0, c3 = c0;
        int w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw;
        for (int p = 0; p < kv; p += STEP) {
            ShortVector s = (ShortVector) ByteVector.fromArray(BS, x, x0 + p).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector t = (ShortVector) ByteVector.fromArray(BS, x, x0 + p + LS).convertShape(VectorOperators.B2S, SS, 0);
            IntVector z;
            z = s.mul((ShortVector) ByteVector.fromArray(BS, w, w0 + p).convertShape(VectorOperators.B2S, SS, 0)).add(t.mul((ShortVector) ByteVector.fromArray(BS, w, w0 + p + LS).convertShape(VectorOperators.B2S, SS, 0))).reinterpretAsInts();
            c0 = c0.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = s.mul((ShortVector) ByteVector.fromArray(BS, w, w1 + p).convertShape(VectorOperators.B2S, SS, 0)).add(t.mul((ShortVector) ByteVector.fromArray(BS, w, w1 + p + LS).convertShape(VectorOperators.B2S, SS, 0))).reinterpretAsInts();
            c1 = c1.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = s.mul((ShortVector) ByteVector.fromArray(BS, w, w2 + p).convertShape(VectorOperators.B2S, SS, 0)).add(t.mul((ShortVector) ByteVector.fromArray(BS, w, w2 + p + LS).convertShape(VectorOperators.B2S, SS, 0))).reinterpretAsInts();
            c2 = c2.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = s.mul((ShortVector) ByteVector.fromArray(BS, w, w3 + p).convertShape(VectorOperators.B2S, SS, 0)).add(t.mul((ShortVector) ByteVector.fromArray(BS, w, w3 + p + LS).convertShape(VectorOperators.B2S, SS, 0))).reinterpretAsInts();
            c3 = c3.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
        }
        if (tail) {
            ShortVector s = (ShortVector) ByteVector.fromArray(BS, xt, xtOff).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector t = (ShortVector) ByteVector.fromArray(BS, xt, xtOff + LS).convertShape(VectorOperators.B2S, SS, 0);
            IntVector z;
            z = s.mul((ShortVector) ByteVector.fromArray(BS, wt, wtOff + 0 * STEP).convertShape(VectorOperators.B2S, SS, 0)).add(t.mul((ShortVector) ByteVector.fromArray(BS, wt, wtOff + 0 * STEP + LS).convertShape(VectorOperators.B2S, SS, 0))).reinterpretAsInts();
            c0 = c0.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = s.mul((ShortVector) ByteVector.fromArray(BS, wt, wtOff + 1 * STEP).convertShape(VectorOperators.B2S, SS, 0)).add(t.mul((ShortVector) ByteVector.fromArray(BS, wt, wtOff + 1 * STEP + LS).convertShape(VectorOperators.B2S, SS, 0))).reinterpretAsInts();
            c1 = c1.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = s.mul((ShortVector) ByteVector.fromArray(BS, wt, wtOff + 2 * STEP).convertShape(VectorOperators.B2S, SS, 0)).add(t.mul((ShortVector) ByteVector.fromArray(BS, wt, wtOff + 2 * STEP + LS).convertShape(VectorOperators.B2S, SS, 0))).reinterpretAsInts();
            c2 = c2.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = s.mul((ShortVector) ByteVector.fromArray(BS, wt, wtOff + 3 * STEP).convertShape(VectorOperators.B2S, SS, 0)).add(t.mul((ShortVector) ByteVector.fromArray(BS, wt, wtOff + 3 * STEP + LS).convertShape(VectorOperators.B2S, SS, 0))).reinterpretAsInts();
            c3 = c3.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
        }
        r[0] = sum(c0);
        r[1] = sum(c1);
        r[2] = sum(c2);
        r[3] = sum(c3);
    }

    /** sum over p < k of x[p] y[p]: vector steps up to kv, then the tails xt[xtOff ..) and yt[ytOff ..) as one step. */
    private static int dot(byte[] x, int x0, byte[] y, int y0, int kv, boolean tail, byte[] xt, int xtOff, byte[] yt, int ytOff) {
        IntVector acc = IntVector.zero(IS);
        IntVector z;
        for (int p = 0; p < kv; p += STEP) {
            z = ((ShortVector) ByteVector.fromArray(BS, x, x0 + p).convertShape(VectorOperators.B2S, SS, 0)).mul((ShortVector) ByteVector.fromArray(BS, y, y0 + p).convertShape(VectorOperators.B2S, SS, 0)).add(((ShortVector) ByteVector.fromArray(BS, x, x0 + p + LS).convertShape(VectorOperators.B2S, SS, 0)).mul((ShortVector) ByteVector.fromArray(BS, y, y0 + p + LS).convertShape(VectorOperators.B2S, SS, 0))).reinterpretAsInts();
            acc = acc.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
        }
        if (tail) {
            z = ((ShortVector) ByteVector.fromArray(BS, xt, xtOff).convertShape(VectorOperators.B2S, SS, 0)).mul((ShortVector) ByteVector.fromArray(BS, yt, ytOff).convertShape(VectorOperators.B2S, SS, 0)).add(((ShortVector) ByteVector.fromArray(BS, xt, xtOff + LS).convertShape(VectorOperators.B2S, SS, 0)).mul((ShortVector) ByteVector.fromArray(BS, yt, ytOff + LS).convertShape(VectorOperators.B2S, SS, 0))).reinterpretAsInts();
            acc = acc.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
        }
        return sum(acc);
    }

    // ------------------------------------------------------------------ packed B: the batched form

    /**
     * B (n, k) repacked for {@link #packed}: columns in blocks of LI (one int vector), and within a
     * block, for each pair of depths (2t, 2t+1), the LI columns' two values side by side:
     * {@code data[cb * kp * LI + t * 2 * LI + 2 c + e] = B[cb * LI + c][2 t + e]}. Depth is padded with
     * zeros to a multiple of 4 (kp) and columns to whole blocks. Widened to shorts, one pair step of a
     * block is one short vector whose int lanes hold (B[j][2t], B[j][2t + 1]) for its LI columns.
     */
    public static final class PackedB {
        final int n, k, kp, blocks;
        final byte[] data;

        private PackedB(int n, int k, int kp, int blocks, byte[] data) {
            this.n = n;
            this.k = k;
            this.kp = kp;
            this.blocks = blocks;
            this.data = data;
        }

        /** Bytes held, padding included. */
        public long bytes() {
            return data.length;
        }
    }

    /** Repacks B (n, k), row j at {@code b[bOff + j * ldb]}, for {@link #packed}. */
    public static PackedB pack(int n, int k, byte[] b, int bOff, int ldb) {
        check(1, n, k);
        int kp = (k + 3) / 4 * 4, blocks = ceilDiv(n, LI);
        byte[] d = new byte[blocks * kp * LI];
        for (int j = 0; j < n; j++) {
            int cb = j / LI, c = j % LI, base = cb * kp * LI + 2 * c, row = bOff + j * ldb;
            for (int p = 0; p < k; p++) d[base + (p >> 1) * 2 * LI + (p & 1)] = b[row + p];
        }
        return new PackedB(n, k, kp, blocks, d);
    }

    /**
     * {@code C = A B^T} with B packed, as outer products: each step broadcasts a pair of A's values
     * (packed into one int, read as two shorts) against a widened pair step of B, so every int lane
     * gathers a[2t] B[j][2t] + a[2t+1] B[j][2t+1] for its own column j (what AVX-512 VNNI's
     * {@code vpdpwssd} does in one instruction) with the int16 pair sums of {@link #vector}, and no
     * horizontal reduction is needed: better than the dot-product tiles when many rows share B, and
     * for any k. Tiles of 4 rows by 2 column blocks; bit-identical to {@link #reference}.
     */
    public static void packed(int m, int k, byte[] a, int aOff, int lda, PackedB b, int[] c, int cOff, int ldc) {
        packed(m, k, a, aOff, lda, b, c, null, cOff, ldc);
    }

    /**
     * What a quantized layer needs from {@link #packed}, with the rescale to float fused in as each
     * register tile is stored: {@code out[i][j] = C[i][j] * (rowScale[i] * colScale[j]) + bias[j]},
     * then {@code max(0, .)} when {@code relu}, in exactly those float roundings (no FMA), so it is
     * bit-identical to the int32 product followed by that scalar formula. {@code bias} may be null.
     * The int32 C never exists as an array: at batch 1 on the MNIST convnet's first layer (676 x 32
     * outputs) allocating it and the separate rescale pass cost about 4 us of the layer's 30.
     */
    public static void packedRescaled(int m, int k, byte[] a, int aOff, int lda, PackedB b, float[] rowScale, float[] colScale, float[] bias,
                                      boolean relu, float[] out, int outOff, int ldo) {
        if (rowScale.length < m || colScale.length < b.n || (bias != null && bias.length < b.n)) {
            throw new IllegalArgumentException("int8 gemm: " + rowScale.length + " row scales, " + colScale.length + " column scales and "
                    + (bias == null ? "no" : String.valueOf(bias.length)) + " biases for a (" + m + ", " + b.n + ") product");
        }
        packed(m, k, a, aOff, lda, b, null, new Rescale(rowScale, colScale, bias, relu, out), outOff, ldo);
    }

    /** The fused epilogue of {@link #packedRescaled}. */
    private record Rescale(float[] rowScale, float[] colScale, float[] bias, boolean relu, float[] out) {
        /** out[o + j] = r[ro + j] * (rowScale[i] * colScale[j0 + j]) + bias[j0 + j] (then relu) for j < cols. */
        void store(int[] r, int ro, int i, int j0, int cols, int o) {
            float sa = rowScale[i];
            int j = 0, bound = FS.loopBound(cols);
            for (; j < bound; j += FS.length()) {
                FloatVector y = (FloatVector) IntVector.fromArray(IS, r, ro + j).convertShape(VectorOperators.I2F, FS, 0);
                y = y.mul(FloatVector.fromArray(FS, colScale, j0 + j).mul(sa));
                if (bias != null) y = y.add(FloatVector.fromArray(FS, bias, j0 + j));
                if (relu) y = y.max(0f);
                y.intoArray(out, o + j);
            }
            for (; j < cols; j++) {
                float y = r[ro + j] * (colScale[j0 + j] * sa);
                if (bias != null) y += bias[j0 + j];
                out[o + j] = relu ? Math.max(0f, y) : y;
            }
        }
    }

    /** {@link #packed} into int32 c, or through e into floats when c is null. */
    private static void packed(int m, int k, byte[] a, int aOff, int lda, PackedB b, int[] c, Rescale e, int cOff, int ldc) {
        check(m, b.n, k);
        if (k != b.k) throw new IllegalArgumentException("int8 gemm: A has depth " + k + ", packed B " + b.k);
        if (m == 0 || b.n == 0) return;
        int pairs = b.kp / 2;
        // A's values in pairs, (a[2t] & 0xFFFF) | a[2t+1] << 16: one int to broadcast per pair step
        // (bytes widened to shorts and read as ints are exactly that, little-endian lanes)
        int[] ap = new int[m * pairs];
        for (int i = 0; i < m; i++) {
            int row = aOff + i * lda, p = 0;
            for (; p + LS <= k; p += LS) {
                ((ShortVector) ByteVector.fromArray(BS, a, row + p).convertShape(VectorOperators.B2S, SS, 0)).reinterpretAsInts()
                        .intoArray(ap, i * pairs + p / 2);
            }
            // the rest in whole pairs, then a lone last value paired with 0: without a test per pair, the
            // convnet's first layer (676 rows of 9) ran its product in 9.4-9.8 us instead of 11.3
            int o = i * pairs + p / 2;
            for (; p + 1 < k; p += 2, o++) ap[o] = (a[row + p] & 0xFFFF) | (a[row + p + 1] << 16);
            if (p < k) ap[o] = a[row + p] & 0xFFFF;
        }
        long work = (long) m * b.n * k;
        int t = Parallel.threads();
        int rowTiles = ceilDiv(m, 4), blockPairs = ceilDiv(b.blocks, 2);
        // a few rows (batch-1 inference) take microseconds: waking the pool costs more than it saves unless the product is large
        long minWork = rowTiles == 1 ? PARALLEL_WORK_FEW_ROWS : PARALLEL_WORK;
        if (t > 1 && work >= minWork && !Parallel.inParallelRegion() && (rowTiles > 1 || blockPairs > 1)) {
            if (rowTiles >= t || rowTiles >= blockPairs) {
                int per = ceilDiv(rowTiles, t);
                Parallel.forRange(ceilDiv(rowTiles, per), 1, (lo, hi) -> {
                    for (int q = lo; q < hi; q++) packedBlock(q * per * 4, Math.min(m, (q + 1) * per * 4), 0, b.blocks, pairs, ap, b, c, e, cOff, ldc);
                });
            } else {
                // few rows (a matrix-vector product): split the columns, in pairs of blocks
                int per = ceilDiv(blockPairs, t);
                Parallel.forRange(ceilDiv(blockPairs, per), 1, (lo, hi) -> {
                    for (int q = lo; q < hi; q++) packedBlock(0, m, 2 * q * per, Math.min(b.blocks, 2 * (q + 1) * per), pairs, ap, b, c, e, cOff, ldc);
                });
            }
        } else {
            packedBlock(0, m, 0, b.blocks, pairs, ap, b, c, e, cOff, ldc);
        }
    }

    /** Rows [i0, i1) by column blocks [cb0, cb1) of C; cb0 even. */
    private static void packedBlock(int i0, int i1, int cb0, int cb1, int pairs, int[] ap, PackedB b, int[] c, Rescale e, int cOff, int ldc) {
        int blockBytes = b.kp * LI;
        int[] r = new int[8 * LI];
        for (int cb = cb0; cb < cb1; cb += 2) {
            int nbk = Math.min(2, cb1 - cb), j0 = cb * LI, cols = Math.min(nbk * LI, b.n - j0);
            int i = i0;
            for (; i + 4 <= i1; i += 4) {
                if (nbk == 2) tile4x2(ap, i * pairs, pairs, b.data, cb * blockBytes, blockBytes, r);
                else tile4x1(ap, i * pairs, pairs, b.data, cb * blockBytes, blockBytes, r);
                if (e == null) for (int x = 0; x < 4; x++) System.arraycopy(r, x * nbk * LI, c, cOff + (i + x) * ldc + j0, cols);
                else for (int x = 0; x < 4; x++) e.store(r, x * nbk * LI, i + x, j0, cols, cOff + (i + x) * ldc + j0);
            }
            for (; i < i1; i++) {
                if (nbk == 2) tile1x2(ap, i * pairs, pairs, b.data, cb * blockBytes, blockBytes, r);
                else tile1x1(ap, i * pairs, pairs, b.data, cb * blockBytes, blockBytes, r);
                if (e == null) System.arraycopy(r, 0, c, cOff + i * ldc + j0, cols);
                else e.store(r, 0, i, j0, cols, cOff + i * ldc + j0);
            }
        }
    }

    /**
     * C rows i0..i0+3, column blocks cb..cb+1 (2 x LI columns) of the packed product; see {@link #packed}.
     * Each step's int lane z holds two int16 pair sums, hi (bits 31..16) and lo (bits 15..0), each in
     * [-32258, 32258]. Instead of splitting z into hi + lo every step (three shifts, two adds), the
     * 4-row tiles keep two sums: h += z >> 16 (hi exactly) and c += z ^ 0x8000, which is
     * hi * 65536 + (lo + 32768) because flipping bit 15 turns lo's two's complement into offset
     * binary (lo + 32768 in [510, 65026] needs no carry). After S steps, hi + lo summed is
     * c - 65535 h - 32768 S: exact in wrapping int32 arithmetic because the true result fits in
     * int32 (k <= MAX_K), whatever the intermediate sums wrapped through. One op fewer per step;
     * measured 6-9% faster on compute-bound shapes (121x64x288, the MNIST convnet's second layer:
     * 26.5 against 24.9 us on one thread, interleaved runs), the same on small k.
     */
    private static void tile4x2(int[] ap, int a0, int pairs, byte[] bp, int b0, int blockBytes, int[] r) {
        IntVector c00 = IntVector.zero(IS), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        IntVector h00 = c00, h01 = c00, h10 = c00, h11 = c00, h20 = c00, h21 = c00, h30 = c00, h31 = c00;
        IntVector z;
        for (int t = 0; t < pairs; t += 2) {
            int o = b0 + t * LS;
            ShortVector w0 = (ShortVector) ByteVector.fromArray(BS, bp, o).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector v0 = (ShortVector) ByteVector.fromArray(BS, bp, o + LS).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector w1 = (ShortVector) ByteVector.fromArray(BS, bp, o + 1 * blockBytes).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector v1 = (ShortVector) ByteVector.fromArray(BS, bp, o + 1 * blockBytes + LS).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector x0 = IntVector.broadcast(IS, ap[a0 + 0 * pairs + t]).reinterpretAsShorts();
            ShortVector u0 = IntVector.broadcast(IS, ap[a0 + 0 * pairs + t + 1]).reinterpretAsShorts();
            z = x0.mul(w0).add(u0.mul(v0)).reinterpretAsInts();
            h00 = h00.add(z.lanewise(VectorOperators.ASHR, 16));
            c00 = c00.add(z.lanewise(VectorOperators.XOR, 0x8000));
            z = x0.mul(w1).add(u0.mul(v1)).reinterpretAsInts();
            h01 = h01.add(z.lanewise(VectorOperators.ASHR, 16));
            c01 = c01.add(z.lanewise(VectorOperators.XOR, 0x8000));
            ShortVector x1 = IntVector.broadcast(IS, ap[a0 + 1 * pairs + t]).reinterpretAsShorts();
            ShortVector u1 = IntVector.broadcast(IS, ap[a0 + 1 * pairs + t + 1]).reinterpretAsShorts();
            z = x1.mul(w0).add(u1.mul(v0)).reinterpretAsInts();
            h10 = h10.add(z.lanewise(VectorOperators.ASHR, 16));
            c10 = c10.add(z.lanewise(VectorOperators.XOR, 0x8000));
            z = x1.mul(w1).add(u1.mul(v1)).reinterpretAsInts();
            h11 = h11.add(z.lanewise(VectorOperators.ASHR, 16));
            c11 = c11.add(z.lanewise(VectorOperators.XOR, 0x8000));
            ShortVector x2 = IntVector.broadcast(IS, ap[a0 + 2 * pairs + t]).reinterpretAsShorts();
            ShortVector u2 = IntVector.broadcast(IS, ap[a0 + 2 * pairs + t + 1]).reinterpretAsShorts();
            z = x2.mul(w0).add(u2.mul(v0)).reinterpretAsInts();
            h20 = h20.add(z.lanewise(VectorOperators.ASHR, 16));
            c20 = c20.add(z.lanewise(VectorOperators.XOR, 0x8000));
            z = x2.mul(w1).add(u2.mul(v1)).reinterpretAsInts();
            h21 = h21.add(z.lanewise(VectorOperators.ASHR, 16));
            c21 = c21.add(z.lanewise(VectorOperators.XOR, 0x8000));
            ShortVector x3 = IntVector.broadcast(IS, ap[a0 + 3 * pairs + t]).reinterpretAsShorts();
            ShortVector u3 = IntVector.broadcast(IS, ap[a0 + 3 * pairs + t + 1]).reinterpretAsShorts();
            z = x3.mul(w0).add(u3.mul(v0)).reinterpretAsInts();
            h30 = h30.add(z.lanewise(VectorOperators.ASHR, 16));
            c30 = c30.add(z.lanewise(VectorOperators.XOR, 0x8000));
            z = x3.mul(w1).add(u3.mul(v1)).reinterpretAsInts();
            h31 = h31.add(z.lanewise(VectorOperators.ASHR, 16));
            c31 = c31.add(z.lanewise(VectorOperators.XOR, 0x8000));
        }
        int bias = -32768 * (pairs / 2);   // S = pairs / 2 steps (pairs is even: kp is a multiple of 4)
        c00 = c00.sub(h00.mul(65535)).add(bias);
        c01 = c01.sub(h01.mul(65535)).add(bias);
        c10 = c10.sub(h10.mul(65535)).add(bias);
        c11 = c11.sub(h11.mul(65535)).add(bias);
        c20 = c20.sub(h20.mul(65535)).add(bias);
        c21 = c21.sub(h21.mul(65535)).add(bias);
        c30 = c30.sub(h30.mul(65535)).add(bias);
        c31 = c31.sub(h31.mul(65535)).add(bias);
        c00.intoArray(r, 0 * LI);
        c01.intoArray(r, 1 * LI);
        c10.intoArray(r, 2 * LI);
        c11.intoArray(r, 3 * LI);
        c20.intoArray(r, 4 * LI);
        c21.intoArray(r, 5 * LI);
        c30.intoArray(r, 6 * LI);
        c31.intoArray(r, 7 * LI);
    }

    /** C rows i0..i0+3, column blocks cb..cb+0 (1 x LI columns) of the packed product; see {@link #packed}. */
    private static void tile4x1(int[] ap, int a0, int pairs, byte[] bp, int b0, int blockBytes, int[] r) {
        IntVector c00 = IntVector.zero(IS), c10 = c00, c20 = c00, c30 = c00, h00 = c00, h10 = c00, h20 = c00, h30 = c00;
        IntVector z;
        for (int t = 0; t < pairs; t += 2) {
            int o = b0 + t * LS;
            ShortVector w0 = (ShortVector) ByteVector.fromArray(BS, bp, o).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector v0 = (ShortVector) ByteVector.fromArray(BS, bp, o + LS).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector x0 = IntVector.broadcast(IS, ap[a0 + 0 * pairs + t]).reinterpretAsShorts();
            ShortVector u0 = IntVector.broadcast(IS, ap[a0 + 0 * pairs + t + 1]).reinterpretAsShorts();
            z = x0.mul(w0).add(u0.mul(v0)).reinterpretAsInts();
            h00 = h00.add(z.lanewise(VectorOperators.ASHR, 16));
            c00 = c00.add(z.lanewise(VectorOperators.XOR, 0x8000));
            ShortVector x1 = IntVector.broadcast(IS, ap[a0 + 1 * pairs + t]).reinterpretAsShorts();
            ShortVector u1 = IntVector.broadcast(IS, ap[a0 + 1 * pairs + t + 1]).reinterpretAsShorts();
            z = x1.mul(w0).add(u1.mul(v0)).reinterpretAsInts();
            h10 = h10.add(z.lanewise(VectorOperators.ASHR, 16));
            c10 = c10.add(z.lanewise(VectorOperators.XOR, 0x8000));
            ShortVector x2 = IntVector.broadcast(IS, ap[a0 + 2 * pairs + t]).reinterpretAsShorts();
            ShortVector u2 = IntVector.broadcast(IS, ap[a0 + 2 * pairs + t + 1]).reinterpretAsShorts();
            z = x2.mul(w0).add(u2.mul(v0)).reinterpretAsInts();
            h20 = h20.add(z.lanewise(VectorOperators.ASHR, 16));
            c20 = c20.add(z.lanewise(VectorOperators.XOR, 0x8000));
            ShortVector x3 = IntVector.broadcast(IS, ap[a0 + 3 * pairs + t]).reinterpretAsShorts();
            ShortVector u3 = IntVector.broadcast(IS, ap[a0 + 3 * pairs + t + 1]).reinterpretAsShorts();
            z = x3.mul(w0).add(u3.mul(v0)).reinterpretAsInts();
            h30 = h30.add(z.lanewise(VectorOperators.ASHR, 16));
            c30 = c30.add(z.lanewise(VectorOperators.XOR, 0x8000));
        }
        int bias = -32768 * (pairs / 2);
        c00 = c00.sub(h00.mul(65535)).add(bias);
        c10 = c10.sub(h10.mul(65535)).add(bias);
        c20 = c20.sub(h20.mul(65535)).add(bias);
        c30 = c30.sub(h30.mul(65535)).add(bias);
        c00.intoArray(r, 0 * LI);
        c10.intoArray(r, 1 * LI);
        c20.intoArray(r, 2 * LI);
        c30.intoArray(r, 3 * LI);
    }

    /** C rows i0..i0+0, column blocks cb..cb+1 (2 x LI columns) of the packed product; see {@link #packed}. */
    private static void tile1x2(int[] ap, int a0, int pairs, byte[] bp, int b0, int blockBytes, int[] r) {
        IntVector c00 = IntVector.zero(IS), c01 = c00;
        IntVector z;
        for (int t = 0; t < pairs; t += 2) {
            int o = b0 + t * LS;
            ShortVector w0 = (ShortVector) ByteVector.fromArray(BS, bp, o).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector v0 = (ShortVector) ByteVector.fromArray(BS, bp, o + LS).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector w1 = (ShortVector) ByteVector.fromArray(BS, bp, o + 1 * blockBytes).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector v1 = (ShortVector) ByteVector.fromArray(BS, bp, o + 1 * blockBytes + LS).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector x0 = IntVector.broadcast(IS, ap[a0 + 0 * pairs + t]).reinterpretAsShorts();
            ShortVector u0 = IntVector.broadcast(IS, ap[a0 + 0 * pairs + t + 1]).reinterpretAsShorts();
            z = x0.mul(w0).add(u0.mul(v0)).reinterpretAsInts();
            c00 = c00.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            z = x0.mul(w1).add(u0.mul(v1)).reinterpretAsInts();
            c01 = c01.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
        }
        c00.intoArray(r, 0 * LI);
        c01.intoArray(r, 1 * LI);
    }

    /** C rows i0..i0+0, column blocks cb..cb+0 (1 x LI columns) of the packed product; see {@link #packed}. */
    private static void tile1x1(int[] ap, int a0, int pairs, byte[] bp, int b0, int blockBytes, int[] r) {
        IntVector c00 = IntVector.zero(IS);
        IntVector z;
        for (int t = 0; t < pairs; t += 2) {
            int o = b0 + t * LS;
            ShortVector w0 = (ShortVector) ByteVector.fromArray(BS, bp, o).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector v0 = (ShortVector) ByteVector.fromArray(BS, bp, o + LS).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector x0 = IntVector.broadcast(IS, ap[a0 + 0 * pairs + t]).reinterpretAsShorts();
            ShortVector u0 = IntVector.broadcast(IS, ap[a0 + 0 * pairs + t + 1]).reinterpretAsShorts();
            z = x0.mul(w0).add(u0.mul(v0)).reinterpretAsInts();
            c00 = c00.add(z.lanewise(VectorOperators.ASHR, 16)).add(z.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
        }
        c00.intoArray(r, 0 * LI);
    }

    private static int sum(IntVector v) {
        return v.reduceLanes(VectorOperators.ADD);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static int roundUp(int a, int b) {
        return ceilDiv(a, b) * b;
    }
}
