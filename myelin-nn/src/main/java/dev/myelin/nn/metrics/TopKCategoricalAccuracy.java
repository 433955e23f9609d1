package dev.myelin.nn.metrics;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

/**
 * Keras's {@code TopKCategoricalAccuracy}: the weighted fraction of samples whose one-hot label's
 * class is among the k highest predictions. As Keras's {@code in_top_k}, a class is in the top k
 * when fewer than k classes score strictly higher, so ties at the boundary count as hits.
 *
 * <pre>{@code model.compile(new Adam(), new CategoricalCrossentropy(), new TopKCategoricalAccuracy(5));}</pre>
 */
public final class TopKCategoricalAccuracy extends WeightedMean {
    private final int k;

    public TopKCategoricalAccuracy() {
        this(5);
    }

    public TopKCategoricalAccuracy(int k) {
        this(k, "top_k_categorical_accuracy");
    }

    public TopKCategoricalAccuracy(int k, String name) {
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
        if (yPred.rank() < 2 || !Shape.equal(yTrue.shape(), yPred.shape())) {
            throw new IllegalArgumentException(name() + ": expected one-hot labels and predictions of one shape (batch, classes), got labels "
                    + Shape.format(yTrue.shape()) + " and predictions " + Shape.format(yPred.shape())
                    + "; for integer labels use SparseTopKCategoricalAccuracy");
        }
        int classes = yPred.size(-1);
        float[] y = yTrue.toFloatArray(), p = yPred.toFloatArray();
        double[] w = MetricSupport.weights(name(), sampleWeight, batch);
        double[] hit = new double[p.length / Math.max(classes, 1)];
        for (int r = 0; r < hit.length; r++) {
            int target = MetricSupport.argmax(y, r * classes, classes);
            hit[r] = MetricSupport.inTopK(p, r * classes, classes, target, k) ? 1 : 0;
        }
        addRows(hit, batch, w);
    }

    @Override
    public Metric copy() {
        return new TopKCategoricalAccuracy(k, name());
    }
}
