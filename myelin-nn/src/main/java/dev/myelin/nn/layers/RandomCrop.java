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
 * Randomly crops images to (height, width) in training, Keras's {@code RandomCrop}, with an
 * optional zero {@code padding} for the classic "pad by 4, crop back to 32x32" CIFAR augmentation.
 * Input (batch, h, w, channels), output (batch, height, width, channels).
 * <ul>
 *   <li>Training, when the input padded by {@code padding} zeros on every side is at least
 *       (height, width): each sample gets its own window, its top-left corner drawn uniformly
 *       among the whole-pixel positions of the padded image. With padding p and an output the
 *       size of the input, this shifts each image by up to p pixels each way, filling with zeros.</li>
 *   <li>Inference, and training on an input smaller than the target: Keras's fallback, without
 *       padding and the same for every sample. The largest centred window of the input with the
 *       target's aspect ratio ({@code ch = min(h, floor(w * height / width))},
 *       {@code cw = min(w, floor(h * width / height))}) is resized to (height, width) by bilinear
 *       interpolation with half-pixel centres (TensorFlow's {@code resize}, no antialiasing). An
 *       input already of the target size passes through unchanged.</li>
 * </ul>
 * Differences from Keras 3: Keras crops the whole batch at one position (here each sample has its
 * own); Keras only crops at random when the input is strictly larger on both axes (here at least
 * as large, so an input of the target height still gets random horizontal positions); and
 * {@code padding} is not a Keras argument. Gradients flow to the input.
 *
 * <pre>{@code new Sequential(new InputLayer(32, 32, 3), new RandomCrop(32, 32).padding(4), new RandomFlip("horizontal"))}</pre>
 */
public final class RandomCrop extends Layer {
    private final int height, width;
    private int padding;

    public RandomCrop(int height, int width) {
        if (height < 1 || width < 1) throw new IllegalArgumentException("RandomCrop: height and width must be positive, got " + height + " and " + width);
        this.height = height;
        this.width = width;
    }

    /** Zeros added on every side before the random crop, in training only (default 0). Returns this. */
    public RandomCrop padding(int value) {
        if (value < 0) throw new IllegalArgumentException("RandomCrop: padding must be >= 0, got " + value);
        padding = value;
        return this;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int padding() {
        return padding;
    }

    @Override
    protected void build(int[] inputShape) {
        ImageTransforms.requireImage(this, inputShape);
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        ImageTransforms.requireImage(this, inputShape);
        return new int[]{height, width, inputShape[2]};
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        ImageTransforms.requireImageBatch(this, x);
        int[] s = x.shape();
        int h = s[1], w = s[2];
        if (ctx.training() && h + 2 * padding >= height && w + 2 * padding >= width) {
            Rng rng = ctx.rng();
            double[][] m = new double[s[0]][];
            for (int b = 0; b < s[0]; b++) {
                // window corner in input coordinates: in [-padding, h + padding - height]
                int top = rng.nextInt(h + 2 * padding - height + 1) - padding;
                int left = rng.nextInt(w + 2 * padding - width + 1) - padding;
                m[b] = new double[]{1, 0, left, 0, 1, top};
            }
            return ImageTransforms.affine("randomCrop", x.toFloat(), m, height, width, Interpolation.NEAREST, FillMode.CONSTANT, 0f);
        }
        return centreCropResize(x.toFloat(), height, width);
    }

    /** Keras's inference path: the largest centred window with the target aspect ratio, resized to (height, width). */
    static Tensor centreCropResize(Tensor x, int height, int width) {
        int[] s = x.shape();
        int h = s[1], w = s[2];
        int ch = Math.max(Math.min(h, (int) ((double) w * height / width)), 1);
        int cw = Math.max(Math.min(w, (int) ((double) h * width / height)), 1);
        int top = (h - ch) / 2, left = (w - cw) / 2;
        Tensor crop = x.slice(1, top, top + ch).slice(2, left, left + cw);
        if (ch == height && cw == width) return crop;
        double sy = (double) ch / height, sx = (double) cw / width;
        // half-pixel centres: output i reads input (i + 0.5) * scale - 0.5, clamped to the window ("nearest" fill)
        double[] t = {sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5};
        double[][] m = new double[s[0]][];
        for (int b = 0; b < s[0]; b++) m[b] = t;
        return ImageTransforms.affine("resize", crop, m, height, width, Interpolation.BILINEAR, FillMode.NEAREST, 0f);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("height", height);
        c.put("width", width);
        c.put("padding", padding);
        c.put("data_format", LayerUtils.CHANNELS_LAST);
        return c;
    }

    public static RandomCrop fromConfig(Map<String, Object> c) {
        LayerUtils.checkDataFormat("RandomCrop", c);
        RandomCrop r = new RandomCrop(Config.getInt(c, "height"), Config.getInt(c, "width"));
        r.padding(Config.getInt(c, "padding", 0));
        return withBaseConfig(r, c);
    }
}
