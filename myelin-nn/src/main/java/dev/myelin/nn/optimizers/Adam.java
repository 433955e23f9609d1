package dev.myelin.nn.optimizers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Parameter;

import java.util.Map;

/**
 * Adam (Kingma and Ba), in Keras's form: {@code m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
 * w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)}. With {@code amsgrad}, the
 * denominator uses {@code vhat = max(vhat, v)} instead of {@code v} (Reddi et al.).
 * Defaults as Keras: lr 0.001, b1 0.9, b2 0.999, eps 1e-7.
 *
 * <pre>{@code model.compile(new Adam(1e-3f), new SparseCategoricalCrossentropy());}</pre>
 */
public class Adam extends Optimizer {
    private final float beta1, beta2, epsilon;
    private final boolean amsgrad;

    public Adam() {
        this(0.001f);
    }

    public Adam(float learningRate) {
        this(learningRate, 0.9f, 0.999f, 1e-7f);
    }

    public Adam(float learningRate, float beta1, float beta2, float epsilon) {
        this(learningRate, beta1, beta2, epsilon, false);
    }

    public Adam(float learningRate, float beta1, float beta2, float epsilon, boolean amsgrad) {
        super(learningRate);
        this.beta1 = requireRange(name() + " beta_1", beta1, 0f, 1f, false);
        this.beta2 = requireRange(name() + " beta_2", beta2, 0f, 1f, false);
        this.epsilon = requirePositive(name() + " epsilon", epsilon);
        this.amsgrad = amsgrad;
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

    public boolean amsgrad() {
        return amsgrad;
    }

    @Override
    public String name() {
        return "adam";
    }

    @Override
    protected void update(Parameter p, Tensor g, float lr, long t) {
        Tensor w = p.value(), gc = g.contiguous(), m = slot(p, "momentum"), v = slot(p, "velocity");
        float[] wd = w.floatData(), gd = gc.floatData(), md = m.floatData(), vd = v.floatData();
        int wo = w.offset(), go = gc.offset(), mo = m.offset(), vo = v.offset(), n = w.numel();
        float a = (float) (lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t)));
        float c1 = 1 - beta1, c2 = 1 - beta2, eps = epsilon;
        if (!amsgrad) {
            int i = vectorUpdate(wd, wo, gd, go, md, mo, vd, vo, n, a, c1, c2, eps);
            for (; i < n; i++) {
                float gi = gd[go + i];
                float mi = md[mo + i] + (gi - md[mo + i]) * c1;
                float vi = vd[vo + i] + (gi * gi - vd[vo + i]) * c2;
                md[mo + i] = mi;
                vd[vo + i] = vi;
                wd[wo + i] -= mi * a / ((float) Math.sqrt(vi) + eps);
            }
        } else {
            Tensor vh = slot(p, "velocity_hat");
            float[] hd = vh.floatData();
            int ho = vh.offset();
            for (int i = 0; i < n; i++) {
                float gi = gd[go + i];
                float mi = md[mo + i] + (gi - md[mo + i]) * c1;
                float vi = vd[vo + i] + (gi * gi - vd[vo + i]) * c2;
                float hi = Math.max(hd[ho + i], vi);
                md[mo + i] = mi;
                vd[vo + i] = vi;
                hd[ho + i] = hi;
                wd[wo + i] -= mi * a / ((float) Math.sqrt(hi) + eps);
            }
        }
        w.markModifiedInPlace();
    }

    private static final jdk.incubator.vector.VectorSpecies<Float> S = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;

    /**
     * The same update as the scalar loop, a vector at a time, with the same operations in the same
     * order (no fused multiply-add), so results are bit-identical; returns where the scalar tail starts.
     */
    private static int vectorUpdate(float[] wd, int wo, float[] gd, int go, float[] md, int mo, float[] vd, int vo,
                                    int n, float a, float c1, float c2, float eps) {
        int l = S.length(), i = 0;
        for (; i + l <= n; i += l) {
            var g = jdk.incubator.vector.FloatVector.fromArray(S, gd, go + i);
            var m = jdk.incubator.vector.FloatVector.fromArray(S, md, mo + i);
            var v = jdk.incubator.vector.FloatVector.fromArray(S, vd, vo + i);
            m = m.add(g.sub(m).mul(c1));
            v = v.add(g.mul(g).sub(v).mul(c2));
            m.intoArray(md, mo + i);
            v.intoArray(vd, vo + i);
            var w = jdk.incubator.vector.FloatVector.fromArray(S, wd, wo + i);
            w.sub(m.mul(a).div(v.sqrt().add(eps))).intoArray(wd, wo + i);
        }
        return i;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("beta_1", num(beta1));
        m.put("beta_2", num(beta2));
        m.put("epsilon", num(epsilon));
        m.put("amsgrad", amsgrad);
        return m;
    }
}
