package dev.myelin.nn.optimizers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Parameter;

import java.util.Map;

/**
 * Adadelta (Zeiler), as Keras: {@code ag = rho ag + (1 - rho) g^2;
 * d = -sqrt(ad + eps) / sqrt(ag + eps) * g; ad = rho ad + (1 - rho) d^2; w += lr * d}.
 * Keras's defaults: lr 0.001 (1.0 is the paper's form), rho 0.95, eps 1e-7.
 *
 * <pre>{@code model.compile(new Adadelta(1f), new MeanSquaredError());}</pre>
 */
public final class Adadelta extends Optimizer {
    private final float rho, epsilon;

    public Adadelta() {
        this(0.001f);
    }

    public Adadelta(float learningRate) {
        this(learningRate, 0.95f, 1e-7f);
    }

    public Adadelta(float learningRate, float rho, float epsilon) {
        super(learningRate);
        this.rho = requireRange("Adadelta rho", rho, 0f, 1f, true);
        this.epsilon = requirePositive("Adadelta epsilon", epsilon);
    }

    public float rho() {
        return rho;
    }

    public float epsilon() {
        return epsilon;
    }

    @Override
    public String name() {
        return "adadelta";
    }

    @Override
    protected void update(Parameter p, Tensor g, float lr, long t) {
        Tensor w = p.value(), gc = g.contiguous();
        Tensor accG = slot(p, "accumulated_grad"), accD = slot(p, "accumulated_delta_var");
        float[] wd = w.floatData(), gd = gc.floatData(), ag = accG.floatData(), ad = accD.floatData();
        int wo = w.offset(), go = gc.offset(), agO = accG.offset(), adO = accD.offset(), n = w.numel();
        float r = rho, c = 1 - rho, eps = epsilon;
        for (int i = 0; i < n; i++) {
            float gi = gd[go + i];
            float agi = r * ag[agO + i] + c * (gi * gi);
            ag[agO + i] = agi;
            float delta = -((float) Math.sqrt(ad[adO + i] + eps) * gi) / (float) Math.sqrt(agi + eps);
            ad[adO + i] = r * ad[adO + i] + c * (delta * delta);
            wd[wo + i] += lr * delta;
        }
        w.markModifiedInPlace();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("rho", num(rho));
        m.put("epsilon", num(epsilon));
        return m;
    }
}
