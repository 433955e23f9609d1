package dev.myelin.nn.optimizers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Parameter;

import java.util.Map;

/**
 * Nadam (Dozat): Adam with Nesterov momentum, in Keras's form with the momentum schedule
 * {@code u_t = b1 (1 - 0.5 * 0.96^t)} and its running product {@code U_t = u_1 ... u_t}:
 * <pre>
 * m += (g - m)(1 - b1);  v += (g^2 - v)(1 - b2)
 * mhat = u_{t+1} m / (1 - U_{t+1}) + (1 - u_t) g / (1 - U_t);  vhat = v / (1 - b2^t)
 * w -= lr * mhat / (sqrt(vhat) + eps)
 * </pre>
 * {@code U_t} follows from the step count alone, so it needs no checkpoint slot. Keras's
 * defaults: lr 0.001, b1 0.9, b2 0.999, eps 1e-7.
 *
 * <pre>{@code model.compile(new Nadam(2e-3f), new SparseCategoricalCrossentropy());}</pre>
 */
public final class Nadam extends Optimizer {
    private final float beta1, beta2, epsilon;
    // U_t for step uStep, so each step multiplies in one factor (recomputed after setIterations)
    private long uStep;
    private double uProduct = 1;

    public Nadam() {
        this(0.001f);
    }

    public Nadam(float learningRate) {
        this(learningRate, 0.9f, 0.999f, 1e-7f);
    }

    public Nadam(float learningRate, float beta1, float beta2, float epsilon) {
        super(learningRate);
        this.beta1 = requireRange("Nadam beta_1", beta1, 0f, 1f, false);
        this.beta2 = requireRange("Nadam beta_2", beta2, 0f, 1f, false);
        this.epsilon = requirePositive("Nadam epsilon", epsilon);
    }

    public float beta1() {
        return beta1;
    }

    public float beta2() {
        return beta2;
    }

    public float epsilon() {
        return epsilon;
    }

    @Override
    public String name() {
        return "nadam";
    }

    /** u_t = b1 (1 - 0.5 * 0.96^t) */
    private double u(long t) {
        return beta1 * (1 - 0.5 * Math.pow(0.96, t));
    }

    /** U_t = u_1 * ... * u_t */
    private double uProduct(long t) {
        if (t != uStep) {
            if (t != uStep + 1) {
                uStep = 0;
                uProduct = 1;
            }
            while (uStep < t) uProduct *= u(++uStep);
        }
        return uProduct;
    }

    @Override
    protected void update(Parameter p, Tensor g, float lr, long t) {
        Tensor w = p.value(), gc = g.contiguous(), m = slot(p, "momentum"), v = slot(p, "velocity");
        float[] wd = w.floatData(), gd = gc.floatData(), md = m.floatData(), vd = v.floatData();
        int wo = w.offset(), go = gc.offset(), mo = m.offset(), vo = v.offset(), n = w.numel();
        double ut = u(t), ut1 = u(t + 1), prod = uProduct(t), prod1 = prod * ut1;
        float cm = (float) (ut1 / (1 - prod1)), cg = (float) ((1 - ut) / (1 - prod));
        float cv = (float) (1 / (1 - Math.pow(beta2, t)));
        float c1 = 1 - beta1, c2 = 1 - beta2, eps = epsilon;
        for (int i = 0; i < n; i++) {
            float gi = gd[go + i];
            float mi = md[mo + i] + (gi - md[mo + i]) * c1;
            float vi = vd[vo + i] + (gi * gi - vd[vo + i]) * c2;
            md[mo + i] = mi;
            vd[vo + i] = vi;
            float mHat = cm * mi + cg * gi;
            wd[wo + i] -= mHat * lr / ((float) Math.sqrt(vi * cv) + eps);
        }
        w.markModifiedInPlace();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("beta_1", num(beta1));
        m.put("beta_2", num(beta2));
        m.put("epsilon", num(epsilon));
        return m;
    }
}
