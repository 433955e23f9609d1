package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The difference of exactly two inputs, Keras's {@code Subtract}: x1 - x2, with the broadcasting
 * of {@link Merge}.
 *
 * <pre>{@code SymbolicTensor diff = new Subtract().apply(a, b);}</pre>
 */
public final class Subtract extends Merge {
    @Override
    void checkCount(int n) {
        if (n != 2) throw new IllegalArgumentException(describe() + " takes exactly 2 inputs, got " + n);
    }

    @Override
    Tensor merge(List<Tensor> xs) {
        return xs.get(0).sub(xs.get(1));
    }

    public static Subtract fromConfig(Map<String, Object> c) {
        return withBaseConfig(new Subtract(), c);
    }
}
