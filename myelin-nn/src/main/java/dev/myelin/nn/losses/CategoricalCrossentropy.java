package dev.myelin.nn.losses;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;

import java.util.Map;

/**
 * Keras's {@code CategoricalCrossentropy}: -sum(y log p) over the class axis (the last by
 * default), for one-hot (or soft) labels of the predictions' shape. Predictions are probabilities,
 * which, as in Keras, are rescaled to sum to 1 over the class axis and clipped to
 * [1e-7, 1 - 1e-7]; or with {@code fromLogits} raw scores, where log p = logSoftmax(x), computed
 * stably. Label smoothing mixes labels with the uniform distribution: y (1 - ls) + ls / classes.
 * Predictions (batch, time, classes) give the mean over time steps for each sample. For integer
 * class ids use {@link SparseCategoricalCrossentropy}.
 *
 * <pre>{@code model.compile(new Adam(), new CategoricalCrossentropy(true, 0.1f));}</pre>
 */
public final class CategoricalCrossentropy extends Loss {
    private final boolean fromLogits;
    private final float labelSmoothing;
    private final int axis;

    public CategoricalCrossentropy() {
        this(false, 0f, -1);
    }

    public CategoricalCrossentropy(boolean fromLogits) {
        this(fromLogits, 0f, -1);
    }

    public CategoricalCrossentropy(boolean fromLogits, float labelSmoothing) {
        this(fromLogits, labelSmoothing, -1);
    }

    /** {@code axis} is the class axis, counted on the predictions (batch included); negative counts from the end. */
    public CategoricalCrossentropy(boolean fromLogits, float labelSmoothing, int axis) {
        LossSupport.requireUnitInterval("categorical_crossentropy", "label smoothing", labelSmoothing);
        if (axis == 0) {
            throw new IllegalArgumentException("categorical_crossentropy: axis 0 is the batch axis; expected a class axis such as -1");
        }
        this.fromLogits = fromLogits;
        this.labelSmoothing = labelSmoothing;
        this.axis = axis;
    }

    public boolean fromLogits() {
        return fromLogits;
    }

    public float labelSmoothing() {
        return labelSmoothing;
    }

    public int axis() {
        return axis;
    }

    @Override
    public Tensor perSample(Tensor yTrue, Tensor yPred) {
        if (yPred.rank() < 2) {
            throw new IllegalArgumentException(name() + ": predictions must have a class axis, (batch, classes), got shape "
                    + Shape.format(yPred.shape()));
        }
        int a = LossSupport.classAxis(name(), axis, yPred.rank());
        int classes = yPred.size(a);
        if (classes > 1 && !Shape.equal(yTrue.shape(), yPred.shape()) && (long) yTrue.numel() * classes == yPred.numel()) {
            throw new IllegalArgumentException(name() + ": labels of shape " + Shape.format(yTrue.shape())
                    + " hold one value per prediction, like integer class ids, but one-hot labels of shape " + Shape.format(yPred.shape())
                    + " are expected; use SparseCategoricalCrossentropy for class ids");
        }
        Tensor y = LossSupport.labels(name(), yTrue, yPred);
        if (labelSmoothing > 0f) y = y.mul(1f - labelSmoothing).add(labelSmoothing / classes);
        Tensor logp;
        if (fromLogits) {
            logp = yPred.logSoftmax(a);
        } else {
            Tensor p = yPred.div(yPred.sum(new int[]{a}, true)); // rescale each distribution to sum to 1, as Keras does
            logp = p.clamp(LossSupport.EPSILON, 1f - LossSupport.EPSILON).log();
        }
        return meanPerSample(y.mul(logp).sum(new int[]{a}, false).neg());
    }

    @Override
    public String name() {
        return "categorical_crossentropy";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("from_logits", fromLogits);
        m.put("label_smoothing", (double) labelSmoothing);
        m.put("axis", axis);
        return m;
    }

    public static CategoricalCrossentropy fromConfig(Map<String, Object> config) {
        return new CategoricalCrossentropy(Config.getBool(config, "from_logits", false), Config.getFloat(config, "label_smoothing", 0f),
                Config.getInt(config, "axis", -1));
    }
}
