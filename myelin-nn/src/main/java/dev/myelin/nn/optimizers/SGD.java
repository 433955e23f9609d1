package dev.myelin.nn.optimizers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Parameter;

import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum and Nesterov momentum, as Keras:
 * v = momentum * v - lr * g; w += v (Nesterov: w += momentum * v - lr * g).
 */
public final class SGD extends Optimizer {
    private final float momentum;
    private final boolean nesterov;

    public SGD(float learningRate) {
        this(learningRate, 0f, false);
    }

    public SGD(float learningRate, float momentum, boolean nesterov) {
        super(learningRate);
        if (momentum < 0 || momentum >= 1) throw new IllegalArgumentException("SGD momentum must be in [0, 1), got " + momentum);
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    protected void update(Parameter p, Tensor g, float lr, long t) {
        Tensor w = p.value();
        if (momentum == 0f) {
            w.addScaledInPlace(-lr, g);
            return;
        }
        Tensor v = slot(p, "momentum");
        v.mulInPlace(momentum).addScaledInPlace(-lr, g);
        if (nesterov) {
            w.addScaledInPlace(momentum, v).addScaledInPlace(-lr, g);
        } else {
            w.addScaledInPlace(1f, v);
        }
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("momentum", (double) momentum);
        m.put("nesterov", nesterov);
        return m;
    }
}
