package dev.myelin.nn.losses;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;

import java.util.Map;

/**
 * Keras's {@code Huber}: with e = p - y, 0.5 e^2 where |e| <= delta and delta |e| - 0.5 delta^2
 * beyond, averaged over each sample's values. Quadratic near the target, linear (robust to
 * outliers) far from it.
 *
 * <pre>{@code model.compile(new Adam(), new Huber(1.0f));}</pre>
 */
public final class Huber extends Loss {
    private final float delta;

    public Huber() {
        this(1f);
    }

    public Huber(float delta) {
        if (!(delta > 0f) || !Float.isFinite(delta)) {
            throw new IllegalArgumentException("huber_loss: delta must be a positive finite number, got " + delta);
        }
        this.delta = delta;
    }

    public float delta() {
        return delta;
    }

    @Override
    public Tensor perSample(Tensor yTrue, Tensor yPred) {
        Tensor y = LossSupport.labels(name(), yTrue, yPred);
        Tensor e = yPred.sub(y);
        Tensor a = e.abs();
        // 0.5 e^2 inside the delta band, delta |e| - 0.5 delta^2 outside (equal value and slope at |e| = delta)
        Tensor l = Tensor.where(a.le(delta), e.square().mul(0.5f), a.mul(delta).sub(0.5f * delta * delta));
        return meanPerSample(l);
    }

    @Override
    public String name() {
        return "huber_loss";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("delta", (double) delta);
        return m;
    }

    public static Huber fromConfig(Map<String, Object> config) {
        return new Huber(Config.getFloat(config, "delta", 1f));
    }
}
