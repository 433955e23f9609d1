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
 * Randomly zooms images in training, Keras's {@code RandomZoom}: each sample of a (batch, height,
 * width, channels) batch is scaled about its centre by zoom factors {@code zy = 1 + u} and
 * {@code zx = 1 + v}, u drawn from the height factor range and v from the width factor range (one
 * value f means (-f, f); two values are (lower, upper); all in [-1, 1]). A positive factor zooms
 * out (the content shrinks, the border is filled), a negative one zooms in. Without a width
 * factor, zx = zy and the aspect ratio is kept.
 *
 * <p>Output pixel (x, y) reads the input at {@code (zx x + (width - 1) / 2 (1 - zx), zy y + (height - 1) / 2 (1 - zy))},
 * Keras's zoom transform, with bilinear (default) or nearest interpolation; points outside are
 * filled by {@code fillMode}: "reflect" (the default), "wrap", "constant" ({@code fillValue}) or
 * "nearest". At inference the layer is the identity. Gradients flow to the input.
 *
 * <pre>{@code new RandomZoom(0.2f)              // zoom in or out by up to 20%, same on both axes}</pre>
 */
public final class RandomZoom extends Layer {
    private final float[] heightFactor, widthFactor; // widthFactor null: as the height
    private FillMode fill = FillMode.REFLECT;
    private Interpolation interpolation = Interpolation.BILINEAR;
    private float fillValue = 0f;

    /** The same zoom on both axes, by up to {@code heightFactor} either way. */
    public RandomZoom(float heightFactor) {
        this(new float[]{heightFactor}, null);
    }

    /** Independent zooms: up to {@code heightFactor} vertically and {@code widthFactor} horizontally, either way. */
    public RandomZoom(float heightFactor, float widthFactor) {
        this(new float[]{heightFactor}, new float[]{widthFactor});
    }

    /** Each factor is one value f, meaning (-f, f), or (lower, upper); a null width factor keeps the aspect ratio. */
    public RandomZoom(float[] heightFactor, float[] widthFactor) {
        this.heightFactor = ImageTransforms.symmetricRange("RandomZoom", "height_factor", heightFactor, -1f, 1f);
        this.widthFactor = widthFactor == null ? null : ImageTransforms.symmetricRange("RandomZoom", "width_factor", widthFactor, -1f, 1f);
    }

    /** "reflect" (default), "wrap", "constant" or "nearest". Returns this. */
    public RandomZoom fillMode(String mode) {
        fill = FillMode.parse("RandomZoom", mode);
        return this;
    }

    /** "bilinear" (default) or "nearest". Returns this. */
    public RandomZoom interpolation(String name) {
        interpolation = Interpolation.parse("RandomZoom", name);
        return this;
    }

    /** The value outside the image in "constant" mode (default 0). Returns this. */
    public RandomZoom fillValue(float value) {
        fillValue = value;
        return this;
    }

    public float[] heightFactor() {
        return heightFactor.clone();
    }

    /** (lower, upper), or null when the width zooms with the height. */
    public float[] widthFactor() {
        return widthFactor == null ? null : widthFactor.clone();
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
            double zy = 1 + ImageTransforms.uniform(rng, heightFactor);
            double zx = widthFactor == null ? zy : 1 + ImageTransforms.uniform(rng, widthFactor);
            m[b] = matrix(zy, zx, s[1], s[2]);
        }
        return ImageTransforms.affine("randomZoom", x.toFloat(), m, s[1], s[2], interpolation, fill, fillValue);
    }

    /** The inverse map for zoom factors (zy, zx) about the centre of a height x width image. */
    static double[] matrix(double zy, double zx, int height, int width) {
        return new double[]{zx, 0, (width - 1) / 2.0 * (1 - zx), 0, zy, (height - 1) / 2.0 * (1 - zy)};
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("height_factor", ImageTransforms.pair(heightFactor));
        c.put("width_factor", widthFactor == null ? null : ImageTransforms.pair(widthFactor));
        ImageTransforms.putSampling(c, fill, interpolation, fillValue);
        return c;
    }

    public static RandomZoom fromConfig(Map<String, Object> c) {
        LayerUtils.checkDataFormat("RandomZoom", c);
        float[] w = c.get("width_factor") == null ? null : ImageTransforms.readFactor(c, "width_factor");
        RandomZoom z = new RandomZoom(ImageTransforms.readFactor(c, "height_factor"), w);
        z.fill = ImageTransforms.readFill("RandomZoom", c);
        z.interpolation = ImageTransforms.readInterpolation("RandomZoom", c);
        z.fillValue = Config.getFloat(c, "fill_value", 0f);
        return withBaseConfig(z, c);
    }
}
