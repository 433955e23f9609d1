package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Activations;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;

import java.util.Map;

/** Applies an activation function by name: {@code new Activation("relu")}. */
public final class Activation extends Layer {
    private final String activation;

    public Activation(String activation) {
        this.activation = Activations.checkName(activation);
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        return inputShape.clone();
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        return Activations.get(activation).apply(x);
    }

    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        // element-wise: any shape
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("activation", activation);
        return m;
    }

    public static Activation fromConfig(Map<String, Object> c) {
        return withBaseConfig(new Activation(Config.getString(c, "activation")), c);
    }
}
