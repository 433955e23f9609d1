package dev.myelin.nn.metrics;

import dev.myelin.core.Tensor;

/**
 * "accuracy" resolved from the first batch's shapes, by Keras's compile rule: a last prediction
 * axis of 1 (or rank-1 predictions) is binary; labels of lower rank, or a last label axis of 1
 * against several classes, are sparse; anything else is categorical.
 */
final class AutoAccuracy extends Metric {
    private final String name;
    private Metric resolved;

    AutoAccuracy(String name) {
        MetricSupport.requireName(name);
        this.name = name;
    }

    static Metric forShapes(String name, int[] labels, int[] predictions) {
        int pLast = predictions.length == 0 ? 1 : predictions[predictions.length - 1];
        int tLast = labels.length == 0 ? 1 : labels[labels.length - 1];
        if (predictions.length <= 1 || pLast == 1) return new BinaryAccuracy(name, 0.5f);
        if (labels.length < predictions.length || (tLast == 1 && pLast > 1)) return new SparseCategoricalAccuracy(name);
        return new CategoricalAccuracy(name);
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        if (resolved == null) resolved = forShapes(name, yTrue.shape(), yPred.shape());
        resolved.update(yTrue, yPred, sampleWeight);
    }

    @Override
    public double result() {
        return resolved == null ? 0 : resolved.result();
    }

    @Override
    public void reset() {
        if (resolved != null) resolved.reset();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Metric copy() {
        return new AutoAccuracy(name);
    }
}
