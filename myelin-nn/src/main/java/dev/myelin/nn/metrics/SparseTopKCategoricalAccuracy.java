package dev.myelin.nn.metrics;

import dev.myelin.core.Tensor;

/**
 * Keras's {@code SparseTopKCategoricalAccuracy}: the weighted fraction of samples whose integer
 * label is among the k highest predictions (ties at the boundary count as hits, as Keras's
 * {@code in_top_k}). Labels (batch,) or (batch, 1) for predictions (batch, classes).
 *
 * <pre>{@code model.compile(new Adam(), new SparseCategoricalCrossentropy(), new SparseTopKCategoricalAccuracy(5));}</pre>
 */
public final class SparseTopKCategoricalAccuracy extends WeightedMean {
    private final int k;

    public SparseTopKCategoricalAccuracy() {
        this(5);
    }

    public SparseTopKCategoricalAccuracy(int k) {
        this(k, "sparse_top_k_categorical_accuracy");
    }

    public SparseTopKCategoricalAccuracy(int k, String name) {
        super(name);
        if (k < 1) throw new IllegalArgumentException(name + ": k must be at least 1, got " + k);
        this.k = k;
    }

    public int k() {
        return k;
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        int batch = MetricSupport.batch(name(), yPred);
        int[] ids = MetricSupport.classIds(name(), yTrue, yPred, "TopKCategoricalAccuracy");
        int classes = yPred.size(-1);
        float[] p = yPred.toFloatArray();
        double[] w = MetricSupport.weights(name(), sampleWeight, batch);
        double[] hit = new double[ids.length];
        for (int r = 0; r < ids.length; r++) hit[r] = MetricSupport.inTopK(p, r * classes, classes, ids[r], k) ? 1 : 0;
        addRows(hit, batch, w);
    }

    @Override
    public Metric copy() {
        return new SparseTopKCategoricalAccuracy(k, name());
    }
}
