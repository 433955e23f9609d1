package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Map;

/** The entry point of a model: declares the input shape (no batch axis) and passes data through. */
public final class InputLayer extends Layer {
    private final int[] shape;

    public InputLayer(int... shape) {
        for (int d : shape) {
            if (d == 0 || d < -1) throw new IllegalArgumentException("Input: sizes must be positive or -1 (unknown), got " + java.util.Arrays.toString(shape));
        }
        this.shape = shape.clone();
    }

    public int[] shape() {
        return shape.clone();
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        return shape.clone();
    }

    @Override
    public java.util.List<int[]> computeOutputShapes(java.util.List<int[]> inputShapes) {
        return java.util.List.of(shape.clone());
    }

    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        boolean ok = shapeWithBatch.length == shape.length + 1;
        for (int i = 0; ok && i < shape.length; i++) ok = shape[i] < 0 || shape[i] == shapeWithBatch[i + 1];
        if (!ok) {
            throw new IllegalArgumentException(describe() + ": expected input shape " + withBatch(shape) + ", got " + dev.myelin.core.Shape.format(shapeWithBatch));
        }
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        return x;
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("shape", Config.list(shape));
        return m;
    }

    public static InputLayer fromConfig(Map<String, Object> config) {
        return withBaseConfig(new InputLayer(Config.getInts(config, "shape")), config);
    }
}
