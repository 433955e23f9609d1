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
 * Randomly rotates images in training, Keras's {@code RandomRotation}: each sample of a (batch,
 * height, width, channels) batch turns about the image centre by an angle drawn uniformly from
 * [lower * 2 pi, upper * 2 pi]; a positive angle turns counter-clockwise. {@code factor} is a
 * fraction of a full turn: one value f means (-f, f), two values are (lower, upper), all in [-1, 1].
 * At inference the layer is the identity.
 *
 * <p>Each output pixel (x, y) reads the input at the point the rotation maps it back to, Keras's
 * (TensorFlow's) rotation transform {@code x' = cos a x - sin a y + ox}, {@code y' = sin a x + cos a y + oy}
 * about ((width - 1) / 2, (height - 1) / 2), with bilinear (default) or nearest interpolation.
 * Points outside the input are filled by {@code fillMode}: "reflect" (the default), "wrap",
 * "constant" ({@code fillValue}, default 0) or "nearest". Gradients flow to the input.
 *
 * <pre>{@code new RandomRotation(0.1f).fillMode("constant")   // up to 36 degrees either way, black corners}</pre>
 */
public final class RandomRotation extends Layer {
    private final float[] factor;
    private FillMode fill = FillMode.REFLECT;
    private Interpolation interpolation = Interpolation.BILINEAR;
    private float fillValue = 0f;

    /** One value f: angles in [-f, f] turns; two values: [lower, upper] turns. */
    public RandomRotation(float... factor) {
        this.factor = ImageTransforms.symmetricRange("RandomRotation", "factor", factor, -1f, 1f);
    }

    /** "reflect" (default), "wrap", "constant" or "nearest". Returns this. */
    public RandomRotation fillMode(String mode) {
        fill = FillMode.parse("RandomRotation", mode);
        return this;
    }

    /** "bilinear" (default) or "nearest". Returns this. */
    public RandomRotation interpolation(String name) {
        interpolation = Interpolation.parse("RandomRotation", name);
        return this;
    }

    /** The value outside the image in "constant" mode (default 0). Returns this. */
    public RandomRotation fillValue(float value) {
        fillValue = value;
        return this;
    }

    /** (lower, upper) as fractions of a full turn. */
    public float[] factor() {
        return factor.clone();
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
        for (int b = 0; b < s[0]; b++) m[b] = matrix(2 * Math.PI * ImageTransforms.uniform(rng, factor), s[1], s[2]);
        return ImageTransforms.affine("randomRotation", x.toFloat(), m, s[1], s[2], interpolation, fill, fillValue);
    }

    /** The inverse map for a counter-clockwise turn by {@code angle} radians about the centre of a height x width image. */
    static double[] matrix(double angle, int height, int width) {
        double cos = Math.cos(angle), sin = Math.sin(angle);
        double ox = ((width - 1) - (cos * (width - 1) - sin * (height - 1))) / 2.0;
        double oy = ((height - 1) - (sin * (width - 1) + cos * (height - 1))) / 2.0;
        return new double[]{cos, -sin, ox, sin, cos, oy};
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("factor", ImageTransforms.pair(factor));
        ImageTransforms.putSampling(c, fill, interpolation, fillValue);
        return c;
    }

    public static RandomRotation fromConfig(Map<String, Object> c) {
        LayerUtils.checkDataFormat("RandomRotation", c);
        RandomRotation r = new RandomRotation(ImageTransforms.readFactor(c, "factor"));
        r.fill = ImageTransforms.readFill("RandomRotation", c);
        r.interpolation = ImageTransforms.readInterpolation("RandomRotation", c);
        r.fillValue = Config.getFloat(c, "fill_value", 0f);
        return withBaseConfig(r, c);
    }
}
