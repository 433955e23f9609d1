package dev.myelin.nn;

import dev.myelin.core.Tensor;

import java.util.List;

/** One batch for training or evaluation: inputs, targets (may be empty for prediction) and optional per-sample weights. */
public record Batch(List<Tensor> x, List<Tensor> y, Tensor sampleWeight) {
    public Batch {
        x = List.copyOf(x);
        y = List.copyOf(y);
    }

    public Batch(Tensor x, Tensor y) {
        this(List.of(x), y == null ? List.of() : List.of(y), null);
    }

    /** Number of samples. */
    public int size() {
        return x.get(0).size(0);
    }
}
