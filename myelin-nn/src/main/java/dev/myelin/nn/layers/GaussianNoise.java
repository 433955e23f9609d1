package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Map;

/**
 * Adds zero-mean Gaussian noise in training, Keras's {@code GaussianNoise}: {@code y = x + n},
 * n ~ N(0, stddev^2) drawn independently for every element from the training context's
 * generator; at inference the layer is the identity. Any input shape (signals (batch, time,
 * channels), features, images). Gradients flow to the input unchanged, so it can sit anywhere in a
 * model as a regularizer.
 *
 * <p>Keras limits stddev to [0, 1]; here any finite stddev >= 0 is accepted, for data on a larger
 * scale (raw audio, 0-255 pixels).
 *
 * <pre>{@code new Sequential(new InputLayer(128, 3), new GaussianNoise(0.05f), new Conv1D(16, 5))}</pre>
 */
public final class GaussianNoise extends Layer {
    private final float stddev;

    public GaussianNoise(float stddev) {
        if (!(stddev >= 0) || Float.isInfinite(stddev)) {
            throw new IllegalArgumentException("GaussianNoise: stddev must be finite and >= 0, got " + stddev);
        }
        this.stddev = stddev;
    }

    public float stddev() {
        return stddev;
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        return inputShape.clone();
    }

    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        // element-wise: any shape
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        if (!ctx.training() || stddev == 0f) return x;
        return x.toFloat().add(Tensor.normal(ctx.rng(), 0f, stddev, x.shape()));
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("stddev", (double) stddev);
        return m;
    }

    public static GaussianNoise fromConfig(Map<String, Object> c) {
        return withBaseConfig(new GaussianNoise(Config.getFloat(c, "stddev")), c);
    }
}
