package dev.myelin.nn.losses;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;

import java.util.Map;

/**
 * Keras's {@code CosineSimilarity} loss: -sum(l2normalize(y) * l2normalize(p)) over an axis (the
 * last by default), so -1 is perfect alignment and 1 opposite directions. Vectors are normalised
 * as Keras does, x / max(||x||, 1e-7), so a zero vector gives 0.
 *
 * <pre>{@code model.compile(new Adam(), new CosineSimilarity());}</pre>
 */
public final class CosineSimilarity extends Loss {
    private final int axis;

    public CosineSimilarity() {
        this(-1);
    }

    /** {@code axis} is counted on the predictions (batch included); negative counts from the end. */
    public CosineSimilarity(int axis) {
        if (axis == 0) {
            throw new IllegalArgumentException("cosine_similarity: axis 0 is the batch axis; expected a feature axis such as -1");
        }
        this.axis = axis;
    }

    public int axis() {
        return axis;
    }

    @Override
    public Tensor perSample(Tensor yTrue, Tensor yPred) {
        if (yPred.rank() < 2) {
            throw new IllegalArgumentException(name() + ": predictions must be (batch, features), got shape " + Shape.format(yPred.shape()));
        }
        int a = LossSupport.classAxis(name(), axis, yPred.rank());
        Tensor y = LossSupport.labels(name(), yTrue, yPred);
        return meanPerSample(l2Normalize(y, a).mul(l2Normalize(yPred, a)).sum(new int[]{a}, false).neg());
    }

    /** x / max(||x||, eps) along an axis, as x * rsqrt(max(sum(x^2), eps^2)): no NaN gradient at 0. */
    static Tensor l2Normalize(Tensor x, int axis) {
        float eps = LossSupport.EPSILON;
        return x.mul(x.square().sum(new int[]{axis}, true).clamp(eps * eps, Float.MAX_VALUE).rsqrt());
    }

    @Override
    public String name() {
        return "cosine_similarity";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("axis", axis);
        return m;
    }

    public static CosineSimilarity fromConfig(Map<String, Object> config) {
        return new CosineSimilarity(Config.getInt(config, "axis", -1));
    }
}
