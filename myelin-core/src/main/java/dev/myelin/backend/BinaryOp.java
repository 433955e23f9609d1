package dev.myelin.backend;

/** Element-wise functions of two floats; {@link #apply} is the scalar definition. Comparisons give 1 or 0. */
public enum BinaryOp {
    ADD { public float apply(float a, float b) { return a + b; } },
    SUB { public float apply(float a, float b) { return a - b; } },
    MUL { public float apply(float a, float b) { return a * b; } },
    DIV { public float apply(float a, float b) { return a / b; } },
    MAX { public float apply(float a, float b) { return Math.max(a, b); } },
    MIN { public float apply(float a, float b) { return Math.min(a, b); } },
    POW { public float apply(float a, float b) { return (float) Math.pow(a, b); } },
    EQ { public float apply(float a, float b) { return a == b ? 1f : 0f; } },
    NE { public float apply(float a, float b) { return a != b ? 1f : 0f; } },
    LT { public float apply(float a, float b) { return a < b ? 1f : 0f; } },
    LE { public float apply(float a, float b) { return a <= b ? 1f : 0f; } },
    GT { public float apply(float a, float b) { return a > b ? 1f : 0f; } },
    GE { public float apply(float a, float b) { return a >= b ? 1f : 0f; } };

    public abstract float apply(float a, float b);
}
