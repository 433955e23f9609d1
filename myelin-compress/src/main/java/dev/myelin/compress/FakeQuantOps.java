package dev.myelin.compress;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

/**
 * Fake quantization, the op of quantization-aware training: y = s * clamp(rint(x / s), -127, 127),
 * the float value that int8 quantization with scale s would give back, with the straight-through
 * estimator as its gradient: dy/dx = 1 where x lies in the clip range [-127 s, 127 s] (rounding
 * is treated as the identity) and 0 outside (the clamp is flat there). Scales are constants: no
 * gradient flows to them. Recorded through {@link Tensor#fromOp}, so it composes with every other
 * op; forward and backward below.
 *
 * <pre>{@code
 * Tensor wq = FakeQuantOps.perChannel(kernel);   // as QuantizedDense will store the kernel
 * Tensor xq = FakeQuantOps.perRow(x);            // as it will quantize its input
 * Tensor y = xq.matmul(wq);
 * }</pre>
 */
public final class FakeQuantOps {
    private FakeQuantOps() {}

    private static final int QMAX = QTensor.QMAX;

    /** One scale for the whole tensor. */
    public static Tensor perTensor(Tensor x, float scale) {
        return apply("fakeQuant", x, new float[]{scale}, new float[]{inverse(scale)}, x.numel(), true);
    }

    /** Scales along the last axis: scales[c] for every element of channel c (a kernel's output channels). */
    public static Tensor perChannel(Tensor x, float[] scales) {
        int c = x.size(-1);
        if (scales.length != c) throw new IllegalArgumentException("fakeQuant: " + scales.length + " scales for " + c + " channels of " + Shape.format(x.shape()));
        float[] inv = new float[c];
        for (int j = 0; j < c; j++) inv[j] = inverse(scales[j]);
        return apply("fakeQuantPerChannel", x, scales, inv, -1, true);
    }

    /** Per output channel (last axis) with max-abs scales, as {@link QTensor#quantize} stores a weight: the kernel's own values set them. */
    public static Tensor perChannel(Tensor x) {
        int c = x.size(-1), rows = x.numel() / Math.max(c, 1);
        float[] d = x.toFloatArray(), m = new float[c];
        for (int r = 0; r < rows; r++) for (int j = 0; j < c; j++) m[j] = Math.max(m[j], Math.abs(d[r * c + j]));
        float[] s = new float[c], inv = new float[c];
        for (int j = 0; j < c; j++) {
            s[j] = m[j] / QMAX;
            inv[j] = m[j] == 0f ? 0f : QMAX / m[j];
        }
        return apply("fakeQuantPerChannel", x, s, inv, -1, false);
    }

    /** One max-abs scale per row of the last axis, as {@link QuantizedDense} quantizes its input at run time. */
    public static Tensor perRow(Tensor x) {
        return perBlock("fakeQuantPerRow", x, x.size(-1));
    }

    /** One max-abs scale per sample (everything but the batch axis), as {@link QuantizedConv} quantizes its input. */
    public static Tensor perSample(Tensor x) {
        return perBlock("fakeQuantPerSample", x, x.numel() / Math.max(x.size(0), 1));
    }

    /** Max-abs scales per block with the very roundings of {@link QTensor#quantizeRow}: s = m / 127 and q = rint(x * (127 / m)). */
    private static Tensor perBlock(String op, Tensor x, int block) {
        float[] d = x.toFloatArray();
        int blocks = block == 0 ? 0 : d.length / block;
        float[] s = new float[blocks], inv = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            float m = 0f;
            for (int i = 0; i < block; i++) m = Math.max(m, Math.abs(d[b * block + i]));
            s[b] = m / QMAX;
            inv[b] = m == 0f ? 0f : QMAX / m;
        }
        return apply(op, x, s, inv, block, false);
    }

    private static float inverse(float scale) {
        if (!(scale >= 0) || !Float.isFinite(scale)) throw new IllegalArgumentException("fakeQuant: scales must be finite and >= 0, got " + scale);
        return scale == 0f ? 0f : 1f / scale;
    }

    /**
     * Element i uses scale s = scales[j] and inverse inv[j], with j = i / block (block > 0:
     * contiguous runs) or j = i mod C (block == -1: per channel along the last axis of size C).
     * Max-abs scales ({@code clips} false) hold every value of their block by construction, so
     * all gradients pass; given scales clip what lies beyond 127 s.
     */
    private static Tensor apply(String op, Tensor x, float[] scales, float[] inv, int block, boolean clips) {
        float[] d = x.toFloatArray();
        int c = x.rank() == 0 ? 1 : x.size(-1);
        float[] y = new float[d.length];
        boolean[] inside = new boolean[d.length];
        for (int i = 0; i < d.length; i++) {
            int j = block > 0 ? i / block : i % c;
            float s = scales[j];
            if (!Float.isFinite(d[i])) throw new IllegalArgumentException(op + ": cannot quantize " + d[i] + " at flat position " + i);
            // forward: y = s * clamp(rint(x / s), -127, 127); an all-zero block (s = 0) stays 0
            float q = (float) Math.max(-QMAX, Math.min(QMAX, Math.rint(d[i] * inv[j])));
            y[i] = s * q;
            inside[i] = !clips || Math.abs(d[i]) <= QMAX * s;
        }
        // backward: dx = g where -127 s <= x <= 127 s, else 0 (straight through the rounding)
        return Tensor.fromOp(op, y, x.shape(), new Tensor[]{x}, null, g -> {
            float[] gd = g.toFloatArray();
            for (int i = 0; i < gd.length; i++) if (!inside[i]) gd[i] = 0f;
            return new Tensor[]{Tensor.wrap(gd, gd.length).reshape(x.shape())};
        });
    }
}
