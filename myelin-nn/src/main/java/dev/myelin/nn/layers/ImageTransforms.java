package dev.myelin.nn.layers;

import dev.myelin.core.Rng;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Layer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The resampling that the augmentation layers share: each output pixel of a (batch, height,
 * width, channels) image is read from the input at a point given by a per-sample inverse affine
 * map, with nearest or bilinear interpolation and Keras's fill modes outside the image. Also the
 * factor ranges that Keras's random layers take, and their config form.
 *
 * <p>The map is TensorFlow's {@code ImageProjectiveTransformV3} row {@code [a0, a1, a2, b0, b1, b2]}
 * (no projective terms): the output point (x, y) = (column, row) reads the input at
 * {@code x' = a0 x + a1 y + a2}, {@code y' = b0 x + b1 y + b2}. Interpolation and fill follow
 * {@code jax.scipy.ndimage.map_coordinates}, which Keras 3's JAX and NumPy backends use: bilinear
 * weights go to the four integer neighbours of (x', y'), each neighbour's index is fixed by the
 * fill mode, and in "constant" mode a neighbour outside the image contributes {@code fill_value}
 * with its weight. Nearest interpolation rounds half to even, as {@code jnp.round} does.
 *
 * <p>The result is linear in the input pixels, so it records a backward rule: the gradient of
 * each output pixel goes back to the input pixels it was read from, with the same weights. No
 * gradient flows to the random parameters.
 */
final class ImageTransforms {
    private ImageTransforms() {}

    static final String IMAGE_LAYOUT = "(None, height, width, channels)";

    /** How points outside the input are filled, Keras's {@code fill_mode}. */
    enum FillMode {
        /** (d c b a | a b c d | d c b a): mirrored about the edge of the last pixel. */
        REFLECT,
        /** (a b c d | a b c d | a b c d). */
        WRAP,
        /** (k k k k | a b c d | k k k k) with k = fill_value. */
        CONSTANT,
        /** (a a a a | a b c d | d d d d). */
        NEAREST;

        String keras() {
            return name().toLowerCase(Locale.ROOT);
        }

        static FillMode parse(String owner, String mode) {
            for (FillMode m : values()) if (m.keras().equals(mode)) return m;
            throw new IllegalArgumentException(owner + ": fill_mode must be \"reflect\", \"wrap\", \"constant\" or \"nearest\", got "
                    + (mode == null ? "null" : "\"" + mode + "\""));
        }

        /** The index an integer position reads, or -1 for "constant" outside [0, size). */
        int fix(int index, int size) {
            if (index >= 0 && index < size) return index;
            return switch (this) {
                case CONSTANT -> -1;
                case NEAREST -> index < 0 ? 0 : size - 1;
                case WRAP -> Math.floorMod(index, size);
                // jax's _reflect_index_fixer: floor((mirror(2i + 1, 2n + 1) - 1) / 2)
                case REFLECT -> Math.floorDiv(mirror(2L * index + 1, 2L * size + 1) - 1, 2);
            };
        }

        /** The triangle wave |((i + s) mod 2s) - s| with s = size - 1: jax's _mirror_index_fixer. */
        private static int mirror(long index, long size) {
            long s = size - 1;
            return (int) Math.abs(Math.floorMod(index + s, 2 * s) - s);
        }
    }

    /** Keras's {@code interpolation}. */
    enum Interpolation {
        NEAREST, BILINEAR;

        String keras() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Interpolation parse(String owner, String name) {
            for (Interpolation i : values()) if (i.keras().equals(name)) return i;
            throw new IllegalArgumentException(owner + ": interpolation must be \"nearest\" or \"bilinear\", got "
                    + (name == null ? "null" : "\"" + name + "\""));
        }
    }

    /**
     * Resamples every image of x (batch, h, w, c) to (batch, outH, outW, c): output pixel (row i,
     * column j) of sample b reads x[b] at x' = m[b][0] j + m[b][1] i + m[b][2],
     * y' = m[b][3] j + m[b][4] i + m[b][5].
     */
    static Tensor affine(String op, Tensor x, double[][] m, int outH, int outW, Interpolation interp, FillMode fill, float fillValue) {
        int[] s = x.shape();
        int batch = s[0], h = s[1], w = s[2], c = s[3];
        if (m.length != batch) throw new IllegalArgumentException(op + ": " + m.length + " transforms for a batch of " + batch);
        int taps = interp == Interpolation.BILINEAR ? 4 : 1;
        int pixels = batch * outH * outW;
        int[] src = new int[pixels * taps];     // input pixel (b, y, x) as (b*h + y)*w + x, or -1
        float[] weight = new float[pixels * taps];
        float[] fillWeight = new float[pixels];  // total weight of neighbours filled with fillValue
        for (int b = 0; b < batch; b++) {
            double[] t = m[b];
            for (int i = 0; i < outH; i++) {
                for (int j = 0; j < outW; j++) {
                    int p = (b * outH + i) * outW + j;
                    double xs = t[0] * j + t[1] * i + t[2];
                    double ys = t[3] * j + t[4] * i + t[5];
                    if (interp == Interpolation.NEAREST) {
                        tap(src, weight, fillWeight, p, 0, b, h, w, fill, (long) Math.rint(ys), (long) Math.rint(xs), 1.0);
                    } else {
                        double x0 = Math.floor(xs), y0 = Math.floor(ys);
                        double fx = xs - x0, fy = ys - y0;
                        long xi = (long) x0, yi = (long) y0;
                        tap(src, weight, fillWeight, p, 0, b, h, w, fill, yi, xi, (1 - fy) * (1 - fx));
                        tap(src, weight, fillWeight, p, 1, b, h, w, fill, yi, xi + 1, (1 - fy) * fx);
                        tap(src, weight, fillWeight, p, 2, b, h, w, fill, yi + 1, xi, fy * (1 - fx));
                        tap(src, weight, fillWeight, p, 3, b, h, w, fill, yi + 1, xi + 1, fy * fx);
                    }
                }
            }
        }
        float[] in = x.toFloatArray();
        float[] out = new float[pixels * c];
        for (int p = 0; p < pixels; p++) {
            int o = p * c;
            if (fillWeight[p] != 0f) Arrays.fill(out, o, o + c, fillWeight[p] * fillValue);
            for (int k = p * taps; k < (p + 1) * taps; k++) {
                float wk = weight[k];
                if (src[k] < 0 || wk == 0f) continue;
                int from = src[k] * c;
                for (int ch = 0; ch < c; ch++) out[o + ch] += wk * in[from + ch];
            }
        }
        int inSize = batch * h * w * c;
        int[] inShape = s;
        // dx[src] += weight * g[out pixel], channel by channel
        return Tensor.fromOp(op, out, new int[]{batch, outH, outW, c}, new Tensor[]{x}, null, g -> {
            float[] gd = g.toFloatArray();
            float[] gx = new float[inSize];
            for (int p = 0; p < pixels; p++) {
                for (int k = p * taps; k < (p + 1) * taps; k++) {
                    float wk = weight[k];
                    if (src[k] < 0 || wk == 0f) continue;
                    int to = src[k] * c, from = p * c;
                    for (int ch = 0; ch < c; ch++) gx[to + ch] += wk * gd[from + ch];
                }
            }
            return new Tensor[]{Tensor.wrap(gx, inShape)};
        });
    }

    private static void tap(int[] src, float[] weight, float[] fillWeight, int p, int k, int b, int h, int w,
                            FillMode fill, long y, long x, double wgt) {
        int taps = src.length / fillWeight.length;
        int slot = p * taps + k;
        int yy = fill.fix(clampToInt(y), h), xx = fill.fix(clampToInt(x), w);
        if (yy < 0 || xx < 0) {
            src[slot] = -1;
            fillWeight[p] += (float) wgt;
        } else {
            src[slot] = (b * h + yy) * w + xx;
            weight[slot] = (float) wgt;
        }
    }

    /** Coordinates far outside the image stay far outside, without overflowing the index arithmetic. */
    private static int clampToInt(long v) {
        return (int) Math.max(-(1L << 29), Math.min(1L << 29, v));
    }

    // ------------------------------------------------------------------ shapes

    /** Fails unless the input (no batch axis) is (height, width, channels). */
    static void requireImage(Layer layer, int[] inputShape) {
        LayerUtils.requireRank(layer, inputShape, 3, IMAGE_LAYOUT);
    }

    /** Fails unless the tensor is a batch of images (batch, height, width, channels). */
    static void requireImageBatch(Layer layer, Tensor x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException(layer.describe() + ": expected images of shape " + IMAGE_LAYOUT + ", got "
                    + Shape.format(x.shape()));
        }
    }

    // ------------------------------------------------------------------ factors

    /**
     * A Keras factor range: one value f gives (-|f|, |f|), two values are sorted into (lower,
     * upper); every value must lie in [min, max].
     */
    static float[] symmetricRange(String owner, String what, float[] factor, float min, float max) {
        if (factor == null || factor.length < 1 || factor.length > 2) {
            throw new IllegalArgumentException(owner + ": " + what + " must be one number or (lower, upper), got "
                    + (factor == null ? "null" : Arrays.toString(factor)));
        }
        for (float f : factor) {
            if (!(f >= min && f <= max)) {
                throw new IllegalArgumentException(owner + ": " + what + " values must lie in [" + min + ", " + max + "], got "
                        + Arrays.toString(factor));
            }
        }
        if (factor.length == 1) return new float[]{-Math.abs(factor[0]), Math.abs(factor[0])};
        return new float[]{Math.min(factor[0], factor[1]), Math.max(factor[0], factor[1])};
    }

    /** (lower, upper) as a JSON-ready list. */
    static List<Object> pair(float[] range) {
        List<Object> l = new ArrayList<>(2);
        l.add((double) range[0]);
        l.add((double) range[1]);
        return l;
    }

    /** A factor from a config: a number or a list of one or two numbers. */
    static float[] readFactor(Map<String, Object> c, String key) {
        Object o = c.get(key);
        if (o instanceof Number n) return new float[]{n.floatValue()};
        if (o instanceof List<?> l && !l.isEmpty() && l.size() <= 2) {
            float[] r = new float[l.size()];
            for (int i = 0; i < r.length; i++) {
                if (!(l.get(i) instanceof Number n)) throw new IllegalArgumentException("config: '" + key + "' must be a number or two numbers, got " + o);
                r[i] = n.floatValue();
            }
            return r;
        }
        throw new IllegalArgumentException("config: '" + key + "' must be a number or two numbers, got " + o);
    }

    /** A sorted (low, high) pair from a config's "value_range", or the fallback. */
    static float[] readRange(Map<String, Object> c, String key, float[] fallback) {
        if (c.get(key) == null) return fallback;
        float[] r = readFactor(c, key);
        if (r.length != 2) throw new IllegalArgumentException("config: '" + key + "' must be two numbers, got " + c.get(key));
        return r;
    }

    /** Uniform in [lower, upper) from the training generator. */
    static double uniform(Rng rng, float[] range) {
        return range[0] + (range[1] - (double) range[0]) * rng.nextDouble();
    }

    /** The fill/interpolation keys that the geometric layers share. */
    static void putSampling(Map<String, Object> m, FillMode fill, Interpolation interp, float fillValue) {
        m.put("fill_mode", fill.keras());
        m.put("interpolation", interp.keras());
        m.put("fill_value", (double) fillValue);
        m.put("data_format", LayerUtils.CHANNELS_LAST);
    }

    static FillMode readFill(String owner, Map<String, Object> c) {
        return FillMode.parse(owner, Config.getString(c, "fill_mode", "reflect"));
    }

    static Interpolation readInterpolation(String owner, Map<String, Object> c) {
        return Interpolation.parse(owner, Config.getString(c, "interpolation", "bilinear"));
    }
}
