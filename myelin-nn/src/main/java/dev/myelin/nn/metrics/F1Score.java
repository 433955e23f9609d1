package dev.myelin.nn.metrics;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

import java.util.Set;

/**
 * Keras's {@code F1Score}: 2 P R / (P + R) from weighted counts, for predictions (batch,) or
 * (batch, classes) with labels 0 or 1 of the same shape (one-hot or multi-label). A value is
 * predicted positive when p > threshold, or, with a null threshold, when it is its row's largest
 * (Keras's arg-max mode). {@code average} says how classes combine: "micro" pools the counts of
 * all classes (for one output, the binary F1), "macro" averages the per-class scores, "weighted"
 * weights them by each class's (weighted) number of positive labels. As Keras, P, R and F1 each
 * add 1e-7 to their denominators, so results sit within about 1e-6 of the exact ratio.
 * {@link #perClass()} gives Keras's {@code average=None} result.
 *
 * <pre>{@code model.compile(new Adam(), new CategoricalCrossentropy(), new F1Score("macro", null));}</pre>
 */
public final class F1Score extends Metric {
    private static final double EPSILON = 1e-7;
    private static final Set<String> AVERAGES = Set.of("micro", "macro", "weighted");

    private final String average;
    private final Float threshold;
    private final String name;
    private double[] tp, fp, fn, support;

    /** Binary or micro-averaged F1 at threshold 0.5. */
    public F1Score() {
        this("micro", 0.5f);
    }

    public F1Score(String average, Float threshold) {
        this(average, threshold, "f1_score");
    }

    /** {@code average} is "micro", "macro" or "weighted"; {@code threshold} in (0, 1], or null for arg-max. */
    public F1Score(String average, Float threshold, String name) {
        MetricSupport.requireName(name);
        if (!AVERAGES.contains(average)) {
            throw new IllegalArgumentException(name + ": average must be one of \"micro\", \"macro\", \"weighted\", got " + (average == null ? "null" : "\"" + average + "\""));
        }
        if (threshold != null && !(threshold > 0f && threshold <= 1f)) {
            throw new IllegalArgumentException(name + ": threshold must be in (0, 1] or null for arg-max, got " + threshold);
        }
        this.average = average;
        this.threshold = threshold;
        this.name = name;
    }

    public String average() {
        return average;
    }

    public Float threshold() {
        return threshold;
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        int batch = MetricSupport.batch(name, yPred);
        if (yPred.rank() > 2) {
            throw new IllegalArgumentException(name + ": expected predictions (batch,) or (batch, classes), got " + Shape.format(yPred.shape()));
        }
        float[] y = MetricSupport.labels(name, yTrue, yPred), p = yPred.toFloatArray();
        double[] w = MetricSupport.weights(name, sampleWeight, batch);
        int classes = yPred.rank() == 2 ? yPred.size(1) : 1;
        if (tp == null) {
            tp = new double[classes];
            fp = new double[classes];
            fn = new double[classes];
            support = new double[classes];
        } else if (tp.length != classes) {
            throw new IllegalArgumentException(name + ": predictions have " + classes + " classes, earlier batches had " + tp.length);
        }
        for (int b = 0; b < batch; b++) {
            float rowMax = Float.NEGATIVE_INFINITY;
            if (threshold == null) for (int c = 0; c < classes; c++) rowMax = Math.max(rowMax, p[b * classes + c]);
            for (int c = 0; c < classes; c++) {
                int i = b * classes + c;
                boolean positive = Confusion.requireBinary(name, y[i], i) == 1f;
                // arg-max mode keeps an all-zero row all negative, as Keras's |p| > 1e-9 test
                boolean predicted = threshold == null ? p[i] >= rowMax && Math.abs(p[i]) > 1e-9f : p[i] > threshold;
                if (predicted && positive) tp[c] += w[b];
                else if (predicted) fp[c] += w[b];
                else if (positive) fn[c] += w[b];
                if (positive) support[c] += w[b];
            }
        }
    }

    private static double f1(double tp, double fp, double fn) {
        double precision = tp / (tp + fp + EPSILON), recall = tp / (tp + fn + EPSILON);
        return 2 * precision * recall / (precision + recall + EPSILON);
    }

    /** The F1 score of each class (Keras's {@code average=None}); empty before any update. */
    public double[] perClass() {
        if (tp == null) return new double[0];
        double[] f = new double[tp.length];
        for (int c = 0; c < f.length; c++) f[c] = f1(tp[c], fp[c], fn[c]);
        return f;
    }

    @Override
    public double result() {
        if (tp == null) return 0;
        switch (average) {
            case "micro" -> {
                double t = 0, f = 0, n = 0;
                for (int c = 0; c < tp.length; c++) {
                    t += tp[c];
                    f += fp[c];
                    n += fn[c];
                }
                return f1(t, f, n);
            }
            case "macro" -> {
                double s = 0;
                for (double v : perClass()) s += v;
                return s / tp.length;
            }
            default -> { // weighted by support
                double total = 0, s = 0;
                for (double v : support) total += v;
                double[] f = perClass();
                for (int c = 0; c < f.length; c++) s += f[c] * support[c] / (total + EPSILON);
                return s;
            }
        }
    }

    @Override
    public void reset() {
        tp = fp = fn = support = null;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Metric copy() {
        return new F1Score(average, threshold, name);
    }
}
