package dev.myelin.nn.layers;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.ArrayList;
import java.util.List;

/**
 * What the merging layers share, as Keras's {@code Merge}: several inputs in, one out. The
 * element-wise ones ({@link Add}, {@link Subtract}, {@link Multiply}, {@link Average},
 * {@link Maximum}, {@link Minimum}) broadcast like Keras: shapes (without the batch axis) are
 * aligned from the right, a lower-rank input gets axes of size 1 after its batch axis, and on
 * each axis the sizes must match or be 1. A shape error names the layer and every input's shape.
 * An input mask (the first input's, as the functional model passes it) goes through unchanged;
 * Keras would AND the masks of all inputs.
 *
 * <pre>{@code
 * SymbolicTensor a = Input.of(16), b = Input.of(16);
 * SymbolicTensor sum = new Add().apply(a, b);                    // (None, 16)
 * Tensor y = new Add().applyAll(List.of(x1, x2), Context.inference()).get(0);
 * }</pre>
 */
public abstract class Merge extends Layer {

    Merge() {
    }

    /** The result for inputs already checked and, for element-wise merges, aligned to one rank. */
    abstract Tensor merge(List<Tensor> xs);

    /** Fails unless the number of inputs suits the layer (Subtract takes exactly 2). */
    void checkCount(int n) {
        if (n < 1) throw new IllegalArgumentException(describe() + " needs at least 1 input, got none");
    }

    /** The output shape (no batch axis) for these input shapes, or an error naming all of them. */
    int[] mergedShape(List<int[]> shapes) {
        int rank = 0;
        for (int[] s : shapes) rank = Math.max(rank, s.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int size = 1;
            boolean unknown = false;
            for (int[] s : shapes) {
                int k = i - (rank - s.length);
                int d = k < 0 ? 1 : s[k];
                if (d < 0) unknown = true;
                else if (d != 1) {
                    if (size != 1 && size != d) {
                        throw new IllegalArgumentException(describe() + ": inputs have incompatible shapes " + LayerUtils.shapes(shapes)
                                + ": axis " + (i + 1) + " has sizes " + size + " and " + d + " (each must match or be 1)");
                    }
                    size = d;
                }
            }
            out[i] = unknown && size == 1 ? -1 : size;
        }
        return out;
    }

    /** Inputs of lower rank get axes of size 1 after the batch axis, so broadcasting aligns sample axes from the right. */
    List<Tensor> prepare(List<Tensor> xs) {
        int rank = 0;
        for (Tensor x : xs) rank = Math.max(rank, x.rank());
        List<Tensor> out = new ArrayList<>();
        for (Tensor x : xs) {
            Tensor t = x;
            while (t.rank() < rank) t = t.unsqueeze(1);
            out.add(t);
        }
        return out;
    }

    @Override
    protected void build(List<int[]> inputShapes) {
        computeOutputShapes(inputShapes);
    }

    @Override
    public List<int[]> computeOutputShapes(List<int[]> inputShapes) {
        checkCount(inputShapes.size());
        return List.of(mergedShape(inputShapes));
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        return computeOutputShapes(List.of(inputShape)).get(0);
    }

    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        // checked across all inputs in call
    }

    @Override
    protected List<Tensor> call(List<Tensor> inputs, Context ctx) {
        checkCount(inputs.size());
        List<int[]> shapes = new ArrayList<>();
        for (Tensor x : inputs) {
            int[] s = x.shape();
            if (s.length == 0 || s[0] != inputs.get(0).size(0)) {
                List<String> all = new ArrayList<>();
                for (Tensor t : inputs) all.add(Shape.format(t.shape()));
                throw new IllegalArgumentException(describe() + ": inputs must share the batch axis, got shapes " + String.join(", ", all));
            }
            shapes.add(java.util.Arrays.copyOfRange(s, 1, s.length));
        }
        mergedShape(shapes);
        return List.of(merge(prepare(inputs)));
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        return call(List.of(x), ctx).get(0);
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }
}
