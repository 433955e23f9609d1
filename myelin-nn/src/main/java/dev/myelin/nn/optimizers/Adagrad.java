package dev.myelin.nn.optimizers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Parameter;

import java.util.Map;

/**
 * Adagrad (Duchi et al.), as Keras: {@code acc += g^2; w -= lr * g / sqrt(acc + eps)}, the
 * accumulator starting at {@code initial_accumulator_value}. Keras's defaults: lr 0.001,
 * initial accumulator 0.1, eps 1e-7.
 *
 * <pre>{@code model.compile(new Adagrad(0.01f), new MeanSquaredError());}</pre>
 */
public final class Adagrad extends Optimizer {
    private final float initialAccumulatorValue, epsilon;

    public Adagrad() {
        this(0.001f);
    }

    public Adagrad(float learningRate) {
        this(learningRate, 0.1f, 1e-7f);
    }

    public Adagrad(float learningRate, float initialAccumulatorValue, float epsilon) {
        super(learningRate);
        this.initialAccumulatorValue = requireRange("Adagrad initial_accumulator_value", initialAccumulatorValue, 0f, Float.MAX_VALUE, true);
        this.epsilon = requirePositive("Adagrad epsilon", epsilon);
    }

    public float initialAccumulatorValue() {
        return initialAccumulatorValue;
    }

    public float epsilon() {
        return epsilon;
    }

    @Override
    public String name() {
        return "adagrad";
    }

    @Override
    protected void update(Parameter p, Tensor g, float lr, long t) {
        Tensor w = p.value(), gc = g.contiguous(), acc = slot(p, "accumulator", initialAccumulatorValue);
        float[] wd = w.floatData(), gd = gc.floatData(), ad = acc.floatData();
        int wo = w.offset(), go = gc.offset(), ao = acc.offset(), n = w.numel();
        float eps = epsilon;
        for (int i = 0; i < n; i++) {
            float gi = gd[go + i];
            float ai = ad[ao + i] + gi * gi;
            ad[ao + i] = ai;
            wd[wo + i] -= lr * gi / (float) Math.sqrt(ai + eps);
        }
        w.markModifiedInPlace();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("initial_accumulator_value", num(initialAccumulatorValue));
        m.put("epsilon", num(epsilon));
        return m;
    }
}
