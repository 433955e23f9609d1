package dev.myelin.nn.metrics;

import dev.myelin.core.Tensor;

/** Fraction of samples whose integer label equals the arg-max of the prediction. */
public final class SparseCategoricalAccuracy extends Metric {
    private final String name;
    private double correct, total;

    public SparseCategoricalAccuracy() {
        this("accuracy");
    }

    public SparseCategoricalAccuracy(String name) {
        this.name = name;
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        long[] pred = yPred.argmax(-1, false).toLongArray();
        float[] labels = yTrue.toFloatArray();
        float[] w = sampleWeight == null ? null : sampleWeight.toFloatArray();
        if (labels.length != pred.length) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels for " + pred.length + " predictions");
        }
        for (int i = 0; i < pred.length; i++) {
            double wi = w == null ? 1 : w[i];
            if (pred[i] == (long) labels[i]) correct += wi;
            total += wi;
        }
    }

    @Override
    public double result() {
        return total == 0 ? 0 : correct / total;
    }

    @Override
    public void reset() {
        correct = 0;
        total = 0;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Metric copy() {
        return new SparseCategoricalAccuracy(name);
    }
}
