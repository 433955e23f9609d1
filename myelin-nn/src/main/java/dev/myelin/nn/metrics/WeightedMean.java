package dev.myelin.nn.metrics;

/**
 * The weighted mean of one value per sample, streamed over batches: the base of the accuracy and
 * error metrics (Keras's {@code MeanMetricWrapper}). A sample's value is the mean over its
 * positions; its weight is its sample weight (1 when none).
 */
abstract class WeightedMean extends Metric {
    private final String name;
    private double total, count;

    WeightedMean(String name) {
        MetricSupport.requireName(name);
        this.name = name;
    }

    /** Adds one sample's value with its weight. */
    final void add(double value, double weight) {
        total += value * weight;
        count += weight;
    }

    /** Adds per-element values laid out row-major as (batch, per): each sample's value is the mean of its row. */
    final void addRows(double[] values, int batch, double[] weights) {
        int per = batch == 0 ? 0 : values.length / batch;
        for (int b = 0; b < batch; b++) {
            double s = 0;
            for (int j = 0; j < per; j++) s += values[b * per + j];
            add(per == 0 ? 0 : s / per, weights[b]);
        }
    }

    /** The total weight seen so far. */
    final double count() {
        return count;
    }

    @Override
    public double result() {
        return count == 0 ? 0 : total / count;
    }

    @Override
    public void reset() {
        total = 0;
        count = 0;
    }

    @Override
    public String name() {
        return name;
    }
}
