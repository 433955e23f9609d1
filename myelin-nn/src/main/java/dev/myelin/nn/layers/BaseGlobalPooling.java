package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the global pooling layers share, as Keras's {@code BaseGlobalPooling}: the mean or the
 * maximum over every spatial axis of a channels-last input, (batch, ..., channels) to
 * (batch, channels), or with {@code keepdims} to (batch, 1, ..., 1, channels).
 *
 * <pre>{@code new GlobalAveragePooling2D().keepdims(true)   // (b, 7, 7, 64) -> (b, 1, 1, 64)}</pre>
 *
 * @param <L> the concrete layer, so the fluent setters return it
 */
public abstract class BaseGlobalPooling<L extends BaseGlobalPooling<L>> extends Layer {
    final int rank;
    final boolean max;
    boolean keepdims;

    BaseGlobalPooling(int rank, boolean max) {
        this.rank = rank;
        this.max = max;
    }

    /** Keeps the pooled axes with size 1. Returns this. */
    @SuppressWarnings("unchecked")
    public L keepdims(boolean value) {
        keepdims = value;
        return (L) this;
    }

    public boolean keepdims() {
        return keepdims;
    }

    /** The pooled axes, batch axis included: 1 .. rank. */
    final int[] axes() {
        int[] a = new int[rank];
        for (int i = 0; i < rank; i++) a[i] = i + 1;
        return a;
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
        if (!keepdims) return new int[]{inputShape[rank]};
        int[] out = new int[rank + 1];
        Arrays.fill(out, 1);
        out[rank] = inputShape[rank];
        return out;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        return max ? x.max(axes(), keepdims) : x.mean(axes(), keepdims);
    }

    /** The spatial axes are gone, so no mask comes out. */
    @Override
    public Tensor computeMask(List<Tensor> inputs, Tensor mask) {
        return null;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("data_format", LayerUtils.CHANNELS_LAST);
        m.put("keepdims", keepdims);
        return m;
    }

    static <L extends BaseGlobalPooling<L>> L readConfig(L layer, Map<String, Object> c) {
        LayerUtils.checkDataFormat(layer.className(), c);
        layer.keepdims(Config.getBool(c, "keepdims", false));
        return withBaseConfig(layer, c);
    }
}
