package dev.myelin.nn.metrics;

import dev.myelin.core.Tensor;

/**
 * Keras's {@code MeanAbsoluteError} metric: the weighted mean over samples of mean(|y - p|) over
 * each sample's values.
 *
 * <pre>{@code model.compile(new Adam(), new MeanSquaredError(), new dev.myelin.nn.metrics.MeanAbsoluteError());}</pre>
 */
public final class MeanAbsoluteError extends WeightedMean {
    public MeanAbsoluteError() {
        this("mean_absolute_error");
    }

    public MeanAbsoluteError(String name) {
        super(name);
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        int batch = MetricSupport.batch(name(), yPred);
        float[] y = MetricSupport.labels(name(), yTrue, yPred), p = yPred.toFloatArray();
        double[] e = new double[p.length];
        for (int i = 0; i < p.length; i++) e[i] = Math.abs((double) p[i] - y[i]);
        addRows(e, batch, MetricSupport.weights(name(), sampleWeight, batch));
    }

    @Override
    public Metric copy() {
        return new MeanAbsoluteError(name());
    }
}
