package dev.myelin.nn.metrics;

import dev.myelin.core.Tensor;

/**
 * Keras's {@code Recall}: TP / (TP + FN), with a prediction positive when p > threshold and
 * counts weighted by sample weights; 0 before any positive label. Labels must be 0 or 1.
 * Multi-output predictions count every value (micro-averaged), or only {@code classId}'s column.
 *
 * <pre>{@code model.compile(new Adam(), new BinaryCrossentropy(), new Precision(), new Recall());}</pre>
 */
public final class Recall extends Metric {
    private final float threshold;
    private final int classId;
    private final String name;
    private final Confusion counts = new Confusion();

    public Recall() {
        this(0.5f);
    }

    public Recall(float threshold) {
        this(threshold, -1, "recall");
    }

    /** {@code classId} -1 counts every class. */
    public Recall(float threshold, int classId, String name) {
        MetricSupport.requireName(name);
        Confusion.requireThreshold(name, threshold);
        if (classId < -1) throw new IllegalArgumentException(name + ": class id must be -1 (all) or a class index, got " + classId);
        this.threshold = threshold;
        this.classId = classId;
        this.name = name;
    }

    public float threshold() {
        return threshold;
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        counts.update(name, yTrue, yPred, sampleWeight, threshold, classId);
    }

    @Override
    public double result() {
        double d = counts.tp + counts.fn;
        return d == 0 ? 0 : counts.tp / d;
    }

    @Override
    public void reset() {
        counts.reset();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Metric copy() {
        return new Recall(threshold, classId, name);
    }
}
