package dev.myelin.nn.metrics;

import dev.myelin.core.Tensor;

/**
 * Keras's {@code BinaryAccuracy}: the weighted fraction of values where (p > threshold) equals the
 * label (0 or 1), each sample scoring the mean over its values. Labels (batch,) fit predictions
 * (batch, 1). For logits use threshold 0 (sigmoid(x) > 0.5 exactly when x > 0).
 *
 * <pre>{@code model.compile(new Adam(), new BinaryCrossentropy(), new BinaryAccuracy());}</pre>
 */
public final class BinaryAccuracy extends WeightedMean {
    private final float threshold;

    public BinaryAccuracy() {
        this("binary_accuracy", 0.5f);
    }

    public BinaryAccuracy(float threshold) {
        this("binary_accuracy", threshold);
    }

    public BinaryAccuracy(String name, float threshold) {
        super(name);
        if (Float.isNaN(threshold)) throw new IllegalArgumentException(name + ": threshold must be a number, got NaN");
        this.threshold = threshold;
    }

    public float threshold() {
        return threshold;
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        int batch = MetricSupport.batch(name(), yPred);
        float[] y = MetricSupport.labels(name(), yTrue, yPred), p = yPred.toFloatArray();
        double[] w = MetricSupport.weights(name(), sampleWeight, batch);
        double[] hit = new double[p.length];
        for (int i = 0; i < p.length; i++) hit[i] = (p[i] > threshold ? 1f : 0f) == y[i] ? 1 : 0;
        addRows(hit, batch, w);
    }

    @Override
    public Metric copy() {
        return new BinaryAccuracy(name(), threshold);
    }
}
