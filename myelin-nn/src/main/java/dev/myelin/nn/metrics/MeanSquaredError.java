package dev.myelin.nn.metrics;

import dev.myelin.core.Tensor;

/**
 * Keras's {@code MeanSquaredError} metric: the weighted mean over samples of mean((y - p)^2) over
 * each sample's values.
 *
 * <pre>{@code model.compile(new Adam(), new Huber(), new dev.myelin.nn.metrics.MeanSquaredError());}</pre>
 */
public final class MeanSquaredError extends WeightedMean {
    public MeanSquaredError() {
        this("mean_squared_error");
    }

    public MeanSquaredError(String name) {
        super(name);
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        int batch = MetricSupport.batch(name(), yPred);
        float[] y = MetricSupport.labels(name(), yTrue, yPred), p = yPred.toFloatArray();
        double[] e = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            double d = (double) p[i] - y[i];
            e[i] = d * d;
        }
        addRows(e, batch, MetricSupport.weights(name(), sampleWeight, batch));
    }

    @Override
    public Metric copy() {
        return new MeanSquaredError(name());
    }
}
