package dev.myelin.nn.layers;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Arrays;
import java.util.Map;

/**
 * Randomly changes image contrast in training, Keras's {@code RandomContrast}: each sample of a
 * (batch, height, width, channels) batch gets a contrast factor c drawn uniformly from
 * [1 - lower, 1 + upper], and every channel becomes {@code y = clip((x - mean) * c + mean, low, high)}
 * with mean that channel's mean over the sample's pixels and [low, high] the {@code valueRange}
 * (default [0, 255]). One factor value f means lower = upper = f (c in [1 - f, 1 + f]); lower must
 * be in [0, 1] and upper >= 0. At inference the layer is the identity. Gradients flow to the
 * input (through the mean too) where the result is not clipped.
 *
 * <pre>{@code new RandomContrast(0.2f)     // c in [0.8, 1.2]}</pre>
 */
public final class RandomContrast extends Layer {
    private final float lower, upper;
    private float low = 0f, high = 255f;

    /** One value f: c in [1 - f, 1 + f]; two values: c in [1 - lower, 1 + upper]. */
    public RandomContrast(float... factor) {
        if (factor == null || factor.length < 1 || factor.length > 2) {
            throw new IllegalArgumentException("RandomContrast: factor must be one number or (lower, upper), got "
                    + (factor == null ? "null" : Arrays.toString(factor)));
        }
        lower = factor[0];
        upper = factor.length == 2 ? factor[1] : factor[0];
        if (!(lower >= 0 && lower <= 1) || !(upper >= 0) || Float.isInfinite(upper)) {
            throw new IllegalArgumentException("RandomContrast: factor lower must be in [0, 1] and upper finite and >= 0, got "
                    + Arrays.toString(factor));
        }
    }

    /** The pixels' range (default [0, 255]): the result is clipped to it. Returns this. */
    public RandomContrast valueRange(float low, float high) {
        if (!Float.isFinite(low) || !Float.isFinite(high) || low == high) {
            throw new IllegalArgumentException("RandomContrast: value range must be two different finite numbers, got (" + low + ", " + high + ")");
        }
        this.low = Math.min(low, high);
        this.high = Math.max(low, high);
        return this;
    }

    /** (lower, upper): c is drawn from [1 - lower, 1 + upper]. */
    public float[] factor() {
        return new float[]{lower, upper};
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
        float[] c = new float[n];
        float[] range = {1 - lower, 1 + upper};
        for (int b = 0; b < n; b++) c[b] = (float) ImageTransforms.uniform(rng, range);
        Tensor xf = x.toFloat();
        Tensor mean = xf.mean(new int[]{1, 2}, true); // (batch, 1, 1, channels)
        return xf.sub(mean).mul(Tensor.of(c, n, 1, 1, 1)).add(mean).clamp(low, high);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("factor", ImageTransforms.pair(new float[]{lower, upper}));
        m.put("value_range", ImageTransforms.pair(new float[]{low, high}));
        return m;
    }

    public static RandomContrast fromConfig(Map<String, Object> c) {
        RandomContrast r = new RandomContrast(ImageTransforms.readFactor(c, "factor"));
        float[] v = ImageTransforms.readRange(c, "value_range", new float[]{0f, 255f});
        r.valueRange(v[0], v[1]);
        return withBaseConfig(r, c);
    }
}
