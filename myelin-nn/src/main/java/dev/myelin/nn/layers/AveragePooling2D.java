package dev.myelin.nn.layers;

import dev.myelin.nn.Config;

import java.util.Map;

/**
 * The mean over each window of a (batch, height, width, channels) input, counting only positions
 * inside the input, Keras's {@code AveragePooling2D}; strides default to the pool size. See
 * {@link BasePooling} for the output sizes and padding.
 *
 * <pre>{@code new AveragePooling2D(2)   // (b, 26, 26, 32) -> (b, 13, 13, 32)}</pre>
 */
public final class AveragePooling2D extends BasePooling<AveragePooling2D> {

    /** A 2x2 window, Keras's default. */
    public AveragePooling2D() {
        this(new int[]{2});
    }

    /** A square window: {@code new AveragePooling2D(3)}. */
    public AveragePooling2D(int poolSize) {
        this(new int[]{poolSize});
    }

    /** A (ph, pw) window (one value means square). */
    public AveragePooling2D(int[] poolSize) {
        super(2, false, poolSize);
    }

    public static AveragePooling2D fromConfig(Map<String, Object> c) {
        return readConfig(new AveragePooling2D(Config.getInts(c, "pool_size", new int[]{2})), c);
    }
}
