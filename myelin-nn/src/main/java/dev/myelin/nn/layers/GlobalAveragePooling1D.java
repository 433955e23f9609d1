package dev.myelin.nn.layers;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Context;

import java.util.Arrays;
import java.util.Map;

/**
 * The mean over the steps, Keras's {@code GlobalAveragePooling1D}: (batch, steps, c) to
 * (batch, c), or (batch, 1, c) with {@code keepdims}. With an input mask (batch, steps) of 1 for
 * real steps and 0 for padding, as an {@code Embedding} with maskZero makes, only real steps
 * count: y[b, c] = sum_t m[b, t] x[b, t, c] / sum_t m[b, t].
 *
 * <pre>{@code new Sequential(new InputLayer(20), new Embedding(1000, 16).maskZero(true), new GlobalAveragePooling1D(), new Dense(1))}</pre>
 */
public final class GlobalAveragePooling1D extends BaseGlobalPooling<GlobalAveragePooling1D> {
    public GlobalAveragePooling1D() {
        super(1, false);
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        Tensor mask = ctx.mask();
        if (mask == null) return super.call(x, ctx);
        int[] xs = x.shape();
        if (!Arrays.equals(mask.shape(), new int[]{xs[0], xs[1]})) {
            throw new IllegalArgumentException(describe() + ": the mask has shape " + Shape.format(mask.shape())
                    + " but the input " + Shape.format(xs) + " needs (batch, steps) = (" + xs[0] + ", " + xs[1] + ")");
        }
        Tensor m = mask.toFloat().unsqueeze(2); // (batch, steps, 1)
        return x.mul(m).sum(new int[]{1}, keepdims).div(m.sum(new int[]{1}, keepdims));
    }

    public static GlobalAveragePooling1D fromConfig(Map<String, Object> c) {
        return readConfig(new GlobalAveragePooling1D(), c);
    }
}
