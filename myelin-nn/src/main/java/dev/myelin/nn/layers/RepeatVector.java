package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Map;

/**
 * Repeats a vector n times along a new time axis, Keras's {@code RepeatVector}:
 * (batch, features) to (batch, n, features), y[b, t, f] = x[b, f]. The usual bridge from an
 * encoder's summary vector to a decoder's sequence.
 *
 * <pre>{@code new RepeatVector(10)   // (b, 32) -> (b, 10, 32)}</pre>
 */
public final class RepeatVector extends Layer {
    private final int n;

    public RepeatVector(int n) {
        if (n < 1) throw new IllegalArgumentException("RepeatVector: n must be positive, got " + n);
        this.n = n;
    }

    public int n() {
        return n;
    }

    @Override
    protected void build(int[] inputShape) {
        LayerUtils.requireRank(this, inputShape, 1, "(None, features)");
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        LayerUtils.requireRank(this, inputShape, 1, "(None, features)");
        return new int[]{n, inputShape[0]};
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        // (b, f) -> (b, 1, f) -> (b, n, f); a broadcast view, its gradient summed over the copies
        return x.unsqueeze(1).expand(x.size(0), n, x.size(1));
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("n", n);
        return m;
    }

    public static RepeatVector fromConfig(Map<String, Object> c) {
        return withBaseConfig(new RepeatVector(Config.getInt(c, "n")), c);
    }
}
