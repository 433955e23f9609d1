package dev.myelin.nn.losses;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;

import java.util.Map;

/**
 * Keras's {@code BinaryCrossentropy}: -(y log p + (1 - y) log(1 - p)) for each value, averaged
 * over each sample's values. Predictions are probabilities (after a sigmoid), clipped to
 * [1e-7, 1 - 1e-7] as Keras does, or with {@code fromLogits} raw scores x, where the loss is
 * computed stably as softplus(x) - x y = max(x, 0) - x y + log(1 + exp(-|x|)). Label smoothing
 * squeezes targets towards 0.5: y (1 - ls) + 0.5 ls. Labels may be soft (any finite value; Keras
 * expects [0, 1]); NaN and infinite labels are rejected. (batch,) labels fit (batch, 1) predictions.
 *
 * <pre>{@code model.compile(new Adam(), new BinaryCrossentropy(true, 0.1f));}</pre>
 */
public final class BinaryCrossentropy extends Loss {
    private final boolean fromLogits;
    private final float labelSmoothing;

    public BinaryCrossentropy() {
        this(false, 0f);
    }

    public BinaryCrossentropy(boolean fromLogits) {
        this(fromLogits, 0f);
    }

    public BinaryCrossentropy(boolean fromLogits, float labelSmoothing) {
        LossSupport.requireUnitInterval("binary_crossentropy", "label smoothing", labelSmoothing);
        this.fromLogits = fromLogits;
        this.labelSmoothing = labelSmoothing;
    }

    public boolean fromLogits() {
        return fromLogits;
    }

    public float labelSmoothing() {
        return labelSmoothing;
    }

    @Override
    public Tensor perSample(Tensor yTrue, Tensor yPred) {
        Tensor y = LossSupport.labels(name(), yTrue, yPred);
        if (labelSmoothing > 0f) y = y.mul(1f - labelSmoothing).add(0.5f * labelSmoothing);
        Tensor l;
        if (fromLogits) {
            // softplus(x) - x y: the kernel computes softplus as max(x, 0) + log1p(exp(-|x|)),
            // and its gradient sigmoid(x) - y is exact even at x = 0.
            l = yPred.softplus().sub(yPred.mul(y));
        } else {
            Tensor p = yPred.clamp(LossSupport.EPSILON, 1f - LossSupport.EPSILON);
            l = y.mul(p.log()).add(y.rsub(1f).mul(p.rsub(1f).log())).neg();
        }
        return meanPerSample(l);
    }

    @Override
    public String name() {
        return "binary_crossentropy";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("from_logits", fromLogits);
        m.put("label_smoothing", (double) labelSmoothing);
        return m;
    }

    public static BinaryCrossentropy fromConfig(Map<String, Object> config) {
        return new BinaryCrossentropy(Config.getBool(config, "from_logits", false), Config.getFloat(config, "label_smoothing", 0f));
    }
}
