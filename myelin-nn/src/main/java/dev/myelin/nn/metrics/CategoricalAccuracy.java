package dev.myelin.nn.metrics;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

/**
 * Keras's {@code CategoricalAccuracy}: the weighted fraction of samples whose one-hot label and
 * prediction have their largest value at the same class (last axis; first index at ties).
 * (batch, time, classes) inputs score each sample by the mean over its time steps. For integer
 * labels use {@link SparseCategoricalAccuracy}.
 *
 * <pre>{@code model.compile(new Adam(), new CategoricalCrossentropy(), new CategoricalAccuracy());}</pre>
 */
public final class CategoricalAccuracy extends WeightedMean {
    public CategoricalAccuracy() {
        this("categorical_accuracy");
    }

    public CategoricalAccuracy(String name) {
        super(name);
    }

    @Override
    public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        int batch = MetricSupport.batch(name(), yPred);
        if (yPred.rank() < 2) {
            throw new IllegalArgumentException(name() + ": predictions must be (batch, classes), got " + Shape.format(yPred.shape()));
        }
        int classes = yPred.size(-1);
        if (!Shape.equal(yTrue.shape(), yPred.shape())) {
            String hint = classes > 1 && (long) yTrue.numel() * classes == yPred.numel()
                    ? "; these look like integer class ids: use SparseCategoricalAccuracy" : "";
            throw new IllegalArgumentException(name() + ": one-hot labels of shape " + Shape.format(yTrue.shape())
                    + " do not match predictions of shape " + Shape.format(yPred.shape()) + hint);
        }
        float[] y = yTrue.toFloatArray(), p = yPred.toFloatArray();
        double[] w = MetricSupport.weights(name(), sampleWeight, batch);
        double[] hit = new double[p.length / Math.max(classes, 1)];
        for (int r = 0; r < hit.length; r++) {
            hit[r] = MetricSupport.argmax(y, r * classes, classes) == MetricSupport.argmax(p, r * classes, classes) ? 1 : 0;
        }
        addRows(hit, batch, w);
    }

    @Override
    public Metric copy() {
        return new CategoricalAccuracy(name());
    }
}
