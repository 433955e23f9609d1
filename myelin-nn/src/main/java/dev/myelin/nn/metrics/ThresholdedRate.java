package dev.myelin.nn.metrics;

import dev.myelin.core.Tensor;

/**
 * The shared part of {@link Precision} and {@link Recall}: thresholded confusion counts, weighted
 * by sample weights, over every value or one class's column; subclasses give the ratio.
 */
abstract sealed class ThresholdedRate extends Metric permits Precision, Recall {
    final float threshold;
    final int classId;
    private final String name;
    final Confusion counts = new Confusion();

    /** {@code classId} -1 counts every class. */
    ThresholdedRate(float threshold, int classId, String name) {
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

    /** tp / (tp + other), or 0 when both are 0. */
    static double ratio(double tp, double other) {
        double d = tp + other;
        return d == 0 ? 0 : tp / d;
    }

    @Override
    public void reset() {
        counts.reset();
    }

    @Override
    public String name() {
        return name;
    }
}
