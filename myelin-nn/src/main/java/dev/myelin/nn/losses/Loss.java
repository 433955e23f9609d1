package dev.myelin.nn.losses;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training objective. Subclasses give the loss of each sample; {@link #compute} averages it over
 * the batch, weighting each sample by {@code sampleWeight} when given (Keras's
 * "sum over batch size" reduction: sum(w_i * l_i) / batch).
 */
public abstract class Loss {

    /** The loss of each sample, shape (batch,). */
    public abstract Tensor perSample(Tensor yTrue, Tensor yPred);

    /** Keras's name, e.g. "categorical_crossentropy". */
    public abstract String name();

    /** The mean loss over the batch, as a scalar tensor. {@code sampleWeight} is (batch,) or null. */
    public Tensor compute(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
        Tensor l = perSample(yTrue, yPred);
        if (l.rank() != 1) {
            throw new IllegalStateException(name() + ": per-sample loss must have shape (batch,), got " + Shape.format(l.shape()));
        }
        if (sampleWeight == null) return l.mean();
        if (sampleWeight.rank() != 1 || sampleWeight.size(0) != l.size(0)) {
            throw new IllegalArgumentException(name() + ": sample weights of shape " + Shape.format(sampleWeight.shape())
                    + " do not match a batch of " + l.size(0));
        }
        return l.mul(sampleWeight).sum().div((float) l.size(0));
    }

    public Tensor compute(Tensor yTrue, Tensor yPred) {
        return compute(yTrue, yPred, null);
    }

    /** Configuration for saving; subclasses add their settings. */
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name());
        return m;
    }

    /** Checks that labels and predictions have the same shape, naming the loss and both shapes. */
    protected void requireSameShape(Tensor yTrue, Tensor yPred) {
        if (!Shape.equal(yTrue.shape(), yPred.shape())) {
            throw new IllegalArgumentException(name() + ": labels of shape " + Shape.format(yTrue.shape())
                    + " do not match predictions of shape " + Shape.format(yPred.shape()));
        }
    }

    /** Mean over every axis but the batch axis: (batch, ...) to (batch,). */
    protected static Tensor meanPerSample(Tensor t) {
        if (t.rank() == 1) return t;
        int[] axes = new int[t.rank() - 1];
        for (int i = 0; i < axes.length; i++) axes[i] = i + 1;
        return t.mean(axes, false);
    }

    /** Sum over every axis but the batch axis. */
    protected static Tensor sumPerSample(Tensor t) {
        if (t.rank() == 1) return t;
        int[] axes = new int[t.rank() - 1];
        for (int i = 0; i < axes.length; i++) axes[i] = i + 1;
        return t.sum(axes, false);
    }
}
