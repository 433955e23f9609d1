package dev.myelin.nn.layers;

import dev.myelin.core.ShapeOps;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Rows and columns of zeros around an image, Keras's {@code ZeroPadding2D}: (batch, h, w, c) to
 * (batch, top + h + bottom, left + w + right, c).
 *
 * <pre>{@code new ZeroPadding2D(1)                               // one on every side
 * new ZeroPadding2D(new int[][]{{1, 2}, {0, 3}})        // ((top, bottom), (left, right))}</pre>
 */
public final class ZeroPadding2D extends Layer {
    private final int top, bottom, left, right;

    /** Keras's default: one row or column on every side. */
    public ZeroPadding2D() {
        this(1);
    }

    /** The same amount on every side. */
    public ZeroPadding2D(int padding) {
        this(padding, padding);
    }

    /** {@code height} rows at the top and the bottom, {@code width} columns at the left and the right. */
    public ZeroPadding2D(int height, int width) {
        this(new int[][]{{height, height}, {width, width}});
    }

    /** ((top, bottom), (left, right)). */
    public ZeroPadding2D(int[][] padding) {
        if (padding == null || padding.length != 2 || padding[0] == null || padding[1] == null
                || padding[0].length != 2 || padding[1].length != 2) {
            throw new IllegalArgumentException("ZeroPadding2D: padding must be ((top, bottom), (left, right)), got "
                    + Arrays.deepToString(padding));
        }
        top = padding[0][0];
        bottom = padding[0][1];
        left = padding[1][0];
        right = padding[1][1];
        if (top < 0 || bottom < 0 || left < 0 || right < 0) {
            throw new IllegalArgumentException("ZeroPadding2D: padding amounts must be >= 0, got " + Arrays.deepToString(padding));
        }
    }

    /** ((top, bottom), (left, right)). */
    public int[][] padding() {
        return new int[][]{{top, bottom}, {left, right}};
    }

    @Override
    protected void build(int[] inputShape) {
        LayerUtils.requireRank(this, inputShape, 3, "(None, height, width, channels)");
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        LayerUtils.requireRank(this, inputShape, 3, "(None, height, width, channels)");
        return new int[]{
                inputShape[0] < 0 ? -1 : inputShape[0] + top + bottom,
                inputShape[1] < 0 ? -1 : inputShape[1] + left + right,
                inputShape[2]};
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        return ShapeOps.pad(x, new int[][]{{0, 0}, {top, bottom}, {left, right}, {0, 0}}, 0f);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("padding", List.of(List.of(top, bottom), List.of(left, right)));
        m.put("data_format", LayerUtils.CHANNELS_LAST);
        return m;
    }

    /** Reads Keras's "padding": an int, (height, width), or ((top, bottom), (left, right)). */
    public static ZeroPadding2D fromConfig(Map<String, Object> c) {
        LayerUtils.checkDataFormat("ZeroPadding2D", c);
        Object p = c.getOrDefault("padding", 1);
        ZeroPadding2D layer;
        if (p instanceof Number) {
            layer = new ZeroPadding2D(Config.getInt(c, "padding"));
        } else if (p instanceof List<?> l && l.size() == 2 && l.get(0) instanceof List<?> && l.get(1) instanceof List<?>) {
            int[][] amounts = new int[2][];
            for (int i = 0; i < 2; i++) amounts[i] = Config.getInts(Map.of("padding", l.get(i)), "padding");
            layer = new ZeroPadding2D(amounts);
        } else {
            int[] hw = Config.getInts(c, "padding");
            if (hw.length != 2) throw new IllegalArgumentException("ZeroPadding2D: padding must be an int, (height, width) or ((top, bottom), (left, right)), got " + p);
            layer = new ZeroPadding2D(hw[0], hw[1]);
        }
        return withBaseConfig(layer, c);
    }
}
