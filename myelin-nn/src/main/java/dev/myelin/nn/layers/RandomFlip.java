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
 * Randomly flips images in training, Keras's {@code RandomFlip}: "horizontal" flips left-right,
 * "vertical" top-bottom, "horizontal_and_vertical" (the default) may do either or both. Each
 * sample of a (batch, height, width, channels) batch flips on each axis with probability 1/2,
 * drawn from the training context's generator; at inference the layer is the identity.
 *
 * <p>Unlike Keras 3, which uses one draw for both axes in "horizontal_and_vertical" mode (so a
 * sample is either unchanged or turned by 180 degrees), the two axes are drawn independently, as
 * in Keras 2 and torchvision, giving all four orientations. Gradients flow to the input.
 *
 * <pre>{@code new Sequential(new InputLayer(32, 32, 3), new RandomFlip("horizontal"), new Conv2D(32, 3))}</pre>
 */
public final class RandomFlip extends Layer {
    public static final String HORIZONTAL = "horizontal", VERTICAL = "vertical", HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical";

    private final String mode;
    private final boolean horizontal, vertical;

    /** "horizontal_and_vertical". */
    public RandomFlip() {
        this(HORIZONTAL_AND_VERTICAL);
    }

    /** "horizontal", "vertical" or "horizontal_and_vertical". */
    public RandomFlip(String mode) {
        if (!HORIZONTAL.equals(mode) && !VERTICAL.equals(mode) && !HORIZONTAL_AND_VERTICAL.equals(mode)) {
            throw new IllegalArgumentException("RandomFlip: mode must be \"horizontal\", \"vertical\" or \"horizontal_and_vertical\", got "
                    + (mode == null ? "null" : "\"" + mode + "\""));
        }
        this.mode = mode;
        this.horizontal = !mode.equals(VERTICAL);
        this.vertical = !mode.equals(HORIZONTAL);
    }

    public String mode() {
        return mode;
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
            boolean fh = horizontal && rng.nextDouble() < 0.5;
            boolean fv = vertical && rng.nextDouble() < 0.5;
            // x' = W-1-x when flipped left-right, y' = H-1-y when flipped top-bottom
            m[b] = new double[]{fh ? -1 : 1, 0, fh ? s[2] - 1 : 0, 0, fv ? -1 : 1, fv ? s[1] - 1 : 0};
        }
        return ImageTransforms.affine("randomFlip", x.toFloat(), m, s[1], s[2], Interpolation.NEAREST, FillMode.CONSTANT, 0f);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("mode", mode);
        c.put("data_format", LayerUtils.CHANNELS_LAST);
        return c;
    }

    public static RandomFlip fromConfig(Map<String, Object> c) {
        LayerUtils.checkDataFormat("RandomFlip", c);
        return withBaseConfig(new RandomFlip(Config.getString(c, "mode", HORIZONTAL_AND_VERTICAL)), c);
    }
}
