package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Map;

/**
 * Multiplies by a scale and adds an offset, Keras's {@code Rescaling}: {@code y = x * scale + offset},
 * the same in training and inference. {@code new Rescaling(1 / 255f)} maps 8-bit pixels to [0, 1];
 * {@code new Rescaling(1 / 127.5f, -1)} maps them to [-1, 1]. Integer inputs are converted to float.
 *
 * <pre>{@code new Sequential(new InputLayer(32, 32, 3), new Rescaling(1 / 255f), new Conv2D(32, 3, "relu"))}</pre>
 */
public final class Rescaling extends Layer {
    private final float scale, offset;

    /** {@code x * scale}. */
    public Rescaling(float scale) {
        this(scale, 0f);
    }

    /** {@code x * scale + offset}. */
    public Rescaling(float scale, float offset) {
        if (!Float.isFinite(scale) || !Float.isFinite(offset)) {
            throw new IllegalArgumentException("Rescaling: scale and offset must be finite, got " + scale + " and " + offset);
        }
        this.scale = scale;
        this.offset = offset;
    }

    public float scale() {
        return scale;
    }

    public float offset() {
        return offset;
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
        Tensor y = x.toFloat().mul(scale);
        return offset == 0f ? y : y.add(offset);
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("scale", (double) scale);
        m.put("offset", (double) offset);
        return m;
    }

    public static Rescaling fromConfig(Map<String, Object> c) {
        return withBaseConfig(new Rescaling(Config.getFloat(c, "scale"), Config.getFloat(c, "offset", 0f)), c);
    }
}
