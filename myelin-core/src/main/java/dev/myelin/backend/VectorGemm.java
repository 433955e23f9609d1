package dev.myelin.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision GEMM on the Vector API, row-major, with the contract of {@link Backend#gemm}:
 * {@code C = op(A) * op(B) + beta * C}. GotoBLAS/BLIS structure:
 *
 * <ul>
 *   <li>a register-blocked micro-kernel keeps an MR x NR tile of C (MR = 8 or 6 rows, NR = 2
 *       vectors) in 2*MR accumulator registers while it walks the shared dimension, one FMA per
 *       accumulator per step, A broadcast and B loaded as vectors;</li>
 *   <li>large products pack op(B) into (KC, NR) panels (and a transposed A into (KC, MR)
 *       panels), cache block by MC rows, KC depth and NC columns, and so read both operands
 *       contiguously whatever the transposes; packing buffers are per-thread scratch, reused;</li>
 *   <li>small products skip packing: the kernel reads A and B where they lie (only edge panels
 *       and a transposed B are copied);</li>
 *   <li>big products are split once over {@link Parallel}'s threads, each thread computing its
 *       own block of C.</li>
 * </ul>
 *
 * Edges (m, n not multiples of the tile) run the same kernel on zero-padded panels into a
 * scratch tile and copy the valid part out.
 */
final class VectorGemm {
    private VectorGemm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /**
     * Tile rows. The kernel holds 2*MR accumulators plus 2 B vectors and 1 broadcast: 19 of the
     * 32 vector registers of AVX-512 and ARM (NEON, SVE) at MR = 8, 15 of AVX2's 16 at MR = 6.
     * Wider tiles (12x2, 8x3) measured slower on AVX-512: C2 starts spilling.
     */
    static final int MR = L >= 16 || !System.getProperty("os.arch", "").matches("amd64|x86_64|x86|i386") ? 8 : 6;
    /** Tile columns: two vectors (32 floats on AVX-512, 16 on AVX2, 8 on NEON). */
    static final int NR = 2 * L;
    /**
     * Depth of one pass over C. Deep passes win here: each pass ends with the kernel loading and
     * storing its C tile, which misses cache for big C and cannot be prefetched from Java, so
     * fewer, longer passes measured faster (KC = 1024 beat 256 by 8% at n = 1024, 30% at 2048) even
     * though a (KC, NR) B panel then lives in L2 rather than L1.
     */
    static final int KC = 1024;
    /** Rows of A per block: (MC, KC) floats = 384 KiB, within a 1 MiB L2; a multiple of 8 and 6. */
    static final int MC = 96;
    /** Columns of B packed per block: (KC, NC) floats, at most 8 MiB of per-thread scratch. */
    static final int NC = Math.max(NR, 2048 / NR * NR);
    /**
     * Products up to this many multiply-adds (m*n*k) with k <= KC take the unpacked path: it won
     * below n = 96 (square) and lost from 128 up, where B's rows, read in place at a
     * power-of-two stride, start to collide in cache.
     */
    static final long DIRECT_WORK = 110L * 110 * 110;
    /**
     * Products from this many multiply-adds up are split over threads; a 64^3 product never is.
     * With {@link Parallel}'s workers awake the hand-off costs about a microsecond, which a
     * 96^3 product (~8 us on one core) already repays.
     */
    static final long PARALLEL_WORK = 96L * 96 * 96;

    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm sizes must be non-negative, got m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) return;
        if (k == 0) {
            // C = beta * C; beta == 0 clears C even where it holds NaN.
            for (int i = 0; i < m; i++) {
                int ci = cOff + i * ldc;
                for (int j = 0; j < n; j++) c[ci + j] = beta == 0f ? 0f : beta * c[ci + j];
            }
            return;
        }
        if (m == 1) {
            // One row (batch-1 inference): a vector-matrix product, without padding the row to a tile.
            rowTimesMatrix(transB, n, k, a, aOff, transA ? lda : 1, b, bOff, ldb, beta, c, cOff);
            return;
        }
        long work = (long) m * n * k;
        int t = Parallel.threads();
        if (t > 1 && work >= PARALLEL_WORK && !Parallel.inParallelRegion()) {
            parallel(t, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            serial(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /**
     * c[0, j] = beta * c[0, j] + sum over p of a[p] * B[p, j], with a[p] at aOff + p * aStride.
     * Without transB, blocks of four vectors of c stay in registers while the rows of B stream by;
     * with transB each c[0, j] is a dot product with a row of B.
     */
    private static void rowTimesMatrix(boolean transB, int n, int k, float[] a, int aOff, int aStride,
                                       float[] b, int bOff, int ldb, float beta, float[] c, int cOff) {
        int l = S.length();
        if (transB) {
            float[] row = a;
            int rowOff = aOff;
            if (aStride != 1) {
                row = new float[k];
                for (int p = 0; p < k; p++) row[p] = a[aOff + p * aStride];
                rowOff = 0;
            }
            for (int j = 0; j < n; j++) {
                float s = VectorBackend.INSTANCE.dot(row, rowOff, b, bOff + j * ldb, k);
                c[cOff + j] = beta == 0f ? s : s + beta * c[cOff + j];
            }
            return;
        }
        int j = 0;
        for (; j + 4 * l <= n; j += 4 * l) {
            FloatVector c0 = start(beta, c, cOff + j), c1 = start(beta, c, cOff + j + l);
            FloatVector c2 = start(beta, c, cOff + j + 2 * l), c3 = start(beta, c, cOff + j + 3 * l);
            for (int p = 0; p < k; p++) {
                float av = a[aOff + p * aStride];
                if (av == 0f) continue; // after a relu, about half the inputs (reference BLAS skips zero multipliers too)
                FloatVector x = FloatVector.broadcast(S, av);
                int r = bOff + p * ldb + j;
                c0 = FloatVector.fromArray(S, b, r).fma(x, c0);
                c1 = FloatVector.fromArray(S, b, r + l).fma(x, c1);
                c2 = FloatVector.fromArray(S, b, r + 2 * l).fma(x, c2);
                c3 = FloatVector.fromArray(S, b, r + 3 * l).fma(x, c3);
            }
            c0.intoArray(c, cOff + j);
            c1.intoArray(c, cOff + j + l);
            c2.intoArray(c, cOff + j + 2 * l);
            c3.intoArray(c, cOff + j + 3 * l);
        }
        for (; j + l <= n; j += l) {
            FloatVector c0 = start(beta, c, cOff + j);
            for (int p = 0; p < k; p++) {
                float av = a[aOff + p * aStride];
                if (av == 0f) continue;
                c0 = FloatVector.fromArray(S, b, bOff + p * ldb + j).fma(FloatVector.broadcast(S, av), c0);
            }
            c0.intoArray(c, cOff + j);
        }
        for (; j < n; j++) {
            float s = 0f;
            for (int p = 0; p < k; p++) s += a[aOff + p * aStride] * b[bOff + p * ldb + j];
            c[cOff + j] = beta == 0f ? s : s + beta * c[cOff + j];
        }
    }

    private static FloatVector start(float beta, float[] c, int at) {
        if (beta == 0f) return FloatVector.zero(S);
        FloatVector v = FloatVector.fromArray(S, c, at);
        return beta == 1f ? v : v.mul(beta);
    }

    /**
     * Splits C into {@code t} blocks of whole tiles along its longer side and hands them to the
     * pool in one go; each thread then packs and multiplies its block alone, with no further
     * synchronisation.
     */
    private static void parallel(int t, boolean transA, boolean transB, int m, int n, int k,
                                 float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                 float beta, float[] c, int cOff, int ldc) {
        if (m >= n) {
            int rows = roundUp(ceilDiv(m, t), MR);
            Parallel.forRange(ceilDiv(m, rows), 1, (lo, hi) -> {
                for (int q = lo; q < hi; q++) {
                    int i0 = q * rows, mi = Math.min(rows, m - i0);
                    serial(transA, transB, mi, n, k, a, aOff + (transA ? i0 : i0 * lda), lda, b, bOff, ldb,
                            beta, c, cOff + i0 * ldc, ldc);
                }
            });
        } else {
            int cols = roundUp(ceilDiv(n, t), NR);
            Parallel.forRange(ceilDiv(n, cols), 1, (lo, hi) -> {
                for (int q = lo; q < hi; q++) {
                    int j0 = q * cols, nj = Math.min(cols, n - j0);
                    serial(transA, transB, m, nj, k, a, aOff, lda, b, bOff + (transB ? j0 * ldb : j0), ldb,
                            beta, c, cOff + j0, ldc);
                }
            });
        }
    }

    private static void serial(boolean transA, boolean transB, int m, int n, int k,
                               float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                               float beta, float[] c, int cOff, int ldc) {
        if (k <= KC && (long) m * n * k <= DIRECT_WORK) {
            direct(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            blocked(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /** Per-thread packing buffers, grown on demand and kept, so steady-state GEMMs allocate nothing. */
    private static final class Scratch {
        float[] a = new float[0];
        float[] b = new float[0];
        final float[] tile = new float[MR * NR];

        float[] a(int size) {
            if (a.length < size) a = new float[size];
            return a;
        }

        float[] b(int size) {
            if (b.length < size) b = new float[size];
            return b;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * The unpacked path: full tiles read A and B in place (A(i, p) at a[i*lda + p], or a[p*lda + i]
     * when transposed; B rows as vectors). Only the m and n edge panels, and op(B) when B is
     * transposed, are copied, zero-padded, to scratch. B's NR-column panel stays in L1 while
     * the loop runs down the rows of A.
     */
    private static void direct(boolean transA, boolean transB, int m, int n, int k,
                               float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                               float beta, float[] c, int cOff, int ldc) {
        Scratch s = SCRATCH.get();
        int mFull = m / MR * MR, nFull = n / NR * NR;
        int nPad = roundUp(n, NR);
        float[] pb = null;
        int pbLd = NR, pbFrom = nFull;
        if (transB) {
            // op(B) as (k, nPad) row-major: pb[p*nPad + j] = B[j, p]
            pb = s.b(k * nPad);
            pbLd = nPad;
            pbFrom = 0;
            for (int j = 0; j < n; j++) {
                int src = bOff + j * ldb;
                for (int p = 0; p < k; p++) pb[p * nPad + j] = b[src + p];
            }
            for (int p = 0; p < k; p++) {
                for (int j = n; j < nPad; j++) pb[p * nPad + j] = 0f;
            }
        } else if (nFull < n) {
            // the last, partial column panel as (k, NR), zero-padded
            pb = s.b(k * NR);
            for (int p = 0; p < k; p++) {
                int src = bOff + p * ldb + nFull, d = p * NR;
                for (int j = 0; j < n - nFull; j++) pb[d + j] = b[src + j];
                for (int j = n - nFull; j < NR; j++) pb[d + j] = 0f;
            }
        }
        float[] pa = null;
        if (mFull < m) {
            pa = s.a(k * MR);
            packAPanel(transA, a, aOff, lda, mFull, m - mFull, 0, k, pa, 0);
        }
        float[] tile = s.tile;
        for (int jr = 0; jr < n; jr += NR) {
            int nr = Math.min(NR, n - jr);
            float[] bArr = b;
            int bi = bOff + jr, bLd = ldb;
            if (jr >= pbFrom) {
                bArr = pb;
                bi = transB ? jr : 0;
                bLd = pbLd;
            }
            for (int ir = 0; ir < m; ir += MR) {
                int mr = Math.min(MR, m - ir);
                int ci = cOff + ir * ldc + jr;
                float[] aArr = a;
                int ai = transA ? aOff + ir : aOff + ir * lda, ars = transA ? 1 : lda, acs = transA ? lda : 1;
                if (ir >= mFull) {
                    aArr = pa;
                    ai = 0;
                    ars = 1;
                    acs = MR;
                }
                if (mr == MR && nr == NR) {
                    kernel(k, aArr, ai, ars, acs, bArr, bi, bLd, c, ci, ldc, beta);
                } else {
                    kernel(k, aArr, ai, ars, acs, bArr, bi, bLd, tile, 0, NR, 0f);
                    mergeTile(tile, mr, nr, beta, c, ci, ldc);
                }
            }
        }
    }

    /**
     * The blocked path: for each (KC, NC) block of op(B), packed into NR-wide panels, and each MC
     * rows of A, the kernel sweeps the row panels of A under one B panel at a time (that panel
     * stays in cache while A streams). A non-transposed A is read in place, each of the MR rows
     * a contiguous stream (packing it measured no faster and costs a pass over A); a transposed
     * A, and the last partial row panel, are packed into (KC, MR) panels. The first depth block
     * applies beta, later ones add to C.
     */
    private static void blocked(boolean transA, boolean transB, int m, int n, int k,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                float beta, float[] c, int cOff, int ldc) {
        Scratch s = SCRATCH.get();
        // equal depth blocks, none deeper than KC: k = 1100 is one pass, k = 2048 two of 1024
        int kc0 = ceilDiv(k, ceilDiv(k, KC));
        float[] pa = s.a(Math.min(roundUp(m, MR), MC) * kc0);
        float[] pb = s.b(Math.min(roundUp(n, NR), NC) * kc0);
        float[] tile = s.tile;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += kc0) {
                int kc = Math.min(kc0, k - pc);
                packB(transB, b, bOff, ldb, pc, kc, jc, nc, pb);
                float bt = pc == 0 ? beta : 1f;
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    for (int ir = transA ? 0 : mc / MR * MR; ir < mc; ir += MR) {
                        packAPanel(transA, a, aOff, lda, ic + ir, Math.min(MR, mc - ir), pc, kc, pa, ir * kc);
                    }
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            int ci = cOff + (ic + ir) * ldc + jc + jr;
                            float[] aArr = pa;
                            int ai = ir * kc, ars = 1, acs = MR;
                            if (!transA && mr == MR) {
                                aArr = a;
                                ai = aOff + (ic + ir) * lda + pc;
                                ars = lda;
                                acs = 1;
                            }
                            if (mr == MR && nr == NR) {
                                kernel(kc, aArr, ai, ars, acs, pb, jr * kc, NR, c, ci, ldc, bt);
                            } else {
                                kernel(kc, aArr, ai, ars, acs, pb, jr * kc, NR, tile, 0, NR, 0f);
                                mergeTile(tile, mr, nr, bt, c, ci, ldc);
                            }
                        }
                    }
                }
            }
        }
    }

    /** C[0:mr, 0:nr] = tile (+ beta * C), for a tile the kernel computed with beta 0. */
    private static void mergeTile(float[] tile, int mr, int nr, float beta, float[] c, int ci, int ldc) {
        for (int i = 0; i < mr; i++) {
            int t = i * NR, cr = ci + i * ldc;
            if (beta == 0f) {
                System.arraycopy(tile, t, c, cr, nr);
            } else {
                for (int j = 0; j < nr; j++) c[cr + j] = tile[t + j] + beta * c[cr + j];
            }
        }
    }

    /** Packs op(B)[pc:pc+kc, jc:jc+nc] as NR-wide panels, panel jr at dst[jr*kc ..], each (kc, NR) row-major, zero-padded. */
    private static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc, float[] dst) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int d = jr * kc;
            if (!transB && nr == NR) {
                // rows of B are contiguous: two vector copies per row (NR = 2L)
                for (int p = 0, src = bOff + pc * ldb + jc + jr; p < kc; p++, src += ldb, d += NR) {
                    FloatVector.fromArray(S, b, src).intoArray(dst, d);
                    FloatVector.fromArray(S, b, src + L).intoArray(dst, d + L);
                }
            } else if (!transB) {
                for (int p = 0, src = bOff + pc * ldb + jc + jr; p < kc; p++, src += ldb, d += NR) {
                    for (int j = 0; j < nr; j++) dst[d + j] = b[src + j];
                    for (int j = nr; j < NR; j++) dst[d + j] = 0f;
                }
            } else {
                // B[j, p] = b[j*ldb + p]: read each row of B once, write a column of the panel
                for (int j = 0; j < nr; j++) {
                    int src = bOff + (jc + jr + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) dst[d + p * NR + j] = b[src + p];
                }
                for (int p = 0; p < kc && nr < NR; p++) {
                    for (int j = nr; j < NR; j++) dst[d + p * NR + j] = 0f;
                }
            }
        }
    }

    /** Packs op(A)[i0:i0+mr, pc:pc+kc] as one (kc, MR) row-major panel at dst[d ..], rows mr..MR zero. */
    private static void packAPanel(boolean transA, float[] a, int aOff, int lda, int i0, int mr, int pc, int kc,
                                   float[] dst, int d) {
        if (!transA) {
            // A[i, p] = a[i*lda + p]: walk the rows together so the panel is written in order
            int src = aOff + i0 * lda + pc;
            if (mr == MR) {
                for (int p = 0; p < kc; p++, d += MR) {
                    for (int i = 0; i < MR; i++) dst[d + i] = a[src + i * lda + p];
                }
            } else {
                for (int p = 0; p < kc; p++, d += MR) {
                    for (int i = 0; i < mr; i++) dst[d + i] = a[src + i * lda + p];
                    for (int i = mr; i < MR; i++) dst[d + i] = 0f;
                }
            }
        } else {
            // A[i, p] = a[p*lda + i]: MR consecutive floats per p
            for (int p = 0, src = aOff + pc * lda + i0; p < kc; p++, src += lda, d += MR) {
                for (int i = 0; i < mr; i++) dst[d + i] = a[src + i];
                for (int i = mr; i < MR; i++) dst[d + i] = 0f;
            }
        }
    }

    /**
     * The micro-kernel: C[0:MR, 0:NR] = sum over p < kc of A(:, p) * B(p, :), then stored
     * (beta 0, old C ignored) or added as C = acc + beta * C. A(i, p) is {@code a[ai + i*ars + p*acs]}
     * (a packed panel: ars 1, acs MR; or A in place); row p of B is the two vectors at
     * {@code b[bi + p*ldb]} (a packed panel: ldb NR; or B in place); C's tile starts at c[ci].
     */
    private static void kernel(int kc, float[] a, int ai, int ars, int acs, float[] b, int bi, int ldb,
                               float[] c, int ci, int ldc, float beta) {
        if (MR == 8) {
            kernel8x2(kc, a, ai, ars, acs, b, bi, ldb, c, ci, ldc, beta);
        } else {
            kernel6x2(kc, a, ai, ars, acs, b, bi, ldb, c, ci, ldc, beta);
        }
    }

    /** c[ci..ci+L) = acc + beta * c[ci..ci+L), one rounding. */
    private static void update(FloatVector acc, FloatVector beta, float[] c, int ci) {
        FloatVector.fromArray(S, c, ci).fma(beta, acc).intoArray(c, ci);
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    private static int roundUp(int x, int r) {
        return ceilDiv(x, r) * r;
    }

    /** 8 x 2L micro-kernel; see {@link #kernel}. */
    private static void kernel8x2(int kc, float[] a, int ai, int ars, int acs, float[] b, int bi, int ldb,
                                  float[] c, int ci, int ldc, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int a0 = ai, a1 = ai + ars, a2 = ai + 2 * ars, a3 = ai + 3 * ars, a4 = ai + 4 * ars, a5 = ai + 5 * ars, a6 = ai + 6 * ars, a7 = ai + 7 * ars;
        for (int p = 0; p < kc; p++) {
            int bo = bi + p * ldb, ao = p * acs;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + ao]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + ao]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + ao]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + ao]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + ao]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + ao]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + ao]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + ao]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        if (beta == 0f) {
            c00.intoArray(c, ci); c01.intoArray(c, ci + L);
            c10.intoArray(c, ci + ldc); c11.intoArray(c, ci + ldc + L);
            c20.intoArray(c, ci + 2 * ldc); c21.intoArray(c, ci + 2 * ldc + L);
            c30.intoArray(c, ci + 3 * ldc); c31.intoArray(c, ci + 3 * ldc + L);
            c40.intoArray(c, ci + 4 * ldc); c41.intoArray(c, ci + 4 * ldc + L);
            c50.intoArray(c, ci + 5 * ldc); c51.intoArray(c, ci + 5 * ldc + L);
            c60.intoArray(c, ci + 6 * ldc); c61.intoArray(c, ci + 6 * ldc + L);
            c70.intoArray(c, ci + 7 * ldc); c71.intoArray(c, ci + 7 * ldc + L);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            update(c00, bv, c, ci); update(c01, bv, c, ci + L);
            update(c10, bv, c, ci + ldc); update(c11, bv, c, ci + ldc + L);
            update(c20, bv, c, ci + 2 * ldc); update(c21, bv, c, ci + 2 * ldc + L);
            update(c30, bv, c, ci + 3 * ldc); update(c31, bv, c, ci + 3 * ldc + L);
            update(c40, bv, c, ci + 4 * ldc); update(c41, bv, c, ci + 4 * ldc + L);
            update(c50, bv, c, ci + 5 * ldc); update(c51, bv, c, ci + 5 * ldc + L);
            update(c60, bv, c, ci + 6 * ldc); update(c61, bv, c, ci + 6 * ldc + L);
            update(c70, bv, c, ci + 7 * ldc); update(c71, bv, c, ci + 7 * ldc + L);
        }
    }

    /** 6 x 2L micro-kernel; see {@link #kernel}. */
    private static void kernel6x2(int kc, float[] a, int ai, int ars, int acs, float[] b, int bi, int ldb,
                                  float[] c, int ci, int ldc, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        int a0 = ai, a1 = ai + ars, a2 = ai + 2 * ars, a3 = ai + 3 * ars, a4 = ai + 4 * ars, a5 = ai + 5 * ars;
        for (int p = 0; p < kc; p++) {
            int bo = bi + p * ldb, ao = p * acs;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + ao]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + ao]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + ao]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + ao]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + ao]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + ao]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        if (beta == 0f) {
            c00.intoArray(c, ci); c01.intoArray(c, ci + L);
            c10.intoArray(c, ci + ldc); c11.intoArray(c, ci + ldc + L);
            c20.intoArray(c, ci + 2 * ldc); c21.intoArray(c, ci + 2 * ldc + L);
            c30.intoArray(c, ci + 3 * ldc); c31.intoArray(c, ci + 3 * ldc + L);
            c40.intoArray(c, ci + 4 * ldc); c41.intoArray(c, ci + 4 * ldc + L);
            c50.intoArray(c, ci + 5 * ldc); c51.intoArray(c, ci + 5 * ldc + L);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            update(c00, bv, c, ci); update(c01, bv, c, ci + L);
            update(c10, bv, c, ci + ldc); update(c11, bv, c, ci + ldc + L);
            update(c20, bv, c, ci + 2 * ldc); update(c21, bv, c, ci + 2 * ldc + L);
            update(c30, bv, c, ci + 3 * ldc); update(c31, bv, c, ci + 3 * ldc + L);
            update(c40, bv, c, ci + 4 * ldc); update(c41, bv, c, ci + 4 * ldc + L);
            update(c50, bv, c, ci + 5 * ldc); update(c51, bv, c, ci + 5 * ldc + L);
        }
    }

}
