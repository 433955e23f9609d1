package dev.myelin.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the Vector API, at the widest species the CPU has (AVX-512: 16 floats, AVX2: 8,
 * NEON: 4). Each loop runs full vectors then finishes the tail with the scalar definition from
 * {@link UnaryOp}/{@link BinaryOp}, so any length works. Ops with no vector form here run the
 * scalar definition.
 */
public final class VectorBackend implements Backend {

    public static final VectorBackend INSTANCE = new VectorBackend();
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        VectorGemm.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public void binary(BinaryOp op, float[] a, int aOff, int aStride, float[] b, int bOff, int bStride,
                       float[] out, int outOff, int n) {
        int i = 0;
        if ((aStride == 1 || aStride == 0) && (bStride == 1 || bStride == 0) && n >= L) {
            int bound = S.loopBound(n);
            FloatVector av = aStride == 0 ? FloatVector.broadcast(S, a[aOff]) : null;
            FloatVector bv = bStride == 0 ? FloatVector.broadcast(S, b[bOff]) : null;
            for (; i < bound; i += L) {
                FloatVector x = aStride == 0 ? av : FloatVector.fromArray(S, a, aOff + i);
                FloatVector y = bStride == 0 ? bv : FloatVector.fromArray(S, b, bOff + i);
                FloatVector r = switch (op) {
                    case ADD -> x.add(y);
                    case SUB -> x.sub(y);
                    case MUL -> x.mul(y);
                    case DIV -> x.div(y);
                    case MAX -> x.max(y);
                    case MIN -> x.min(y);
                    case POW -> x.lanewise(VectorOperators.POW, y);
                    case EQ -> select(x.compare(VectorOperators.EQ, y));
                    case NE -> select(x.compare(VectorOperators.NE, y));
                    case LT -> select(x.compare(VectorOperators.LT, y));
                    case LE -> select(x.compare(VectorOperators.LE, y));
                    case GT -> select(x.compare(VectorOperators.GT, y));
                    case GE -> select(x.compare(VectorOperators.GE, y));
                };
                r.intoArray(out, outOff + i);
            }
        }
        for (; i < n; i++) {
            out[outOff + i] = op.apply(a[aOff + i * aStride], b[bOff + i * bStride]);
        }
    }

    private static final FloatVector ZERO = FloatVector.zero(S);
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    private static FloatVector select(VectorMask<Float> m) {
        return ZERO.blend(ONE, m);
    }

    @Override
    public void unary(UnaryOp op, float alpha, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0;
        if (n >= L && vectorized(op)) {
            int bound = S.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(S, x, xOff + i);
                unaryVector(op, alpha, v).intoArray(out, outOff + i);
            }
        }
        for (; i < n; i++) {
            out[outOff + i] = op.apply(x[xOff + i], alpha);
        }
    }

    private static boolean vectorized(UnaryOp op) {
        return switch (op) {
            case GELU, SIGN -> false;
            default -> true;
        };
    }

    private static FloatVector unaryVector(UnaryOp op, float a, FloatVector v) {
        return switch (op) {
            case IDENTITY -> v;
            case NEG -> v.neg();
            case ABS -> v.abs();
            case STEP -> select(v.compare(VectorOperators.GT, 0f));
            case EXP -> v.lanewise(VectorOperators.EXP);
            case LOG -> v.lanewise(VectorOperators.LOG);
            case SQRT -> v.sqrt();
            case RSQRT -> ONE.div(v.sqrt());
            case SQUARE -> v.mul(v);
            case RECIPROCAL -> ONE.div(v);
            case ADD_SCALAR -> v.add(a);
            case MUL_SCALAR -> v.mul(a);
            case RSUB_SCALAR -> FloatVector.broadcast(S, a).sub(v);
            case RDIV_SCALAR -> FloatVector.broadcast(S, a).div(v);
            case POW_SCALAR -> a == 2f ? v.mul(v) : v.lanewise(VectorOperators.POW, a);
            case MAX_SCALAR -> v.max(a);
            case MIN_SCALAR -> v.min(a);
            case RELU -> v.max(0f);
            case LEAKY_RELU -> v.mul(a).blend(v, v.compare(VectorOperators.GT, 0f));
            case ELU -> v.lanewise(VectorOperators.EXPM1).mul(a).blend(v, v.compare(VectorOperators.GT, 0f));
            case SIGMOID -> sigmoid(v);
            case TANH -> v.lanewise(VectorOperators.TANH);
            case GELU_TANH -> {
                FloatVector u = v.mul(v).mul(v).mul(0.044715f).add(v).mul(0.7978845608028654f);
                yield u.lanewise(VectorOperators.TANH).add(1f).mul(v).mul(0.5f);
            }
            case SILU -> v.mul(sigmoid(v));
            case SOFTPLUS -> v.max(0f).add(v.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P));
            case HARD_SIGMOID -> v.div(6f).add(0.5f).max(0f).min(1f);
            case GELU, SIGN -> throw new AssertionError(op + " has no vector form");
        };
    }

    // 1 / (1 + exp(-x)); exp(-x) overflows to +inf for x < -88 and the quotient is then exactly 0.
    private static FloatVector sigmoid(FloatVector v) {
        return ONE.div(v.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    @Override
    public float sum(float[] x, int off, int n) {
        int i = 0;
        float s = 0f;
        if (n >= L) {
            FloatVector acc = FloatVector.zero(S);
            int bound = S.loopBound(n);
            for (; i < bound; i += L) acc = acc.add(FloatVector.fromArray(S, x, off + i));
            s = sumLanes(acc);
        }
        for (; i < n; i++) s += x[off + i];
        return s;
    }

    /**
     * Adds the lanes in a fixed order. {@code reduceLanes(ADD)} may associate differently in the
     * interpreter and in C2-compiled code, which would make results change in the last bit once the
     * JIT warms up; training must be bit-for-bit repeatable.
     */
    private static float sumLanes(FloatVector acc) {
        float[] lanes = new float[L];
        acc.intoArray(lanes, 0);
        float s = 0f;
        for (float v : lanes) s += v;
        return s;
    }

    @Override
    public float max(float[] x, int off, int n) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (n >= L) {
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            int bound = S.loopBound(n);
            for (; i < bound; i += L) acc = acc.max(FloatVector.fromArray(S, x, off + i));
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    @Override
    public float min(float[] x, int off, int n) {
        int i = 0;
        float m = Float.POSITIVE_INFINITY;
        if (n >= L) {
            FloatVector acc = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
            int bound = S.loopBound(n);
            for (; i < bound; i += L) acc = acc.min(FloatVector.fromArray(S, x, off + i));
            m = acc.reduceLanes(VectorOperators.MIN);
        }
        for (; i < n; i++) m = Math.min(m, x[off + i]);
        return m;
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        float s = 0f;
        if (n >= L) {
            FloatVector acc = FloatVector.zero(S);
            int bound = S.loopBound(n);
            for (; i < bound; i += L) {
                acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
            }
            s = sumLanes(acc);
        }
        for (; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        int i = 0;
        if (n >= L) {
            FloatVector av = FloatVector.broadcast(S, alpha);
            int bound = S.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector.fromArray(S, x, xOff + i).fma(av, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
            }
        }
        for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }
}
