package dev.myelin.nn.layers;

import dev.myelin.nn.Config;

import java.util.Map;

/**
 * The maximum over each window of a (batch, steps, channels) input, Keras's {@code MaxPooling1D};
 * strides default to the pool size. See {@link BasePooling} for the output sizes and padding.
 *
 * <pre>{@code new MaxPooling1D(2).strides(1).padding("same")}</pre>
 */
public final class MaxPooling1D extends BasePooling<MaxPooling1D> {

    /** A window of 2 steps, Keras's default. */
    public MaxPooling1D() {
        this(2);
    }

    public MaxPooling1D(int poolSize) {
        super(1, true, new int[]{poolSize});
    }

    public static MaxPooling1D fromConfig(Map<String, Object> c) {
        return readConfig(new MaxPooling1D(LayerUtils.tuple("MaxPooling1D", "pool_size", Config.getInts(c, "pool_size", new int[]{2}), 1)[0]), c);
    }
}
