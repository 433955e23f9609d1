package dev.myelin.nn.layers;

import dev.myelin.core.Pool;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Arrays;
import java.util.Map;

/**
 * What the max and average pooling layers share, as Keras's {@code BasePooling}: a window of
 * {@code pool_size} moved by {@code strides} (by default the pool size, so windows do not overlap)
 * with padding "valid" or "same", channels-last. Output length per axis: "valid"
 * floor((in - pool) / s) + 1, "same" ceil(in / s). Padded positions never count: a max ignores
 * them and a "same" average divides by the number of input elements in its window, as Keras does.
 *
 * <pre>{@code new MaxPooling2D(2)   // (b, 26, 26, 32) -> (b, 13, 13, 32)}</pre>
 *
 * @param <L> the concrete layer, so the fluent setters return it
 */
public abstract class BasePooling<L extends BasePooling<L>> extends Layer {
    final int rank;
    final boolean max;
    final int[] poolSize;
    int[] strides;
    String padding = "valid";

    BasePooling(int rank, boolean max, int[] poolSize) {
        this.rank = rank;
        this.max = max;
        this.poolSize = LayerUtils.tuple(getClass().getSimpleName(), "pool_size", poolSize, rank);
    }

    @SuppressWarnings("unchecked")
    private L self() {
        return (L) this;
    }

    /** Strides: one value for every axis or one per axis; null for the pool size (the default). Returns this. */
    public L strides(int... values) {
        strides = values == null ? null : LayerUtils.tuple(className(), "strides", values, rank);
        return self();
    }

    /** "valid" (the default) or "same". Returns this. */
    public L padding(String value) {
        padding = LayerUtils.padding(className(), value, false);
        return self();
    }

    public int[] poolSize() {
        return poolSize.clone();
    }

    /** The strides in use: the pool size unless set. */
    public int[] strides() {
        return strides == null ? poolSize.clone() : strides.clone();
    }

    public String padding() {
        return padding;
    }

    private String layout() {
        return rank == 1 ? "(None, steps, channels)" : "(None, height, width, channels)";
    }

    @Override
    protected void build(int[] inputShape) {
        LayerUtils.requireRank(this, inputShape, rank + 1, layout());
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        LayerUtils.requireRank(this, inputShape, rank + 1, layout());
        int[] s = strides();
        int[] out = inputShape.clone();
        for (int i = 0; i < rank; i++) out[i] = LayerUtils.poolLength(inputShape[i], poolSize[i], s[i], padding);
        LayerUtils.requireNonEmpty(this, inputShape, out, "pool size " + Arrays.toString(poolSize) + " with padding \"" + padding + "\"");
        return out;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        int[] s = strides();
        var p = LayerUtils.toPadding(padding);
        if (rank == 1) return max ? Pool.maxPool1d(x, poolSize[0], s[0], p) : Pool.avgPool1d(x, poolSize[0], s[0], p);
        return max ? Pool.maxPool2d(x, poolSize, s, p) : Pool.avgPool2d(x, poolSize, s, p);
    }

    /** Keras's keys; "strides" holds the strides in use, as Keras stores them. */
    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("pool_size", Config.list(poolSize));
        m.put("padding", padding);
        m.put("strides", Config.list(strides()));
        m.put("data_format", LayerUtils.CHANNELS_LAST);
        return m;
    }

    static <L extends BasePooling<L>> L readConfig(L layer, Map<String, Object> c) {
        LayerUtils.checkDataFormat(layer.className(), c);
        if (c.get("strides") != null) layer.strides(Config.getInts(c, "strides"));
        layer.padding(Config.getString(c, "padding", "valid"));
        return withBaseConfig(layer, c);
    }
}
