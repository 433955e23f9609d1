package dev.myelin.data;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One sample of a {@link Dataset}: its tensors without the batch axis, inputs first, then
 * targets, e.g. {@code [x, y]}. How many of them are inputs is decided when batching
 * ({@link Dataset#batch(int, boolean, int)}; one by default).
 *
 * <pre>{@code Sample s = Sample.of(image, label); Sample scaled = s.with(0, s.get(0).div(255f));}</pre>
 */
public record Sample(List<Tensor> tensors) {
    public Sample {
        if (tensors == null || tensors.isEmpty()) throw new IllegalArgumentException("a sample needs at least one tensor, got none");
        for (int i = 0; i < tensors.size(); i++) {
            if (tensors.get(i) == null) throw new IllegalArgumentException("tensor " + i + " of the sample is null");
        }
        tensors = List.copyOf(tensors);
    }

    public static Sample of(Tensor... tensors) {
        return new Sample(tensors == null ? null : Arrays.asList(tensors.clone()));
    }

    /** Tensor {@code i} (0 is the first input). */
    public Tensor get(int i) {
        if (i < 0 || i >= tensors.size()) {
            throw new IndexOutOfBoundsException("sample has " + tensors.size() + " tensors (0 to " + (tensors.size() - 1) + "), asked for " + i);
        }
        return tensors.get(i);
    }

    /** Number of tensors. */
    public int size() {
        return tensors.size();
    }

    /** A copy with tensor {@code i} replaced by {@code t}. */
    public Sample with(int i, Tensor t) {
        get(i);
        List<Tensor> ts = new ArrayList<>(tensors);
        ts.set(i, t);
        return new Sample(ts);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Sample[");
        for (int i = 0; i < tensors.size(); i++) {
            if (i > 0) sb.append(", ");
            sb.append(tensors.get(i).dtype()).append(Shape.format(tensors.get(i).shape()));
        }
        return sb.append(']').toString();
    }
}
