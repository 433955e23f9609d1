package dev.myelin.nn.layers;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.layers.ImageTransforms.FillMode;
import dev.myelin.nn.layers.ImageTransforms.Interpolation;

import java.util.Map;

/**
 * Randomly shifts images in training, Keras's {@code RandomTranslation}: each sample of a (batch,
 * height, width, channels) batch moves down by {@code dy = u * height} and right by
 * {@code dx = v * width} pixels, u and v drawn uniformly from the height and width factor ranges
 * (one value f means (-f, f); two values are (lower, upper); all in [-1, 1]; negative moves up or
 * left). Shifts are fractional; output pixel (x, y) reads the input at (x - dx, y - dy) with
 * bilinear (default) or nearest interpolation, and points outside are filled by
 * {@code fillMode}: "reflect" (the default), "wrap", "constant" ({@code fillValue}) or "nearest".
 * At inference the layer is the identity. Gradients flow to the input.
 *
 * <p>For the whole-pixel shifts with zero padding of the classic CIFAR augmentation, use
 * {@link RandomCrop} with {@code padding}.
 *
 * <pre>{@code new RandomTranslation(0.1f, 0.1f).fillMode("constant")}</pre>
 */
public final class RandomTranslation extends Layer {
    private final float[] heightFactor, widthFactor;
    private FillMode fill = FillMode.REFLECT;
    private Interpolation interpolation = Interpolation.BILINEAR;
    private float fillValue = 0f;

    /** Shifts up to {@code heightFactor * height} either way vertically and {@code widthFactor * width} horizontally. */
    public RandomTranslation(float heightFactor, float widthFactor) {
        this(new float[]{heightFactor}, new float[]{widthFactor});
    }

    /** Each factor is one value f, meaning (-f, f), or (lower, upper), as fractions of the height and width. */
    public RandomTranslation(float[] heightFactor, float[] widthFactor) {
        this.heightFactor = ImageTransforms.symmetricRange("RandomTranslation", "height_factor", heightFactor, -1f, 1f);
        this.widthFactor = ImageTransforms.symmetricRange("RandomTranslation", "width_factor", widthFactor, -1f, 1f);
    }

    /** "reflect" (default), "wrap", "constant" or "nearest". Returns this. */
    public RandomTranslation fillMode(String mode) {
        fill = FillMode.parse("RandomTranslation", mode);
        return this;
    }

    /** "bilinear" (default) or "nearest". Returns this. */
    public RandomTranslation interpolation(String name) {
        interpolation = Interpolation.parse("RandomTranslation", name);
        return this;
    }

    /** The value outside the image in "constant" mode (default 0). Returns this. */
    public RandomTranslation fillValue(float value) {
        fillValue = value;
        return this;
    }

    public float[] heightFactor() {
        return heightFactor.clone();
    }

    public float[] widthFactor() {
        return widthFactor.clone();
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
        int[] s = x.shape();
        double[][] m = new double[s[0]][];
        for (int b = 0; b < s[0]; b++) {
            double dy = ImageTransforms.uniform(rng, heightFactor) * s[1];
            double dx = ImageTransforms.uniform(rng, widthFactor) * s[2];
            m[b] = new double[]{1, 0, -dx, 0, 1, -dy}; // output (x, y) reads input (x - dx, y - dy)
        }
        return ImageTransforms.affine("randomTranslation", x.toFloat(), m, s[1], s[2], interpolation, fill, fillValue);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("height_factor", ImageTransforms.pair(heightFactor));
        c.put("width_factor", ImageTransforms.pair(widthFactor));
        ImageTransforms.putSampling(c, fill, interpolation, fillValue);
        return c;
    }

    public static RandomTranslation fromConfig(Map<String, Object> c) {
        LayerUtils.checkDataFormat("RandomTranslation", c);
        RandomTranslation t = new RandomTranslation(ImageTransforms.readFactor(c, "height_factor"), ImageTransforms.readFactor(c, "width_factor"));
        t.fill = ImageTransforms.readFill("RandomTranslation", c);
        t.interpolation = ImageTransforms.readInterpolation("RandomTranslation", c);
        t.fillValue = Config.getFloat(c, "fill_value", 0f);
        return withBaseConfig(t, c);
    }
}
