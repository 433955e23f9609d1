package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The element-wise mean of its inputs, Keras's {@code Average}: (x1 + ... + xn) / n, with the
 * broadcasting of {@link Merge}.
 *
 * <pre>{@code SymbolicTensor ensemble = new Average().apply(p1, p2, p3);}</pre>
 */
public final class Average extends Merge {

    @Override
    Tensor merge(List<Tensor> xs) {
        Tensor y = xs.get(0);
        for (int i = 1; i < xs.size(); i++) y = y.add(xs.get(i));
        return y.div((float) xs.size());
    }

    public static Average fromConfig(Map<String, Object> c) {
        return withBaseConfig(new Average(), c);
    }
}
