package dev.myelin.compress;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Activations;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.layers.Dense;

import java.util.Map;

/**
 * Dense for quantization-aware training: float weights that train as usual, used through
 * fake quantization exactly as {@link QuantizedDense} will quantize them,
 * {@code activation(fq_row(x) @ fq_channel(kernel) + bias)}: the kernel with one max-abs scale
 * per unit and each input row with its own max-abs scale, gradients passing straight through the
 * rounding ({@link FakeQuantOps}). So the network learns weights whose int8 rounding costs
 * little; {@link Quantizer#dynamic} then turns it into a QuantizedDense. Weights as Dense:
 * "kernel" (inputDim, units) and "bias" (units).
 *
 * <pre>{@code QatDense q = QatDense.from(dense);   // same name and weights}</pre>
 */
public final class QatDense extends Layer {
    static {
        QuantizedLayers.register();
    }

    private final int units;
    private final String activation;
    private final boolean useBias;
    private Parameter kernel, bias;

    public QatDense(int units, String activation) {
        this(units, activation, true);
    }

    public QatDense(int units, String activation, boolean useBias) {
        if (units <= 0) throw new IllegalArgumentException("QatDense: units must be positive, got " + units);
        this.units = units;
        this.activation = Activations.checkName(activation);
        this.useBias = useBias;
    }

    /** A quantization-aware copy of a built Dense: same name, input shape and weights. */
    public static QatDense from(Dense d) {
        if (!d.isBuilt()) throw new IllegalArgumentException("QatDense.from: " + d.describe() + " is not built yet");
        QatDense q = new QatDense(d.units(), d.activation(), d.bias() != null);
        q.name(d.name());
        q.ensureBuilt(d.builtInputShapes());
        ModelRewrite.copyWeights(d, q);
        return q;
    }

    public int units() { return units; }

    public String activation() { return activation; }

    public Parameter kernel() { return kernel; }

    public Parameter bias() { return bias; }

    @Override
    protected void build(int[] inputShape) {
        if (inputShape.length == 0) throw new IllegalArgumentException(describe() + ": input needs at least one axis besides the batch");
        kernel = addWeight("kernel", new int[]{inputShape[inputShape.length - 1], units}, Initializer.glorotUniform());
        if (useBias) bias = addWeight("bias", new int[]{units}, Initializer.zeros());
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        int[] out = inputShape.clone();
        out[out.length - 1] = units;
        return out;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        Tensor y = FakeQuantOps.perRow(x).matmul(FakeQuantOps.perChannel(kernel.value()));
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
        return m;
    }

    public static QatDense fromConfig(Map<String, Object> c) {
        return withBaseConfig(new QatDense(Config.getInt(c, "units"), Config.getString(c, "activation", null), Config.getBool(c, "use_bias", true)), c);
    }
}
