package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The element-wise sum of its inputs, Keras's {@code Add}, with the broadcasting of {@link Merge}.
 *
 * <pre>{@code SymbolicTensor y = new Add().apply(x, shortcut);   // a residual connection}</pre>
 */
public final class Add extends Merge {

    @Override
    Tensor merge(List<Tensor> xs) {
        Tensor y = xs.get(0);
        for (int i = 1; i < xs.size(); i++) y = y.add(xs.get(i));
        return y;
    }

    public static Add fromConfig(Map<String, Object> c) {
        return withBaseConfig(new Add(), c);
    }
}
