package dev.myelin.nn.layers;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Layers;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Applies a layer to every time step, as Keras's {@code TimeDistributed}: input (batch, time, ...)
 * is folded to (batch * time, ...), run through the layer (same weights for every step) and
 * unfolded to (batch, time, ...). The time mask passes through.
 *
 * <pre>{@code new TimeDistributed(new Dense(10, "softmax"))   // (batch, time, 64) -> (batch, time, 10)}</pre>
 */
public final class TimeDistributed extends Layer {
    private final Layer layer;

    public TimeDistributed(Layer layer) {
        if (layer == null) throw new IllegalArgumentException("TimeDistributed: the layer must not be null");
        this.layer = track(layer);
    }

    /** The wrapped layer. */
    public Layer layer() {
        return layer;
    }

    @Override
    public Layer seed(long value) {
        super.seed(value);
        layer.seed(value);
        return this;
    }

    private int[] stepShape(int[] inputShape) {
        if (inputShape.length < 2) {
            throw new IllegalArgumentException(describe() + ": expected input (batch, time, ...) with at least one axis after time, got "
                    + withBatch(inputShape));
        }
        return Arrays.copyOfRange(inputShape, 1, inputShape.length);
    }

    @Override
    protected void build(int[] inputShape) {
        layer.ensureBuilt(stepShape(inputShape));
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        int[] inner = layer.computeOutputShape(stepShape(inputShape));
        int[] out = new int[inner.length + 1];
        out[0] = inputShape[0];
        System.arraycopy(inner, 0, out, 1, inner.length);
        return out;
    }

    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        List<int[]> built = builtInputShapes();
        if (built == null) return;
        int[] e = built.get(0);
        boolean ok = shapeWithBatch.length == e.length + 1;
        for (int i = 0; ok && i < e.length; i++) ok = e[i] < 0 || e[i] == shapeWithBatch[i + 1];
        if (!ok) throw new IllegalArgumentException(describe() + ": expected input shape " + withBatch(e) + ", got " + Shape.format(shapeWithBatch));
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        int[] s = x.shape();
        int batch = s[0], time = s[1];
        int[] folded = Arrays.copyOfRange(s, 1, s.length);
        folded[0] = batch * time;
        Tensor y = layer.apply(x.reshape(folded), ctx.withMask(null)); // (batch * time, ...)
        int[] ys = y.shape();
        int[] unfolded = new int[ys.length + 1];
        unfolded[0] = batch;
        unfolded[1] = time;
        System.arraycopy(ys, 1, unfolded, 2, ys.length - 1);
        return y.reshape(unfolded);
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("layer", Layers.toConfig(layer));
        return m;
    }

    public static TimeDistributed fromConfig(Map<String, Object> c) {
        return withBaseConfig(new TimeDistributed(Layers.fromConfig(Config.map(c.get("layer"), "TimeDistributed 'layer'"))), c);
    }
}
