package dev.myelin.nn.metrics;

/**
 * Keras's {@code Recall}: TP / (TP + FN), with a prediction positive when p > threshold and
 * counts weighted by sample weights; 0 before any positive label. Labels must be 0 or 1.
 * Multi-output predictions count every value (micro-averaged), or only {@code classId}'s column.
 *
 * <pre>{@code model.compile(new Adam(), new BinaryCrossentropy(), new Precision(), new Recall());}</pre>
 */
public final class Recall extends ThresholdedRate {

    public Recall() {
        this(0.5f);
    }

    public Recall(float threshold) {
        this(threshold, -1, "recall");
    }

    /** {@code classId} -1 counts every class. */
    public Recall(float threshold, int classId, String name) {
        super(threshold, classId, name);
    }

    @Override
    public double result() {
        return ratio(counts.tp, counts.fn);
    }

    @Override
    public Metric copy() {
        return new Recall(threshold, classId, name());
    }
}
