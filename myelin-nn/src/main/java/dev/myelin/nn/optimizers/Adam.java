package dev.myelin.nn.optimizers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Parameter;

import java.util.Map;

/**
 * Adam (Kingma and Ba), in Keras's form: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * w -= lr * sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps).
 */
public final class Adam extends Optimizer {
    private final float beta1, beta2, epsilon;

    public Adam() {
        this(0.001f);
    }

    public Adam(float learningRate) {
        this(learningRate, 0.9f, 0.999f, 1e-7f);
    }

    public Adam(float learningRate, float beta1, float beta2, float epsilon) {
        super(learningRate);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    @Override
    public String name() {
        return "adam";
    }

    @Override
    protected void update(Parameter p, Tensor g, float lr, long t) {
        float[] m = slot(p, "m").floatData(), v = slot(p, "v").floatData();
        float[] gd = g.contiguous().floatData();
        int go = g.contiguous().offset();
        Tensor w = p.value();
        float[] wd = w.floatData();
        int wo = w.offset();
        double alpha = lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
        float a = (float) alpha, b1 = beta1, b2 = beta2, eps = epsilon;
        for (int i = 0; i < m.length; i++) {
            float gi = gd[go + i];
            float mi = b1 * m[i] + (1 - b1) * gi;
            float vi = b2 * v[i] + (1 - b2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            wd[wo + i] -= a * mi / ((float) Math.sqrt(vi) + eps);
        }
        w.markModifiedInPlace();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("beta_1", (double) beta1);
        m.put("beta_2", (double) beta2);
        m.put("epsilon", (double) epsilon);
        return m;
    }
}
