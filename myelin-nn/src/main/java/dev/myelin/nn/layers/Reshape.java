package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Arrays;
import java.util.Map;

/**
 * Gives each sample a new shape with the same number of values, Keras's {@code Reshape}; the batch
 * axis stays. One size may be -1, inferred from the rest.
 *
 * <pre>{@code new Reshape(7, 7, 16)     // (b, 784) -> (b, 7, 7, 16)
 * new Reshape(-1, 8)        // (b, 4, 6) -> (b, 3, 8)}</pre>
 */
public final class Reshape extends Layer {
    private final int[] targetShape;

    /** The new shape of one sample (no batch axis); at most one -1. */
    public Reshape(int... targetShape) {
        int unknown = 0;
        for (int d : targetShape) {
            if (d == -1) unknown++;
            else if (d < 1) throw new IllegalArgumentException("Reshape: target_shape sizes must be positive or -1, got " + Arrays.toString(targetShape));
        }
        if (unknown > 1) throw new IllegalArgumentException("Reshape: at most one size of target_shape may be -1, got " + Arrays.toString(targetShape));
        this.targetShape = targetShape.clone();
    }

    public int[] targetShape() {
        return targetShape.clone();
    }

    @Override
    protected void build(int[] inputShape) {
        computeOutputShape(inputShape);
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        long in = 1;
        for (int d : inputShape) {
            if (d < 0) return targetShape.clone(); // a -1 stays unknown until data comes
            in *= d;
        }
        long known = 1;
        int inferred = -1;
        for (int i = 0; i < targetShape.length; i++) {
            if (targetShape[i] < 0) inferred = i;
            else known *= targetShape[i];
        }
        int[] out = targetShape.clone();
        if (inferred >= 0 && in % known == 0) out[inferred] = (int) (in / known);
        if ((inferred < 0 && known != in) || (inferred >= 0 && in % known != 0)) {
            throw new IllegalArgumentException(describe() + ": cannot reshape input " + withBatch(inputShape) + " (" + in
                    + " values per sample) into target shape " + withBatch(targetShape) + (inferred < 0 ? " (" + known + " values)"
                    : " (" + in + " is not a multiple of " + known + ")"));
        }
        return out;
    }

    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        LayerUtils.checkKnownSizes(this, builtInputShapes() == null ? null : builtInputShapes().get(0), shapeWithBatch);
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        int[] s = new int[targetShape.length + 1];
        s[0] = x.size(0);
        System.arraycopy(targetShape, 0, s, 1, targetShape.length);
        return x.reshape(s);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("target_shape", Config.list(targetShape));
        return m;
    }

    public static Reshape fromConfig(Map<String, Object> c) {
        return withBaseConfig(new Reshape(Config.getInts(c, "target_shape")), c);
    }
}
