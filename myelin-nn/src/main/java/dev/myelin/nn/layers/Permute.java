package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Arrays;
import java.util.Map;

/**
 * Reorders the axes of each sample, Keras's {@code Permute}: {@code dims} is a permutation of
 * 1..rank counted from 1 as in Keras (the batch axis, 0, stays first), and output axis i is
 * input axis dims[i].
 *
 * <pre>{@code new Permute(2, 1)   // (b, 10, 64) -> (b, 64, 10)}</pre>
 */
public final class Permute extends Layer {
    private final int[] dims;

    /** A permutation of 1..n, where n is the rank of a sample. */
    public Permute(int... dims) {
        boolean[] seen = new boolean[dims.length + 1];
        for (int d : dims) {
            if (d < 1 || d > dims.length || seen[d]) {
                throw new IllegalArgumentException("Permute: dims must be a permutation of 1.." + dims.length
                        + " (1-based, the batch axis excluded), got " + Arrays.toString(dims));
            }
            seen[d] = true;
        }
        this.dims = dims.clone();
    }

    public int[] dims() {
        return dims.clone();
    }

    @Override
    protected void build(int[] inputShape) {
        computeOutputShape(inputShape);
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        if (inputShape.length != dims.length) {
            throw new IllegalArgumentException(describe() + ": dims " + Arrays.toString(dims) + " permute " + dims.length
                    + " axes, but input " + withBatch(inputShape) + " has " + inputShape.length + " besides the batch axis");
        }
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) out[i] = inputShape[dims[i] - 1];
        return out;
    }

    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        LayerUtils.checkKnownSizes(this, builtInputShapes() == null ? null : builtInputShapes().get(0), shapeWithBatch);
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        int[] order = new int[dims.length + 1];
        System.arraycopy(dims, 0, order, 1, dims.length);
        return x.permute(order);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("dims", Config.list(dims));
        return m;
    }

    public static Permute fromConfig(Map<String, Object> c) {
        return withBaseConfig(new Permute(Config.getInts(c, "dims")), c);
    }
}
