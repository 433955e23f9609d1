package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The element-wise product of its inputs, Keras's {@code Multiply}, with the broadcasting of {@link Merge}.
 *
 * <pre>{@code SymbolicTensor gated = new Multiply().apply(h, gate);}</pre>
 */
public final class Multiply extends Merge {

    @Override
    Tensor merge(List<Tensor> xs) {
        Tensor y = xs.get(0);
        for (int i = 1; i < xs.size(); i++) y = y.mul(xs.get(i));
        return y;
    }

    public static Multiply fromConfig(Map<String, Object> c) {
        return withBaseConfig(new Multiply(), c);
    }
}
