package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Activations;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.regularizers.Regularizer;

import java.util.Map;

/**
 * A fully connected layer: {@code activation(x @ kernel + bias)} over the last axis, kernel shape
 * (inputDim, units) as Keras stores it. Inputs of rank above 2 apply the same weights at every
 * leading position.
 *
 * <pre>{@code new Dense(64, "relu").kernelRegularizer(Regularizer.l2(1e-4f))}</pre>
 */
public final class Dense extends Layer {
    private final int units;
    private final String activation;
    private boolean useBias = true;
    private Initializer kernelInit = Initializer.glorotUniform(), biasInit = Initializer.zeros();
    private Regularizer kernelReg, biasReg;
    private Parameter kernel, bias;

    public Dense(int units) {
        this(units, null);
    }

    public Dense(int units, String activation) {
        if (units <= 0) throw new IllegalArgumentException("Dense: units must be positive, got " + units);
        this.units = units;
        this.activation = Activations.checkName(activation);
    }

    public Dense useBias(boolean value) { useBias = value; return this; }

    public Dense kernelInitializer(Initializer init) { kernelInit = init; return this; }

    public Dense biasInitializer(Initializer init) { biasInit = init; return this; }

    public Dense kernelRegularizer(Regularizer r) { kernelReg = r; return this; }

    public Dense biasRegularizer(Regularizer r) { biasReg = r; return this; }

    public int units() { return units; }

    public Parameter kernel() { return kernel; }

    public Parameter bias() { return bias; }

    public String activation() { return activation; }

    @Override
    protected void build(int[] inputShape) {
        if (inputShape.length == 0) throw new IllegalArgumentException(describe() + ": input needs at least one axis besides the batch");
        int in = inputShape[inputShape.length - 1];
        kernel = addWeight("kernel", new int[]{in, units}, kernelInit, kernelReg, true);
        if (useBias) bias = addWeight("bias", new int[]{units}, biasInit, biasReg, true);
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        int[] out = inputShape.clone();
        out[out.length - 1] = units;
        return out;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        Tensor y = x.matmul(kernel.value());
        if (bias != null) y = y.add(bias.value());
        return Activations.get(activation).apply(y);
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("units", units);
        m.put("activation", activation);
        m.put("use_bias", useBias);
        m.put("kernel_initializer", kernelInit.config());
        m.put("bias_initializer", biasInit.config());
        if (kernelReg != null) m.put("kernel_regularizer", kernelReg.config());
        if (biasReg != null) m.put("bias_regularizer", biasReg.config());
        return m;
    }

    public static Dense fromConfig(Map<String, Object> c) {
        Dense d = new Dense(Config.getInt(c, "units"), Config.getString(c, "activation", null));
        d.useBias(Config.getBool(c, "use_bias", true));
        if (c.get("kernel_initializer") != null) d.kernelInitializer(Initializer.fromConfig(c.get("kernel_initializer")));
        if (c.get("bias_initializer") != null) d.biasInitializer(Initializer.fromConfig(c.get("bias_initializer")));
        d.kernelRegularizer(Regularizer.fromConfig(c.get("kernel_regularizer")));
        d.biasRegularizer(Regularizer.fromConfig(c.get("bias_regularizer")));
        return withBaseConfig(d, c);
    }
}
