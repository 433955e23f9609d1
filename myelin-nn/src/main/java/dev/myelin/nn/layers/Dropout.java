package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Map;

/**
 * Inverted dropout: in training, zeroes each element with probability {@code rate} and scales the
 * rest by 1/(1-rate); in inference, the identity. {@code noiseShape} (with -1 for "as the input")
 * shares one mask along axes of size 1, e.g. (-1, 1, -1) drops whole time steps' features alike.
 */
public final class Dropout extends Layer {
    private final float rate;
    private int[] noiseShape;

    public Dropout(float rate) {
        if (rate < 0 || rate >= 1) throw new IllegalArgumentException("Dropout: rate must be in [0, 1), got " + rate);
        this.rate = rate;
    }

    /** Mask shape including the batch axis; -1 takes the input's size. Returns this. */
    public Dropout noiseShape(int... shape) {
        this.noiseShape = shape.clone();
        return this;
    }

    public float rate() {
        return rate;
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
        if (!ctx.training() || rate == 0f) return x;
        if (noiseShape == null) return x.dropout(rate, ctx.rng());
        int[] s = x.shape();
        if (noiseShape.length != s.length) {
            throw new IllegalArgumentException(describe() + ": noise shape has " + noiseShape.length + " axes, input has " + s.length);
        }
        int[] m = new int[s.length];
        for (int i = 0; i < s.length; i++) m[i] = noiseShape[i] < 0 ? s[i] : noiseShape[i];
        return x.mul(Tensor.dropoutMask(ctx.rng(), rate, m));
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("rate", (double) rate);
        if (noiseShape != null) m.put("noise_shape", Config.list(noiseShape));
        return m;
    }

    public static Dropout fromConfig(Map<String, Object> c) {
        Dropout d = new Dropout(Config.getFloat(c, "rate"));
        if (c.get("noise_shape") != null) d.noiseShape(Config.getInts(c, "noise_shape"));
        return withBaseConfig(d, c);
    }
}
