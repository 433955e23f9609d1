package dev.myelin.compress;

import dev.myelin.core.GradMode;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Parameter;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which weights of which kernels pruning keeps: one boolean per weight, false where the weight is
 * pruned. {@link #apply} zeroes the pruned weights in place (outside autograd), which
 * {@link PruningCallback} does after every optimizer step so pruned weights stay at zero.
 */
public final class PruningMasks {
    private final Map<Parameter, boolean[]> keep;
    private final Map<Parameter, Tensor> factors = new LinkedHashMap<>();

    PruningMasks(Map<Parameter, boolean[]> keep) {
        this.keep = Collections.unmodifiableMap(new LinkedHashMap<>(keep));
        for (var e : keep.entrySet()) {
            boolean[] k = e.getValue();
            float[] f = new float[k.length];
            for (int i = 0; i < k.length; i++) f[i] = k[i] ? 1f : 0f;
            factors.put(e.getKey(), Tensor.wrap(f, e.getKey().shape()));
        }
    }

    /** The masked kernels. */
    public Set<Parameter> kernels() {
        return keep.keySet();
    }

    /** Whether weight i (row-major) of {@code kernel} is kept. */
    public boolean kept(Parameter kernel, int i) {
        return keep.get(kernel)[i];
    }

    /** Sets the pruned weights to zero. */
    public void apply() {
        try (var ignored = GradMode.noGrad()) {
            for (var e : factors.entrySet()) e.getKey().value().mulInPlace(e.getValue());
        }
    }

    /** Fraction of weights the masks prune, over all masked kernels. */
    public float sparsity() {
        long pruned = 0, total = 0;
        for (boolean[] k : keep.values()) {
            for (boolean b : k) if (!b) pruned++;
            total += k.length;
        }
        return total == 0 ? 0f : (float) ((double) pruned / total);
    }
}
