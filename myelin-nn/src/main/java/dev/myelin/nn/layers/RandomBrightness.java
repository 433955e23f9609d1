package dev.myelin.nn.layers;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Map;

/**
 * Randomly brightens or darkens images in training, Keras's {@code RandomBrightness}: each sample
 * of a (batch, height, width, channels) batch gets {@code y = clip(x + d * (high - low), low, high)}
 * with d drawn uniformly from the factor range (one value f means (-f, f); two values are (lower,
 * upper); all in [-1, 1]) and [low, high] the {@code valueRange} of the pixels (default [0, 255]).
 * d = -1 makes the image black, d = 1 white. At inference the layer is the identity (no clipping
 * either). Gradients flow to the input where the result is not clipped.
 *
 * <pre>{@code new RandomBrightness(0.2f).valueRange(0, 1)    // images already scaled to [0, 1]}</pre>
 */
public final class RandomBrightness extends Layer {
    private final float[] factor;
    private float low = 0f, high = 255f;

    /** One value f: deltas in [-f, f] of the value range; two values: [lower, upper]. */
    public RandomBrightness(float... factor) {
        this.factor = ImageTransforms.symmetricRange("RandomBrightness", "factor", factor, -1f, 1f);
    }

    /** The pixels' range (default [0, 255]): it scales the delta and bounds the result. Returns this. */
    public RandomBrightness valueRange(float low, float high) {
        if (!Float.isFinite(low) || !Float.isFinite(high) || low == high) {
            throw new IllegalArgumentException("RandomBrightness: value range must be two different finite numbers, got (" + low + ", " + high + ")");
        }
        this.low = Math.min(low, high);
        this.high = Math.max(low, high);
        return this;
    }

    public float[] factor() {
        return factor.clone();
    }

    public float[] valueRange() {
        return new float[]{low, high};
    }

    @Override
    protected void build(int[] inputShape) {
        ImageTransforms.requireImage(this, inputShape);
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        ImageTransforms.requireImage(this, inputShape);
        return inputShape.clone();
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        if (!ctx.training()) return x;
        ImageTransforms.requireImageBatch(this, x);
        Rng rng = ctx.rng();
        int n = x.size(0);
        float[] delta = new float[n];
        for (int b = 0; b < n; b++) delta[b] = (float) (ImageTransforms.uniform(rng, factor) * (high - low));
        return x.toFloat().add(Tensor.of(delta, n, 1, 1, 1)).clamp(low, high);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("factor", ImageTransforms.pair(factor));
        c.put("value_range", ImageTransforms.pair(new float[]{low, high}));
        return c;
    }

    public static RandomBrightness fromConfig(Map<String, Object> c) {
        RandomBrightness b = new RandomBrightness(ImageTransforms.readFactor(c, "factor"));
        float[] r = ImageTransforms.readRange(c, "value_range", new float[]{0f, 255f});
        b.valueRange(r[0], r[1]);
        return withBaseConfig(b, c);
    }
}
