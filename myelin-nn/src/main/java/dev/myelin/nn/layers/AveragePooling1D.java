package dev.myelin.nn.layers;

import dev.myelin.nn.Config;

import java.util.Map;

/**
 * The mean over each window of a (batch, steps, channels) input, counting only positions inside
 * the input, Keras's {@code AveragePooling1D}; strides default to the pool size. See
 * {@link BasePooling} for the output sizes and padding.
 *
 * <pre>{@code new AveragePooling1D(2).strides(1).padding("same")}</pre>
 */
public final class AveragePooling1D extends BasePooling<AveragePooling1D> {

    /** A window of 2 steps, Keras's default. */
    public AveragePooling1D() {
        this(2);
    }

    public AveragePooling1D(int poolSize) {
        super(1, false, new int[]{poolSize});
    }

    public static AveragePooling1D fromConfig(Map<String, Object> c) {
        return readConfig(new AveragePooling1D(LayerUtils.tuple("AveragePooling1D", "pool_size", Config.getInts(c, "pool_size", new int[]{2}), 1)[0]), c);
    }
}
