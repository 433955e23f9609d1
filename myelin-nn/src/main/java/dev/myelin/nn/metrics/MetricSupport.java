package dev.myelin.nn.metrics;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

import java.util.Arrays;

/** Shape checks and array views shared by the metrics, with errors that name the metric and both shapes. */
final class MetricSupport {
    private MetricSupport() {}

    /** The batch size: axis 0 of the predictions. */
    static int batch(String metric, Tensor yPred) {
        if (yPred.rank() == 0) throw new IllegalArgumentException(metric + ": predictions need a batch axis, got a scalar of shape ()");
        return yPred.size(0);
    }

    /**
     * The labels as floats in the predictions' row-major layout. As Keras's
     * {@code squeeze_or_expand_to_same_rank}, shapes that differ only by one trailing axis of size 1
     * match ((batch,) labels for (batch, 1) predictions).
     */
    static float[] labels(String metric, Tensor yTrue, Tensor yPred) {
        batch(metric, yPred);
        int[] t = yTrue.shape(), p = yPred.shape();
        if (!Shape.equal(t, p) && !differByTrailingOne(t, p)) {
            throw new IllegalArgumentException(metric + ": labels of shape " + Shape.format(t) + " do not match predictions of shape "
                    + Shape.format(p) + "; expected labels of shape " + Shape.format(p));
        }
        return yTrue.toFloatArray();
    }

    static boolean differByTrailingOne(int[] a, int[] b) {
        int[] longer = a.length > b.length ? a : b, shorter = a.length > b.length ? b : a;
        if (longer.length != shorter.length + 1 || longer[longer.length - 1] != 1) return false;
        for (int i = 0; i < shorter.length; i++) if (longer[i] != shorter[i]) return false;
        return true;
    }

    /** One weight per sample: 1s when {@code sampleWeight} is null, else its values, shape (batch,) or (batch, 1). */
    static double[] weights(String metric, Tensor sampleWeight, int batch) {
        double[] w = new double[batch];
        if (sampleWeight == null) {
            Arrays.fill(w, 1.0);
            return w;
        }
        int[] s = sampleWeight.shape();
        boolean ok = (s.length == 1 && s[0] == batch) || (s.length == 2 && s[0] == batch && s[1] == 1);
        if (!ok) {
            throw new IllegalArgumentException(metric + ": sample weights of shape " + Shape.format(s) + " do not fit a batch of " + batch
                    + "; expected shape (" + batch + ",)");
        }
        float[] v = sampleWeight.toFloatArray();
        for (int i = 0; i < batch; i++) {
            if (Float.isNaN(v[i])) throw new IllegalArgumentException(metric + ": sample weight " + i + " is NaN");
            w[i] = v[i];
        }
        return w;
    }

    /**
     * Class ids for predictions (batch, ..., classes): labels of shape (batch, ...) or
     * (batch, ..., 1), whole numbers in [0, classes). One-hot labels get a pointer to the
     * categorical metric.
     */
    static int[] classIds(String metric, Tensor yTrue, Tensor yPred, String oneHotAlternative) {
        int[] ps = yPred.shape(), ts = yTrue.shape();
        if (ps.length < 2) {
            throw new IllegalArgumentException(metric + ": predictions must be (batch, classes), got " + Shape.format(ps));
        }
        int classes = ps[ps.length - 1];
        int[] ids = Arrays.copyOf(ps, ps.length - 1);
        int[] idsOne = Arrays.copyOf(ps, ps.length);
        idsOne[ps.length - 1] = 1;
        if (!Shape.equal(ts, ids) && !Shape.equal(ts, idsOne)) {
            String hint = classes > 1 && Shape.equal(ts, ps) ? "; labels of the predictions' shape look one-hot: use " + oneHotAlternative : "";
            throw new IllegalArgumentException(metric + ": labels of shape " + Shape.format(ts) + " do not fit predictions of shape "
                    + Shape.format(ps) + ": expected integer class ids of shape " + Shape.format(ids) + " or " + Shape.format(idsOne) + hint);
        }
        float[] v = yTrue.toFloatArray();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            float l = v[i];
            if (l != Math.rint(l) || l < 0 || l >= classes) {
                throw new IllegalArgumentException(metric + ": label " + l + " at position " + i + " is not a class id in [0, " + classes + ")");
            }
            out[i] = (int) l;
        }
        return out;
    }

    /** Index of the largest of {@code n} values from {@code off}; the first at ties, NaN counts as largest (as argmax). */
    static int argmax(float[] v, int off, int n) {
        int best = 0;
        float bv = v[off];
        for (int i = 1; i < n && !Float.isNaN(bv); i++) {
            float x = v[off + i];
            if (Float.isNaN(x) || x > bv) {
                bv = x;
                best = i;
            }
        }
        return best;
    }

    /** Whether class {@code target} is among the k highest of the row: 1 + #(scores strictly above it) <= k, as Keras's in_top_k. */
    static boolean inTopK(float[] v, int off, int n, int target, int k) {
        float t = v[off + target];
        if (Float.isNaN(t)) t = Float.NEGATIVE_INFINITY; // NaN is not a large score
        int above = 0;
        for (int i = 0; i < n; i++) if (v[off + i] > t) above++;
        return 1 + above <= k;
    }

    static void requireName(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("metric name must be non-empty, got '" + name + "'");
    }
}
