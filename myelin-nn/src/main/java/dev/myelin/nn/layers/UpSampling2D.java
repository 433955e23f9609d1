package dev.myelin.nn.layers;

import dev.myelin.core.ShapeOps;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Map;

/**
 * Nearest-neighbour upsampling, Keras's {@code UpSampling2D}: every row repeated {@code size[0]}
 * times and every column {@code size[1]} times, (batch, h, w, c) to (batch, h*sh, w*sw, c), so
 * y[b, i, j, c] = x[b, i / sh, j / sw, c]. Only "nearest" interpolation is supported.
 *
 * <pre>{@code new UpSampling2D(2)   // (b, 7, 7, 64) -> (b, 14, 14, 64)}</pre>
 */
public final class UpSampling2D extends Layer {
    private final int[] size;

    /** Keras's default, 2 along both axes. */
    public UpSampling2D() {
        this(new int[]{2});
    }

    public UpSampling2D(int size) {
        this(new int[]{size});
    }

    /** (rows, columns) factors; one value applies to both. */
    public UpSampling2D(int[] size) {
        this.size = LayerUtils.tuple("UpSampling2D", "size", size, 2);
    }

    public int[] size() {
        return size.clone();
    }

    @Override
    protected void build(int[] inputShape) {
        LayerUtils.requireRank(this, inputShape, 3, "(None, height, width, channels)");
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        LayerUtils.requireRank(this, inputShape, 3, "(None, height, width, channels)");
        return new int[]{
                inputShape[0] < 0 ? -1 : inputShape[0] * size[0],
                inputShape[1] < 0 ? -1 : inputShape[1] * size[1],
                inputShape[2]};
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        return ShapeOps.repeatInterleave(ShapeOps.repeatInterleave(x, size[0], 1), size[1], 2);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("size", Config.list(size));
        m.put("data_format", LayerUtils.CHANNELS_LAST);
        m.put("interpolation", "nearest");
        return m;
    }

    public static UpSampling2D fromConfig(Map<String, Object> c) {
        LayerUtils.checkDataFormat("UpSampling2D", c);
        String interpolation = Config.getString(c, "interpolation", "nearest");
        if (!interpolation.equals("nearest")) {
            throw new IllegalArgumentException("UpSampling2D: only \"nearest\" interpolation is supported, got \"" + interpolation + "\"");
        }
        return withBaseConfig(new UpSampling2D(Config.getInts(c, "size", new int[]{2})), c);
    }
}
