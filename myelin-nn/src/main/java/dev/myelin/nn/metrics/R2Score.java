package dev.myelin.nn.metrics;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

import java.util.Set;

/**
 * Keras's {@code R2Score}, the coefficient of determination: for each output column,
 * 1 - SS_res / SS_tot with SS_res = sum w (y - p)^2 and SS_tot = sum w (y - mean_w(y))^2, over
 * everything seen; columns combine by "uniform_average" or "variance_weighted_average" (weights
 * SS_tot). With {@code numRegressors} p > 0 it is adjusted: 1 - (1 - R2)(n - 1)/(n - p - 1), n
 * the number of samples (falling back to plain R2 when n - p - 1 <= 0, as Keras does). As Keras,
 * a column with SS_tot = 0 scores 0 when SS_res > 0 and NaN when both are 0. The sums stream with
 * Chan's pairwise update, so a large mean does not cancel the variance away.
 *
 * <pre>{@code model.compile(new Adam(), new MeanSquaredError(), new R2Score());}</pre>
 */
public final class R2Score extends Metric {
    private static final Set<String> AGGREGATIONS = Set.of("uniform_average", "variance_weighted_average");

    private final String classAggregation;
    private final int numRegressors;
    private final String name;
    // per output column: total weight, weighted mean of y, sum w (y - mean)^2, sum w (y - p)^2
    private double[] weight, mean, m2, sse;
    private long samples;

    public R2Score() {
        this("uniform_average", 0, "r2_score");
    }

    public R2Score(String classAggregation, int numRegressors, String name) {
        MetricSupport.requireName(name);
        if (!AGGREGATIONS.contains(classAggregation)) {
            throw new IllegalArgumentException(name + ": class aggregation must be \"uniform_average\" or \"variance_weighted_average\", got "
                    + (classAggregation == null ? "null" : "\"" + classAggregation + "\""));
        }
        if (numRegressors < 0) throw new IllegalArgumentException(name + ": numRegressors must be >= 0, got " + numRegressors);
        this.classAggregation = classAggregation;
        this.numRegressors = numRegressors;
        this.name = name;
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        int batch = MetricSupport.batch(name, yPred);
        if (yPred.rank() > 2) {
            throw new IllegalArgumentException(name + ": expected predictions (batch,) or (batch, outputs), got " + Shape.format(yPred.shape()));
        }
        float[] y = MetricSupport.labels(name, yTrue, yPred), p = yPred.toFloatArray();
        double[] w = MetricSupport.weights(name, sampleWeight, batch);
        int outputs = yPred.rank() == 2 ? yPred.size(1) : 1;
        if (weight == null) {
            weight = new double[outputs];
            mean = new double[outputs];
            m2 = new double[outputs];
            sse = new double[outputs];
        } else if (weight.length != outputs) {
            throw new IllegalArgumentException(name + ": predictions have " + outputs + " outputs, earlier batches had " + weight.length);
        }
        for (int c = 0; c < outputs; c++) {
            // this batch's weighted mean and sum of squared deviations, then Chan's merge
            double wb = 0, sb = 0;
            for (int b = 0; b < batch; b++) {
                wb += w[b];
                sb += w[b] * y[b * outputs + c];
            }
            if (wb == 0) continue;
            double mb = sb / wb, m2b = 0;
            for (int b = 0; b < batch; b++) {
                double d = y[b * outputs + c] - mb, e = (double) y[b * outputs + c] - p[b * outputs + c];
                m2b += w[b] * d * d;
                sse[c] += w[b] * e * e;
            }
            double wa = weight[c], total = wa + wb, delta = mb - mean[c];
            mean[c] += delta * wb / total;
            m2[c] += m2b + delta * delta * wa * wb / total;
            weight[c] = total;
        }
        samples += batch;
    }

    /** R2 of each output column (Keras's {@code class_aggregation=None}), not adjusted; empty before any update. */
    public double[] perOutput() {
        if (weight == null) return new double[0];
        double[] r = new double[weight.length];
        for (int c = 0; c < r.length; c++) {
            double v = 1 - sse[c] / m2[c];
            r[c] = Double.isInfinite(v) ? 0 : v;
        }
        return r;
    }

    @Override
    public double result() {
        if (weight == null) return 0;
        double[] raw = perOutput();
        double r2 = 0;
        if (classAggregation.equals("uniform_average")) {
            for (double v : raw) r2 += v / raw.length;
        } else {
            double total = 0;
            for (double v : m2) total += v;
            for (int c = 0; c < raw.length; c++) r2 += raw[c] * m2[c] / total;
        }
        if (numRegressors > 0 && samples - numRegressors - 1 > 0) {
            r2 = 1 - (1 - r2) * (samples - 1) / (double) (samples - numRegressors - 1);
        }
        return r2;
    }

    @Override
    public void reset() {
        weight = mean = m2 = sse = null;
        samples = 0;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Metric copy() {
        return new R2Score(classAggregation, numRegressors, name);
    }
}
