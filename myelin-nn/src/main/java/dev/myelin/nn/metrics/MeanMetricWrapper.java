package dev.myelin.nn.metrics;

import dev.myelin.core.GradMode;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

import java.util.function.BiFunction;

/**
 * Keras's {@code MeanMetricWrapper}: streams the weighted mean of a function of (labels,
 * predictions) that gives values of shape (batch, ...), each sample scoring the mean of its
 * values. Any loss's per-sample value makes a metric this way. The function runs without autograd
 * and must hold no state, since {@link #copy()} shares it.
 *
 * <pre>{@code Metric bce = new MeanMetricWrapper("binary_crossentropy", new BinaryCrossentropy()::perSample);}</pre>
 */
public final class MeanMetricWrapper extends WeightedMean {
    private final BiFunction<Tensor, Tensor, Tensor> fn;

    public MeanMetricWrapper(String name, BiFunction<Tensor, Tensor, Tensor> fn) {
        super(name);
        if (fn == null) throw new IllegalArgumentException(name + ": function must not be null");
        this.fn = fn;
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        int batch = MetricSupport.batch(name(), yPred);
        Tensor values;
        try (var ignored = GradMode.noGrad()) {
            values = fn.apply(yTrue, yPred);
        }
        if (values.rank() == 0 || values.size(0) != batch) {
            throw new IllegalArgumentException(name() + ": the function gave values of shape " + Shape.format(values.shape())
                    + " for a batch of " + batch + "; expected shape (" + batch + ", ...)");
        }
        float[] v = values.toFloatArray();
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        addRows(d, batch, MetricSupport.weights(name(), sampleWeight, batch));
    }

    @Override
    public Metric copy() {
        return new MeanMetricWrapper(name(), fn);
    }
}
