package dev.myelin.nn.layers;

import java.util.Map;

/**
 * The maximum over height and width, Keras's {@code GlobalMaxPooling2D}: (batch, h, w, c) to
 * (batch, c), or (batch, 1, 1, c) with {@code keepdims}.
 *
 * <pre>{@code new GlobalMaxPooling2D()}</pre>
 */
public final class GlobalMaxPooling2D extends BaseGlobalPooling<GlobalMaxPooling2D> {
    public GlobalMaxPooling2D() {
        super(2, true);
    }

    public static GlobalMaxPooling2D fromConfig(Map<String, Object> c) {
        return readConfig(new GlobalMaxPooling2D(), c);
    }
}
