package dev.myelin.backend;

import jdk.incubator.vector.FloatVector;
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
        if ((aStride == 1 || aStride == 0) && (bStride == 1 || bStride == 0) && (aStride | bStride) != 0 && n >= L) {
            i = switch (op) {
                case ADD -> bAdd(a, aOff, aStride, b, bOff, bStride, out, outOff, n);
                case SUB -> bSub(a, aOff, aStride, b, bOff, bStride, out, outOff, n);
                case MUL -> bMul(a, aOff, aStride, b, bOff, bStride, out, outOff, n);
                case DIV -> bDiv(a, aOff, aStride, b, bOff, bStride, out, outOff, n);
                case MAX -> bMax(a, aOff, aStride, b, bOff, bStride, out, outOff, n);
                case MIN -> bMin(a, aOff, aStride, b, bOff, bStride, out, outOff, n);
                case POW -> bPow(a, aOff, aStride, b, bOff, bStride, out, outOff, n);
                case EQ -> bEq(a, aOff, aStride, b, bOff, bStride, out, outOff, n);
                case NE -> bNe(a, aOff, aStride, b, bOff, bStride, out, outOff, n);
                case LT -> bLt(a, aOff, aStride, b, bOff, bStride, out, outOff, n);
                case LE -> bLe(a, aOff, aStride, b, bOff, bStride, out, outOff, n);
                case GT -> bGt(a, aOff, aStride, b, bOff, bStride, out, outOff, n);
                case GE -> bGe(a, aOff, aStride, b, bOff, bStride, out, outOff, n);
            };
        }
        for (; i < n; i++) out[outOff + i] = op.apply(a[aOff + i * aStride], b[bOff + i * bStride]);
    }

    private static int bAdd(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        if (aStride == 1 && bStride == 1) {
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i), y = FloatVector.fromArray(S, b, bOff + i);
                (x.add(y)).intoArray(out, outOff + i);
            }
        } else if (aStride == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                (x.add(y)).intoArray(out, outOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                (x.add(y)).intoArray(out, outOff + i);
            }
        }
        return i;
    }

    private static int bSub(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        if (aStride == 1 && bStride == 1) {
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i), y = FloatVector.fromArray(S, b, bOff + i);
                (x.sub(y)).intoArray(out, outOff + i);
            }
        } else if (aStride == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                (x.sub(y)).intoArray(out, outOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                (x.sub(y)).intoArray(out, outOff + i);
            }
        }
        return i;
    }

    private static int bMul(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        if (aStride == 1 && bStride == 1) {
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i), y = FloatVector.fromArray(S, b, bOff + i);
                (x.mul(y)).intoArray(out, outOff + i);
            }
        } else if (aStride == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                (x.mul(y)).intoArray(out, outOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                (x.mul(y)).intoArray(out, outOff + i);
            }
        }
        return i;
    }

    private static int bDiv(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        if (aStride == 1 && bStride == 1) {
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i), y = FloatVector.fromArray(S, b, bOff + i);
                (x.div(y)).intoArray(out, outOff + i);
            }
        } else if (aStride == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                (x.div(y)).intoArray(out, outOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                (x.div(y)).intoArray(out, outOff + i);
            }
        }
        return i;
    }

    private static int bMax(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        if (aStride == 1 && bStride == 1) {
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i), y = FloatVector.fromArray(S, b, bOff + i);
                (x.max(y)).intoArray(out, outOff + i);
            }
        } else if (aStride == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                (x.max(y)).intoArray(out, outOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                (x.max(y)).intoArray(out, outOff + i);
            }
        }
        return i;
    }

    private static int bMin(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        if (aStride == 1 && bStride == 1) {
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i), y = FloatVector.fromArray(S, b, bOff + i);
                (x.min(y)).intoArray(out, outOff + i);
            }
        } else if (aStride == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                (x.min(y)).intoArray(out, outOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                (x.min(y)).intoArray(out, outOff + i);
            }
        }
        return i;
    }

    private static int bPow(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        if (aStride == 1 && bStride == 1) {
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i), y = FloatVector.fromArray(S, b, bOff + i);
                (x.lanewise(VectorOperators.POW, y)).intoArray(out, outOff + i);
            }
        } else if (aStride == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                (x.lanewise(VectorOperators.POW, y)).intoArray(out, outOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                (x.lanewise(VectorOperators.POW, y)).intoArray(out, outOff + i);
            }
        }
        return i;
    }

    private static int bEq(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        if (aStride == 1 && bStride == 1) {
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i), y = FloatVector.fromArray(S, b, bOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.EQ, y))).intoArray(out, outOff + i);
            }
        } else if (aStride == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.EQ, y))).intoArray(out, outOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.EQ, y))).intoArray(out, outOff + i);
            }
        }
        return i;
    }

    private static int bNe(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        if (aStride == 1 && bStride == 1) {
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i), y = FloatVector.fromArray(S, b, bOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.NE, y))).intoArray(out, outOff + i);
            }
        } else if (aStride == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.NE, y))).intoArray(out, outOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.NE, y))).intoArray(out, outOff + i);
            }
        }
        return i;
    }

    private static int bLt(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        if (aStride == 1 && bStride == 1) {
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i), y = FloatVector.fromArray(S, b, bOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.LT, y))).intoArray(out, outOff + i);
            }
        } else if (aStride == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.LT, y))).intoArray(out, outOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.LT, y))).intoArray(out, outOff + i);
            }
        }
        return i;
    }

    private static int bLe(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        if (aStride == 1 && bStride == 1) {
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i), y = FloatVector.fromArray(S, b, bOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.LE, y))).intoArray(out, outOff + i);
            }
        } else if (aStride == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.LE, y))).intoArray(out, outOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.LE, y))).intoArray(out, outOff + i);
            }
        }
        return i;
    }

    private static int bGt(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        if (aStride == 1 && bStride == 1) {
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i), y = FloatVector.fromArray(S, b, bOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.GT, y))).intoArray(out, outOff + i);
            }
        } else if (aStride == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.GT, y))).intoArray(out, outOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.GT, y))).intoArray(out, outOff + i);
            }
        }
        return i;
    }

    private static int bGe(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        if (aStride == 1 && bStride == 1) {
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i), y = FloatVector.fromArray(S, b, bOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.GE, y))).intoArray(out, outOff + i);
            }
        } else if (aStride == 1) {
            FloatVector y = FloatVector.broadcast(S, b[bOff]);
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, aOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.GE, y))).intoArray(out, outOff + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(S, a[aOff]);
            for (; i < bound; i += L) {
                FloatVector y = FloatVector.fromArray(S, b, bOff + i);
                (ZERO.blend(ONE, x.compare(VectorOperators.GE, y))).intoArray(out, outOff + i);
            }
        }
        return i;
    }

    private static final FloatVector ZERO = FloatVector.zero(S);
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    @Override
    public void unary(UnaryOp op, float a, float[] x, int xOff, float[] out, int outOff, int n) {
        // One small loop method per op: a single method holding every op's vector code grows past
        // the JIT's inlining and size limits, and its vectors then live on the heap.
        int i = n < L ? 0 : switch (op) {
            case IDENTITY -> uIdentity(a, x, xOff, out, outOff, n);
            case NEG -> uNeg(a, x, xOff, out, outOff, n);
            case ABS -> uAbs(a, x, xOff, out, outOff, n);
            case STEP -> uStep(a, x, xOff, out, outOff, n);
            case EXP -> uExp(a, x, xOff, out, outOff, n);
            case LOG -> uLog(a, x, xOff, out, outOff, n);
            case SQRT -> uSqrt(a, x, xOff, out, outOff, n);
            case RSQRT -> uRsqrt(a, x, xOff, out, outOff, n);
            case SQUARE -> uSquare(a, x, xOff, out, outOff, n);
            case RECIPROCAL -> uReciprocal(a, x, xOff, out, outOff, n);
            case ADD_SCALAR -> uAddScalar(a, x, xOff, out, outOff, n);
            case MUL_SCALAR -> uMulScalar(a, x, xOff, out, outOff, n);
            case RSUB_SCALAR -> uRsubScalar(a, x, xOff, out, outOff, n);
            case RDIV_SCALAR -> uRdivScalar(a, x, xOff, out, outOff, n);
            case POW_SCALAR -> a == 2f ? uSquare(a, x, xOff, out, outOff, n) : uPowScalar(a, x, xOff, out, outOff, n);
            case MAX_SCALAR -> uMaxScalar(a, x, xOff, out, outOff, n);
            case MIN_SCALAR -> uMinScalar(a, x, xOff, out, outOff, n);
            case RELU -> uRelu(a, x, xOff, out, outOff, n);
            case LEAKY_RELU -> uLeakyRelu(a, x, xOff, out, outOff, n);
            case ELU -> uElu(a, x, xOff, out, outOff, n);
            case SIGMOID -> uSigmoid(a, x, xOff, out, outOff, n);
            case TANH -> uTanh(a, x, xOff, out, outOff, n);
            case GELU_TANH -> uGeluTanh(a, x, xOff, out, outOff, n);
            case SILU -> uSilu(a, x, xOff, out, outOff, n);
            case SOFTPLUS -> uSoftplus(a, x, xOff, out, outOff, n);
            case HARD_SIGMOID -> uHardSigmoid(a, x, xOff, out, outOff, n);
            case GELU, SIGN -> 0;
        };
        for (; i < n; i++) out[outOff + i] = op.apply(x[xOff + i], a);
    }

    private static int uIdentity(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uNeg(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.neg()).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uAbs(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.abs()).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uStep(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (ZERO.blend(ONE, v.compare(VectorOperators.GT, 0f))).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uExp(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.lanewise(VectorOperators.EXP)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uLog(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.lanewise(VectorOperators.LOG)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uSqrt(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.sqrt()).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uRsqrt(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (ONE.div(v.sqrt())).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uSquare(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.mul(v)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uReciprocal(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (ONE.div(v)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uAddScalar(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.add(a)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uMulScalar(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.mul(a)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uRsubScalar(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        FloatVector av = FloatVector.broadcast(S, a);
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (av.sub(v)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uRdivScalar(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        FloatVector av = FloatVector.broadcast(S, a);
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (av.div(v)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uPowScalar(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.lanewise(VectorOperators.POW, a)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uMaxScalar(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.max(a)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uMinScalar(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.min(a)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uRelu(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.max(0f)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uLeakyRelu(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.mul(a).blend(v, v.compare(VectorOperators.GT, 0f))).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uElu(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.lanewise(VectorOperators.EXPM1).mul(a).blend(v, v.compare(VectorOperators.GT, 0f))).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uSigmoid(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (ONE.div(v.neg().lanewise(VectorOperators.EXP).add(1f))).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uTanh(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.lanewise(VectorOperators.TANH)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uGeluTanh(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.mul(v).mul(v).mul(0.044715f).add(v).mul(0.7978845608028654f).lanewise(VectorOperators.TANH).add(1f).mul(v).mul(0.5f)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uSilu(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.mul(ONE.div(v.neg().lanewise(VectorOperators.EXP).add(1f)))).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uSoftplus(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.max(0f).add(v.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P))).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int uHardSigmoid(float a, float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            (v.div(6f).add(0.5f).max(0f).min(1f)).intoArray(out, outOff + i);
        }
        return i;
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
