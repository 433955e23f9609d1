package dev.myelin.nn.layers;

import java.util.Map;

/**
 * The maximum over the steps, Keras's {@code GlobalMaxPooling1D}: (batch, steps, c) to
 * (batch, c), or (batch, 1, c) with {@code keepdims}. Like Keras's, it ignores an input mask.
 *
 * <pre>{@code new GlobalMaxPooling1D()}</pre>
 */
public final class GlobalMaxPooling1D extends BaseGlobalPooling<GlobalMaxPooling1D> {
    public GlobalMaxPooling1D() {
        super(1, true);
    }

    public static GlobalMaxPooling1D fromConfig(Map<String, Object> c) {
        return readConfig(new GlobalMaxPooling1D(), c);
    }
}
