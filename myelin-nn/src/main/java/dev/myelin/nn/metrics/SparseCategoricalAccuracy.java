package dev.myelin.nn.metrics;

import dev.myelin.core.Tensor;

/**
 * Keras's {@code SparseCategoricalAccuracy}: the weighted fraction of samples whose integer label
 * equals the arg-max of the prediction (first index at ties). Predictions (batch, classes) take
 * labels (batch,) or (batch, 1); (batch, time, classes) take (batch, time) and score each sample
 * by the mean over its time steps.
 *
 * <p>Unlike Keras, whose default name is "sparse_categorical_accuracy", the no-argument
 * constructor names it "accuracy", the key it gets in Keras logs when compiled as "accuracy".
 *
 * <pre>{@code model.compile(new Adam(), new SparseCategoricalCrossentropy(), new SparseCategoricalAccuracy());}</pre>
 */
public final class SparseCategoricalAccuracy extends WeightedMean {
    public SparseCategoricalAccuracy() {
        this("accuracy");
    }

    public SparseCategoricalAccuracy(String name) {
        super(name);
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        int batch = MetricSupport.batch(name(), yPred);
        int[] ids = MetricSupport.classIds(name(), yTrue, yPred, "CategoricalAccuracy");
        int classes = yPred.size(-1);
        float[] p = yPred.toFloatArray();
        double[] w = MetricSupport.weights(name(), sampleWeight, batch);
        double[] hit = new double[ids.length];
        for (int r = 0; r < ids.length; r++) hit[r] = MetricSupport.argmax(p, r * classes, classes) == ids[r] ? 1 : 0;
        addRows(hit, batch, w);
    }

    @Override
    public Metric copy() {
        return new SparseCategoricalAccuracy(name());
    }
}
