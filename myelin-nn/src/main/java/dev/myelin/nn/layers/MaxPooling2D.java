package dev.myelin.nn.layers;

import dev.myelin.nn.Config;

import java.util.Map;

/**
 * The maximum over each window of a (batch, height, width, channels) input, Keras's
 * {@code MaxPooling2D}; strides default to the pool size. See {@link BasePooling} for the output
 * sizes and padding.
 *
 * <pre>{@code new MaxPooling2D(2)   // (b, 26, 26, 32) -> (b, 13, 13, 32)}</pre>
 */
public final class MaxPooling2D extends BasePooling<MaxPooling2D> {

    /** A 2x2 window, Keras's default. */
    public MaxPooling2D() {
        this(new int[]{2});
    }

    /** A square window: {@code new MaxPooling2D(3)}. */
    public MaxPooling2D(int poolSize) {
        this(new int[]{poolSize});
    }

    /** A (ph, pw) window (one value means square). */
    public MaxPooling2D(int[] poolSize) {
        super(2, true, poolSize);
    }

    public static MaxPooling2D fromConfig(Map<String, Object> c) {
        return readConfig(new MaxPooling2D(Config.getInts(c, "pool_size", new int[]{2})), c);
    }
}
