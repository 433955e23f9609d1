package dev.myelin.nn.metrics;

import dev.myelin.core.Tensor;

import java.util.Arrays;

/**
 * Keras's {@code AUC}: the area under the ROC or precision-recall curve, approximated from weighted
 * confusion counts at {@code numThresholds} fixed thresholds, as Keras does: -1e-7,
 * 1/(n-1), ..., (n-2)/(n-1), 1 + 1e-7, a value being positive when p > threshold. The area is a
 * Riemann sum over consecutive thresholds: "interpolation" (trapezoids for ROC; for PR the
 * careful interpolation of Davis and Goadrich 2006, as Keras), "minoring" or "majoring" (the
 * lower or higher end of each step). Every value of the predictions counts as one binary decision
 * (Keras's {@code multi_label=false}). Labels lie in [0, 1]: a soft label y counts y as positive
 * and 1 - y as negative, as Keras's default (evenly spaced) thresholds do. Predictions must lie in
 * [0, 1]; with {@code fromLogits} a sigmoid maps raw scores there first. Before both a positive and
 * a negative have been seen, the ROC area is 0.
 *
 * <p>Discretisation: scores that fall between the same two thresholds count as tied, so the ROC
 * area differs from the exact one (the Mann-Whitney statistic) by at most
 * sum over threshold intervals of pos_i * neg_i / (2 P N); none when no interval holds both classes.
 *
 * <pre>{@code model.compile(new Adam(), new BinaryCrossentropy(), new AUC(), new AUC(AUC.Curve.PR, "pr_auc"));}</pre>
 */
public final class AUC extends Metric {
    /** Which curve: receiver operating characteristic (TPR against FPR) or precision against recall. */
    public enum Curve { ROC, PR }

    /** How each step between thresholds is summed. */
    public enum Summation { INTERPOLATION, MINORING, MAJORING }

    private static final float EPSILON = 1e-7f;

    private final int numThresholds;
    private final Curve curve;
    private final Summation summation;
    private final boolean fromLogits;
    private final String name;
    private final float[] thresholds;
    private final double[] tp, fp, tn, fn;

    /** ROC AUC over 200 thresholds, named "auc". */
    public AUC() {
        this(200, Curve.ROC, Summation.INTERPOLATION, false, "auc");
    }

    public AUC(Curve curve, String name) {
        this(200, curve, Summation.INTERPOLATION, false, name);
    }

    public AUC(int numThresholds, Curve curve, Summation summation, boolean fromLogits, String name) {
        MetricSupport.requireName(name);
        if (numThresholds < 2) throw new IllegalArgumentException(name + ": numThresholds must be at least 2, got " + numThresholds);
        if (curve == null || summation == null) throw new IllegalArgumentException(name + ": curve and summation must not be null");
        this.numThresholds = numThresholds;
        this.curve = curve;
        this.summation = summation;
        this.fromLogits = fromLogits;
        this.name = name;
        thresholds = new float[numThresholds];
        thresholds[0] = -EPSILON;
        for (int i = 1; i < numThresholds - 1; i++) thresholds[i] = (float) (i / (double) (numThresholds - 1));
        thresholds[numThresholds - 1] = 1f + EPSILON;
        tp = new double[numThresholds];
        fp = new double[numThresholds];
        tn = new double[numThresholds];
        fn = new double[numThresholds];
    }

    /** The thresholds, ascending. */
    public float[] thresholds() {
        return thresholds.clone();
    }

    public Curve curve() {
        return curve;
    }

    public Summation summation() {
        return summation;
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        int batch = MetricSupport.batch(name, yPred);
        float[] y = MetricSupport.labels(name, yTrue, yPred), p = yPred.toFloatArray();
        double[] w = MetricSupport.weights(name, sampleWeight, batch);
        int n = numThresholds, per = batch == 0 ? 0 : p.length / batch;
        // pos[k], neg[k]: weight of values above exactly k thresholds (k = 0..n)
        double[] pos = new double[n + 1], neg = new double[n + 1];
        for (int i = 0; i < p.length; i++) {
            float yi = y[i];
            if (!(yi >= 0f && yi <= 1f)) {
                throw new IllegalArgumentException(name + ": label " + yi + " at position " + i + " is not in [0, 1]");
            }
            float pi = fromLogits ? (float) (1 / (1 + Math.exp(-(double) p[i]))) : p[i];
            if (!(pi >= 0f && pi <= 1f)) {
                throw new IllegalArgumentException(name + ": prediction " + p[i] + " at position " + i + " is not a probability in [0, 1]"
                        + (fromLogits ? "" : "; for raw scores (logits) construct the AUC with fromLogits = true"));
            }
            int k = above(pi);
            double wi = w[i / per];
            pos[k] += yi * wi;
            neg[k] += (1 - yi) * wi;
        }
        // threshold t calls a value positive when it lies above more than t thresholds
        double posBelow = 0, negBelow = 0, posTotal = 0, negTotal = 0;
        for (int k = 0; k <= n; k++) {
            posTotal += pos[k];
            negTotal += neg[k];
        }
        for (int t = 0; t < n; t++) {
            posBelow += pos[t];
            negBelow += neg[t];
            fn[t] += posBelow;
            tn[t] += negBelow;
            tp[t] += posTotal - posBelow;
            fp[t] += negTotal - negBelow;
        }
    }

    /** How many thresholds lie strictly below p. */
    private int above(float p) {
        int i = Arrays.binarySearch(thresholds, p);
        if (i < 0) return -i - 1; // insertion point: thresholds[0..ip) < p
        while (i > 0 && thresholds[i - 1] == p) i--; // p equal to a threshold is not above it
        return i;
    }

    private static double ratio(double a, double b) {
        return b == 0 ? 0 : a / b; // Keras's divide_no_nan
    }

    @Override
    public double result() {
        int n = numThresholds;
        if (curve == Curve.PR && summation == Summation.INTERPOLATION) return carefulPrAuc();
        double[] x = new double[n], h = new double[n];
        for (int t = 0; t < n; t++) {
            double recall = ratio(tp[t], tp[t] + fn[t]);
            if (curve == Curve.ROC) {
                x[t] = ratio(fp[t], fp[t] + tn[t]);
                h[t] = recall;
            } else {
                x[t] = recall;
                h[t] = ratio(tp[t], tp[t] + fp[t]);
            }
        }
        double area = 0;
        for (int t = 0; t < n - 1; t++) {
            double height = switch (summation) {
                case INTERPOLATION -> (h[t] + h[t + 1]) / 2;
                case MINORING -> Math.min(h[t], h[t + 1]);
                case MAJORING -> Math.max(h[t], h[t + 1]);
            };
            area += (x[t] - x[t + 1]) * height;
        }
        return area;
    }

    /**
     * PR area with precision interpolated as TP and P = TP + FP vary linearly between thresholds A
     * and B: precision = (TP_A + slope (P - P_A)) / P with slope = dTP / dP, whose integral over P
     * is dTP + intercept log(P_A / P_B), intercept = TP_B - slope P_B; each piece is divided by the
     * positives' total weight.
     */
    private double carefulPrAuc() {
        double area = 0;
        for (int t = 0; t < numThresholds - 1; t++) {
            double dtp = tp[t] - tp[t + 1];
            double pA = tp[t] + fp[t], pB = tp[t + 1] + fp[t + 1];
            double slope = ratio(dtp, Math.max(pA - pB, 0));
            double intercept = tp[t + 1] - slope * pB;
            double pRatio = pA > 0 && pB > 0 ? ratio(pA, Math.max(pB, 0)) : 1;
            area += ratio(slope * (dtp + intercept * Math.log(pRatio)), Math.max(tp[t + 1] + fn[t + 1], 0));
        }
        return area;
    }

    @Override
    public void reset() {
        Arrays.fill(tp, 0);
        Arrays.fill(fp, 0);
        Arrays.fill(tn, 0);
        Arrays.fill(fn, 0);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Metric copy() {
        return new AUC(numThresholds, curve, summation, fromLogits, name);
    }
}
