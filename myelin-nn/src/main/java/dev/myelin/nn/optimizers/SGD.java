package dev.myelin.nn.optimizers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Parameter;

import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum and Nesterov momentum, as Keras:
 * without momentum {@code w -= lr * g}; with it {@code v = momentum * v - lr * g; w += v}
 * (Nesterov: {@code w += momentum * v - lr * g}). Keras's default rate is 0.01.
 *
 * <pre>{@code model.compile(new SGD(0.01f, 0.9f, true), new MeanSquaredError());}</pre>
 */
public final class SGD extends Optimizer {
    private final float momentum;
    private final boolean nesterov;

    public SGD() {
        this(0.01f);
    }

    public SGD(float learningRate) {
        this(learningRate, 0f, false);
    }

    public SGD(float learningRate, float momentum, boolean nesterov) {
        super(learningRate);
        this.momentum = requireRange("SGD momentum", momentum, 0f, 1f, true);
        this.nesterov = nesterov;
    }

    public float momentum() {
        return momentum;
    }

    public boolean nesterov() {
        return nesterov;
    }

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    protected void update(Parameter p, Tensor g, float lr, long t) {
        Tensor w = p.value(), gc = g.contiguous();
        float[] wd = w.floatData(), gd = gc.floatData();
        int wo = w.offset(), go = gc.offset(), n = w.numel();
        if (momentum == 0f) {
            for (int i = 0; i < n; i++) wd[wo + i] -= gd[go + i] * lr;
        } else {
            Tensor v = slot(p, "momentum");
            float[] vd = v.floatData();
            int vo = v.offset();
            float mu = momentum;
            for (int i = 0; i < n; i++) {
                float gi = gd[go + i];
                float vi = vd[vo + i] * mu - gi * lr;
                vd[vo + i] = vi;
                wd[wo + i] += nesterov ? vi * mu - gi * lr : vi;
            }
        }
        w.markModifiedInPlace();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("momentum", num(momentum));
        m.put("nesterov", nesterov);
        return m;
    }
}
