package dev.myelin.nn.optimizers;

/**
 * AdamW (Loshchilov and Hutter): Adam with decoupled weight decay, as Keras's {@code AdamW}:
 * before each Adam update, {@code w -= w * weight_decay * lr}. Keras's defaults: lr 0.001,
 * weight_decay 0.004, b1 0.9, b2 0.999, eps 1e-7. Exempt biases with
 * {@link #excludeFromWeightDecay}.
 *
 * <pre>{@code Optimizer opt = new AdamW(1e-3f, 0.01f).excludeFromWeightDecay("bias");}</pre>
 */
public final class AdamW extends Adam {

    public AdamW() {
        this(0.001f);
    }

    public AdamW(float learningRate) {
        this(learningRate, 0.004f);
    }

    public AdamW(float learningRate, float weightDecay) {
        this(learningRate, weightDecay, 0.9f, 0.999f, 1e-7f, false);
    }

    public AdamW(float learningRate, float weightDecay, float beta1, float beta2, float epsilon, boolean amsgrad) {
        super(learningRate, beta1, beta2, epsilon, amsgrad);
        weightDecay(weightDecay);
    }

    @Override
    public String name() {
        return "adamw";
    }
}
