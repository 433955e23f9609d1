package dev.myelin.nn.layers;

import java.util.Map;

/**
 * The mean over height and width, Keras's {@code GlobalAveragePooling2D}: (batch, h, w, c) to
 * (batch, c), or (batch, 1, 1, c) with {@code keepdims}.
 *
 * <pre>{@code new GlobalAveragePooling2D()}</pre>
 */
public final class GlobalAveragePooling2D extends BaseGlobalPooling<GlobalAveragePooling2D> {
    public GlobalAveragePooling2D() {
        super(2, false);
    }

    public static GlobalAveragePooling2D fromConfig(Map<String, Object> c) {
        return readConfig(new GlobalAveragePooling2D(), c);
    }
}
