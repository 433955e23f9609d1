package dev.myelin.compress;

import dev.myelin.core.GradMode;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;

import java.util.Map;

/**
 * Fake-quantizes the values passing through it with one symmetric int8 scale, range / 127, where
 * range tracks the max-abs of the training batches (the first batch sets it, later ones move it
 * as moving = momentum * moving + (1 - momentum) * batch, like BatchNormalization's statistics).
 * Values beyond the range are clipped and get no gradient; within it the gradient passes straight
 * through the rounding (see {@link FakeQuantOps}). Inference uses the stored range; before any
 * training batch (range 0) the layer passes values through unchanged. Insert it where a static
 * activation range should be learned; {@link Quantizer#dynamic} drops it from Sequential models.
 *
 * <pre>{@code new Sequential(new InputLayer(16), new FakeQuant(), new QatDense(8, "relu"), ...)}</pre>
 */
public final class FakeQuant extends Layer {
    static {
        QuantizedLayers.register();
    }

    private float momentum = 0.99f;
    private Parameter range;

    public FakeQuant() {
    }

    /** Weight of the old range in each update (default 0.99). Returns this. */
    public FakeQuant momentum(float value) {
        if (!(value >= 0 && value < 1)) throw new IllegalArgumentException("FakeQuant: momentum must be in [0, 1), got " + value);
        momentum = value;
        return this;
    }

    /** The tracked max-abs range (0 before training). */
    public float range() {
        return range.value().item();
    }

    @Override
    protected void build(int[] inputShape) {
        range = addWeight("range", new int[]{1}, Initializer.zeros(), null, false);
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        return inputShape;
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        float r = range();
        if (ctx.training() && trainable()) {
            float batch;
            try (var ignored = GradMode.noGrad()) {
                batch = x.detach().abs().max().item();
            }
            r = r == 0f ? batch : momentum * r + (1 - momentum) * batch;
            try (var ignored = GradMode.noGrad()) {
                range.value().fill(r);
            }
        }
        if (r == 0f) return x;
        return FakeQuantOps.perTensor(x, r / QTensor.QMAX);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("momentum", (double) momentum);
        return m;
    }

    public static FakeQuant fromConfig(Map<String, Object> c) {
        return withBaseConfig(new FakeQuant().momentum(Config.getFloat(c, "momentum", 0.99f)), c);
    }
}
