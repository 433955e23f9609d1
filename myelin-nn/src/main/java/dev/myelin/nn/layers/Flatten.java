package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Map;

/** Flattens every axis but the batch axis: (batch, 7, 7, 64) to (batch, 3136). */
public final class Flatten extends Layer {

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        long n = 1;
        for (int d : inputShape) {
            if (d < 0) return new int[]{-1};
            n *= d;
        }
        return new int[]{(int) n};
    }

    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        java.util.List<int[]> built = builtInputShapes();
        if (built == null) return;
        int[] e = built.get(0);
        boolean ok = shapeWithBatch.length == e.length + 1;
        for (int i = 0; ok && i < e.length; i++) ok = e[i] < 0 || e[i] == shapeWithBatch[i + 1];
        if (!ok) throw new IllegalArgumentException(describe() + ": expected input shape " + withBatch(e) + ", got " + dev.myelin.core.Shape.format(shapeWithBatch));
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        return x.reshape(x.size(0), -1);
    }

    public static Flatten fromConfig(Map<String, Object> c) {
        return withBaseConfig(new Flatten(), c);
    }
}
