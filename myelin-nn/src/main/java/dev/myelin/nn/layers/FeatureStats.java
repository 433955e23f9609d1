package dev.myelin.nn.layers;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Layer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the adapted preprocessing layers ({@link Normalization}, {@link MinMaxScaling}) share:
 * Keras's "kept" feature axes, and per-feature statistics accumulated in double over batches of
 * data, so adapting on data that arrives in pieces gives the statistics of the whole.
 *
 * <p>Moments merge batch by batch with Chan et al.'s parallel update: each batch's mean and sum of
 * squared deviations are computed in two passes, then combined as
 * {@code M2 = M2a + M2b + delta^2 * na * nb / n} with {@code delta = meanB - meanA}, which does not
 * lose precision on data with a large mean, as the one-pass {@code E[x^2] - E[x]^2} does.
 */
final class FeatureStats {
    private FeatureStats() {}

    /**
     * Keras's {@code axis} for these layers: axes counted with the batch axis as 0 (negative from
     * the end) resolved to positions in the input shape without the batch axis, sorted. Every kept
     * axis must have a known size.
     */
    static int[] keptAxes(Layer layer, int[] axis, int[] inputShape) {
        int rank = inputShape.length + 1;
        int[] keep = new int[axis.length];
        for (int i = 0; i < axis.length; i++) {
            int a = axis[i] < 0 ? axis[i] + rank : axis[i];
            if (a < 1 || a >= rank) {
                throw new IllegalArgumentException(layer.describe() + ": axis " + axis[i] + " is out of range for input "
                        + Layer.withBatch(inputShape) + (a == 0 ? " (the batch axis cannot be a feature axis)" : ""));
            }
            keep[i] = a - 1;
        }
        Arrays.sort(keep);
        for (int i = 1; i < keep.length; i++) {
            if (keep[i] == keep[i - 1]) throw new IllegalArgumentException(layer.describe() + ": axis " + Arrays.toString(axis) + " repeats an axis");
        }
        for (int k : keep) {
            if (inputShape[k] < 0) {
                throw new IllegalArgumentException(layer.describe() + ": feature axis " + (k + 1) + " of input " + Layer.withBatch(inputShape)
                        + " must have a known size");
            }
        }
        return keep;
    }

    /** The sizes of the kept axes: the shape of the statistics. */
    static int[] keptShape(int[] inputShape, int[] keep) {
        int[] s = new int[keep.length];
        for (int i = 0; i < keep.length; i++) s[i] = inputShape[keep[i]];
        return s;
    }

    /** (1, ..., size on kept axes, ..., 1) with the batch axis: the statistics' broadcast shape. */
    static int[] broadcastShape(int[] inputShape, int[] keep) {
        int[] b = new int[inputShape.length + 1];
        Arrays.fill(b, 1);
        for (int k : keep) b[k + 1] = inputShape[k];
        return b;
    }

    /** Fails unless x (batch axis first) has the built rank and the built sizes on the kept axes. */
    static void checkFeatures(Layer layer, String what, int[] built, int[] keep, int[] shapeWithBatch) {
        boolean ok = shapeWithBatch.length == built.length + 1;
        for (int i = 0; ok && i < keep.length; i++) ok = shapeWithBatch[keep[i] + 1] == built[keep[i]];
        if (!ok) {
            StringBuilder axes = new StringBuilder();
            for (int k : keep) axes.append(axes.isEmpty() ? "" : ", ").append(k + 1);
            throw new IllegalArgumentException(layer.describe() + ": " + what + " of shape " + Shape.format(shapeWithBatch)
                    + " does not fit the layer, built for " + Layer.withBatch(built)
                    + (keep.length == 0 ? "" : " with features on axis " + axes));
        }
    }

    /** Per-feature count, mean, sum of squared deviations, minimum and maximum, in double. */
    static final class Accumulator {
        final int features;
        long count;
        final double[] mean, m2, min, max;

        Accumulator(int features) {
            this.features = features;
            mean = new double[features];
            m2 = new double[features];
            min = new double[features];
            max = new double[features];
            Arrays.fill(min, Double.POSITIVE_INFINITY);
            Arrays.fill(max, Double.NEGATIVE_INFINITY);
        }

        /** Adds a batch (batch axis first) whose kept axes are {@code keep} (positions without the batch axis). */
        void add(Tensor batch, int[] keep) {
            int rank = batch.rank();
            int[] order = new int[rank];
            boolean[] kept = new boolean[rank];
            for (int k : keep) kept[k + 1] = true;
            int o = 0;
            for (int a = 0; a < rank; a++) if (!kept[a]) order[o++] = a;
            for (int k : keep) order[o++] = k + 1;
            float[] v = batch.toFloat().permute(order).toFloatArray(); // (rows, features), features last
            int rows = features == 0 ? 0 : v.length / features;
            if (rows == 0) return;
            double[] bm = new double[features], bm2 = new double[features];
            for (int r = 0; r < rows; r++) {
                int off = r * features;
                for (int f = 0; f < features; f++) {
                    double x = v[off + f];
                    bm[f] += x;
                    if (x < min[f]) min[f] = x;
                    if (x > max[f]) max[f] = x;
                }
            }
            for (int f = 0; f < features; f++) bm[f] /= rows;
            for (int r = 0; r < rows; r++) {
                int off = r * features;
                for (int f = 0; f < features; f++) {
                    double d = v[off + f] - bm[f];
                    bm2[f] += d * d;
                }
            }
            long n = count + rows;
            for (int f = 0; f < features; f++) {
                double delta = bm[f] - mean[f];
                mean[f] += delta * rows / n;
                m2[f] += bm2[f] + delta * delta * ((double) count * rows / n);
            }
            count = n;
        }

        /** Population variance (dividing by n), as Keras's adapt computes it. */
        double[] variance() {
            double[] v = new double[features];
            for (int f = 0; f < features; f++) v[f] = count == 0 ? 0 : m2[f] / count;
            return v;
        }
    }

    /**
     * Runs every batch through the accumulator: the first builds the layer if needed, and each must
     * fit the layer's kept axes. Returns the accumulator.
     */
    static Accumulator accumulate(Layer layer, Iterable<Tensor> batches, Adaptable target) {
        Accumulator acc = null;
        for (Tensor b : batches) {
            if (b == null) throw new IllegalArgumentException(layer.describe() + ": adapt got a null batch");
            int[] s = b.shape();
            if (s.length == 0) throw new IllegalArgumentException(layer.describe() + ": adapt needs data with a batch axis, got a scalar");
            if (!layer.isBuilt()) layer.ensureBuilt(Arrays.copyOfRange(s, 1, s.length));
            checkFeatures(layer, "adapt data", layer.builtInputShapes().get(0), target.keptAxes(), s);
            if (acc == null) acc = new Accumulator(Shape.numel(target.statisticsShape()));
            acc.add(b, target.keptAxes());
        }
        if (acc == null || acc.count == 0) throw new IllegalArgumentException(layer.describe() + ": adapt got no data");
        return acc;
    }

    /** What {@link #accumulate} needs to know of the layer once it is built. */
    interface Adaptable {
        int[] keptAxes();

        int[] statisticsShape();
    }

    /** Floats from a config value: a number, or a (nested) list of numbers flattened row-major; null stays null. */
    static float[] readValues(Map<String, Object> c, String key) {
        Object o = c.get(key);
        if (o == null) return null;
        List<Float> out = new ArrayList<>();
        flatten(key, o, out);
        float[] r = new float[out.size()];
        for (int i = 0; i < r.length; i++) r[i] = out.get(i);
        return r;
    }

    private static void flatten(String key, Object o, List<Float> out) {
        if (o instanceof Number n) {
            out.add(n.floatValue());
        } else if (o instanceof List<?> l) {
            for (Object e : l) flatten(key, e, out);
        } else {
            throw new IllegalArgumentException("config: '" + key + "' must be numbers, got " + o);
        }
    }

    /** Float values as a JSON-ready list of doubles. */
    static List<Object> list(float[] values) {
        List<Object> l = new ArrayList<>(values.length);
        for (float v : values) l.add((double) v);
        return l;
    }

    /** A double array as a float32 tensor of the given shape. */
    static Tensor tensor(double[] values, int[] shape) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
        return Tensor.of(f).reshape(shape);
    }
}
