package dev.myelin.backend;

/**
 * Element-wise functions of one float. {@link #apply} is the scalar definition that the reference
 * backend runs and that every fast kernel is tested against. {@code alpha} is the op's parameter
 * (the slope of leaky relu, the exponent of pow, the bound of a clamp); ops without one ignore it.
 */
public enum UnaryOp {
    IDENTITY { public float apply(float x, float a) { return x; } },
    NEG { public float apply(float x, float a) { return -x; } },
    ABS { public float apply(float x, float a) { return Math.abs(x); } },
    /** sign(x): -1, 0 or 1. */
    SIGN { public float apply(float x, float a) { return Math.signum(x); } },
    /** 1 where x > 0, else 0: the derivative of relu. */
    STEP { public float apply(float x, float a) { return x > 0f ? 1f : 0f; } },
    EXP { public float apply(float x, float a) { return (float) Math.exp(x); } },
    LOG { public float apply(float x, float a) { return (float) Math.log(x); } },
    SQRT { public float apply(float x, float a) { return (float) Math.sqrt(x); } },
    RSQRT { public float apply(float x, float a) { return (float) (1.0 / Math.sqrt(x)); } },
    SQUARE { public float apply(float x, float a) { return x * x; } },
    RECIPROCAL { public float apply(float x, float a) { return 1f / x; } },
    /** x + alpha */
    ADD_SCALAR { public float apply(float x, float a) { return x + a; } },
    /** x * alpha */
    MUL_SCALAR { public float apply(float x, float a) { return x * a; } },
    /** alpha - x */
    RSUB_SCALAR { public float apply(float x, float a) { return a - x; } },
    /** alpha / x */
    RDIV_SCALAR { public float apply(float x, float a) { return a / x; } },
    /** x ^ alpha */
    POW_SCALAR {
        public float apply(float x, float a) {
            if (a == 2f) return x * x;
            return (float) Math.pow(x, a);
        }
    },
    /** max(x, alpha) */
    MAX_SCALAR { public float apply(float x, float a) { return Math.max(x, a); } },
    /** min(x, alpha) */
    MIN_SCALAR { public float apply(float x, float a) { return Math.min(x, a); } },
    RELU { public float apply(float x, float a) { return x > 0f ? x : 0f; } },
    /** x if x > 0 else alpha * x */
    LEAKY_RELU { public float apply(float x, float a) { return x > 0f ? x : a * x; } },
    /** x if x > 0 else alpha * (exp(x) - 1) */
    ELU { public float apply(float x, float a) { return x > 0f ? x : a * (float) Math.expm1(x); } },
    /** 1 / (1 + exp(-x)), computed without overflow on either side. */
    SIGMOID {
        public float apply(float x, float a) {
            if (x >= 0) return (float) (1.0 / (1.0 + Math.exp(-x)));
            double e = Math.exp(x);
            return (float) (e / (1.0 + e));
        }
    },
    TANH { public float apply(float x, float a) { return (float) Math.tanh(x); } },
    /** x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) */
    GELU { public float apply(float x, float a) { return (float) (0.5 * x * (1.0 + Erf.erf(x * 0.7071067811865476))); } },
    /** 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
    GELU_TANH {
        public float apply(float x, float a) {
            double u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
            return (float) (0.5 * x * (1.0 + Math.tanh(u)));
        }
    },
    /** x * sigmoid(x) */
    SILU { public float apply(float x, float a) { return x * SIGMOID.apply(x, 0f); } },
    /** log(1 + exp(x)), stable for large |x| */
    SOFTPLUS { public float apply(float x, float a) { return (float) (Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)))); } },
    /** clamp(x / 6 + 0.5, 0, 1), the Keras 3 / PyTorch definition */
    HARD_SIGMOID { public float apply(float x, float a) { return Math.min(1f, Math.max(0f, x / 6f + 0.5f)); } };

    public abstract float apply(float x, float alpha);
}
