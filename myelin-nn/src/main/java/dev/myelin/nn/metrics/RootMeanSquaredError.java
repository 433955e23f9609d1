package dev.myelin.nn.metrics;

import dev.myelin.core.Tensor;

/**
 * Keras's {@code RootMeanSquaredError}: sqrt of the weighted mean over samples of
 * mean((y - p)^2) over each sample's values (the root is taken once, over everything seen).
 *
 * <pre>{@code model.compile(new Adam(), new MeanSquaredError(), new RootMeanSquaredError());}</pre>
 */
public final class RootMeanSquaredError extends WeightedMean {
    public RootMeanSquaredError() {
        this("root_mean_squared_error");
    }

    public RootMeanSquaredError(String name) {
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
    public double result() {
        return Math.sqrt(super.result());
    }

    @Override
    public Metric copy() {
        return new RootMeanSquaredError(name());
    }
}
