package dev.myelin.nn.metrics;

/**
 * Keras's {@code Precision}: TP / (TP + FP), with a prediction positive when p > threshold and
 * counts weighted by sample weights; 0 before any positive prediction. Labels must be 0 or 1.
 * Multi-output predictions count every value (micro-averaged), or only {@code classId}'s column.
 *
 * <pre>{@code model.compile(new Adam(), new BinaryCrossentropy(), new Precision(), new Recall());}</pre>
 */
public final class Precision extends ThresholdedRate {

    public Precision() {
        this(0.5f);
    }

    public Precision(float threshold) {
        this(threshold, -1, "precision");
    }

    /** {@code classId} -1 counts every class. */
    public Precision(float threshold, int classId, String name) {
        super(threshold, classId, name);
    }

    @Override
    public double result() {
        return ratio(counts.tp, counts.fp);
    }

    @Override
    public Metric copy() {
        return new Precision(threshold, classId, name());
    }
}
