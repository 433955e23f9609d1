package dev.myelin.nn.optimizers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Parameter;

import java.util.Map;

/**
 * RMSprop (Hinton), as Keras: {@code v = rho v + (1 - rho) g^2}; the step is
 * {@code lr * g / sqrt(v + eps)}, or with {@code centered} {@code lr * g / sqrt(v - a^2 + eps)} where
 * {@code a = rho a + (1 - rho) g}; with {@code momentum} the step feeds
 * {@code mom = momentum * mom + step} and {@code w -= mom}, else {@code w -= step}.
 * Keras's defaults: lr 0.001, rho 0.9, momentum 0, eps 1e-7, not centered.
 *
 * <pre>{@code model.compile(new RMSprop(1e-3f), new MeanSquaredError());}</pre>
 */
public final class RMSprop extends Optimizer {
    private final float rho, momentum, epsilon;
    private final boolean centered;

    public RMSprop() {
        this(0.001f);
    }

    public RMSprop(float learningRate) {
        this(learningRate, 0.9f, 0f, 1e-7f, false);
    }

    public RMSprop(float learningRate, float rho, float momentum, float epsilon, boolean centered) {
        super(learningRate);
        this.rho = requireRange("RMSprop rho", rho, 0f, 1f, true);
        this.momentum = requireRange("RMSprop momentum", momentum, 0f, 1f, true);
        this.epsilon = requirePositive("RMSprop epsilon", epsilon);
        this.centered = centered;
    }

    public float rho() {
        return rho;
    }

    public float momentum() {
        return momentum;
    }

    public float epsilon() {
        return epsilon;
    }

    public boolean centered() {
        return centered;
    }

    @Override
    public String name() {
        return "rmsprop";
    }

    @Override
    protected void update(Parameter p, Tensor g, float lr, long t) {
        Tensor w = p.value(), gc = g.contiguous(), v = slot(p, "velocity");
        Tensor mom = momentum > 0 ? slot(p, "momentum") : v, avg = centered ? slot(p, "average_gradient") : v;
        float[] wd = w.floatData(), gd = gc.floatData(), vd = v.floatData(), md = mom.floatData(), ad = avg.floatData();
        int wo = w.offset(), go = gc.offset(), vo = v.offset(), mo = mom.offset(), ao = avg.offset(), n = w.numel();
        float r = rho, c = 1 - rho, mu = momentum, eps = epsilon;
        boolean useMomentum = momentum > 0, center = centered;
        for (int i = 0; i < n; i++) {
            float gi = gd[go + i];
            float vi = r * vd[vo + i] + c * (gi * gi);
            vd[vo + i] = vi;
            float denom;
            if (center) {
                float ai = r * ad[ao + i] + c * gi;
                ad[ao + i] = ai;
                denom = vi - ai * ai + eps;
            } else {
                denom = vi + eps;
            }
            float inc = lr * gi / (float) Math.sqrt(denom);
            if (useMomentum) {
                float mi = mu * md[mo + i] + inc;
                md[mo + i] = mi;
                wd[wo + i] -= mi;
            } else {
                wd[wo + i] -= inc;
            }
        }
        w.markModifiedInPlace();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("rho", num(rho));
        m.put("momentum", num(momentum));
        m.put("epsilon", num(epsilon));
        m.put("centered", centered);
        return m;
    }
}
