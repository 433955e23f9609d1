package dev.myelin.nn.layers;

import dev.myelin.core.ShapeOps;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;

import java.util.List;
import java.util.Map;

/**
 * Joins its inputs along one axis, Keras's {@code Concatenate}: the axis counts the batch axis as 0
 * (so the default, -1, is the last axis), the inputs have one rank and equal sizes on every other
 * axis, and the output's size on the axis is the sum of theirs. An input mask passes through when
 * the axis is the last one (features joined at every step) and is dropped otherwise.
 *
 * <pre>{@code
 * SymbolicTensor h = new Concatenate().apply(a, b);        // (None, 3) and (None, 4) -> (None, 7)
 * SymbolicTensor t = new Concatenate(1).apply(s1, s2);     // (None, 5, 8) and (None, 2, 8) -> (None, 7, 8)
 * }</pre>
 */
public final class Concatenate extends Merge {
    private final int axis;

    /** Along the last axis. */
    public Concatenate() {
        this(-1);
    }

    /** Along {@code axis}, counted with the batch axis as 0; negative counts from the end. */
    public Concatenate(int axis) {
        if (axis == 0) throw new IllegalArgumentException("Concatenate: axis 0 is the batch axis; join samples along another axis");
        this.axis = axis;
    }

    public int axis() {
        return axis;
    }

    /** The axis in [1, rank) of a tensor of {@code rank} axes (batch included), or an error naming the shapes. */
    private int resolve(int rank, List<int[]> shapes) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 1 || a >= rank) {
            throw new IllegalArgumentException(describe() + ": axis " + axis + " is out of range for inputs " + LayerUtils.shapes(shapes)
                    + " (the batch axis 0 cannot be joined)");
        }
        return a;
    }

    @Override
    int[] mergedShape(List<int[]> shapes) {
        int[] first = shapes.get(0);
        for (int[] s : shapes) {
            if (s.length != first.length) {
                throw new IllegalArgumentException(describe() + ": inputs must have the same rank, got shapes " + LayerUtils.shapes(shapes));
            }
        }
        int k = resolve(first.length + 1, shapes) - 1; // the axis in shapes without the batch axis
        int[] out = first.clone();
        for (int i = 0; i < first.length; i++) {
            if (i == k) continue;
            for (int[] s : shapes) {
                if (s[i] >= 0 && out[i] >= 0 && s[i] != out[i]) {
                    throw new IllegalArgumentException(describe() + ": inputs must match on every axis but the concatenation axis "
                            + axis + ", got shapes " + LayerUtils.shapes(shapes) + " (axis " + (i + 1) + " differs)");
                }
                if (out[i] < 0) out[i] = s[i];
            }
        }
        int sum = 0;
        for (int[] s : shapes) {
            if (s[k] < 0) {
                sum = -1;
                break;
            }
            sum += s[k];
        }
        out[k] = sum;
        return out;
    }

    @Override
    List<Tensor> prepare(List<Tensor> xs) {
        return xs;
    }

    @Override
    Tensor merge(List<Tensor> xs) {
        return ShapeOps.concat(axis, xs);
    }

    /** The mask of the inputs when joining features (the last axis), else none. */
    @Override
    public Tensor computeMask(List<Tensor> inputs, Tensor mask) {
        if (mask == null || inputs.isEmpty()) return null;
        int rank = inputs.get(0).rank();
        int a = axis < 0 ? axis + rank : axis;
        return a == rank - 1 ? mask : null;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("axis", axis);
        return m;
    }

    public static Concatenate fromConfig(Map<String, Object> c) {
        return withBaseConfig(new Concatenate(Config.getInt(c, "axis", -1)), c);
    }
}
