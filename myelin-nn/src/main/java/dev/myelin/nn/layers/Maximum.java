package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The element-wise maximum of its inputs, Keras's {@code Maximum}, with the broadcasting of
 * {@link Merge}; at a tie the gradient is shared between the inputs.
 *
 * <pre>{@code SymbolicTensor y = new Maximum().apply(a, b);}</pre>
 */
public final class Maximum extends Merge {

    @Override
    Tensor merge(List<Tensor> xs) {
        Tensor y = xs.get(0);
        for (int i = 1; i < xs.size(); i++) y = y.maximum(xs.get(i));
        return y;
    }

    public static Maximum fromConfig(Map<String, Object> c) {
        return withBaseConfig(new Maximum(), c);
    }
}
