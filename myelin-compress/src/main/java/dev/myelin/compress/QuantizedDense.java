package dev.myelin.compress;

import dev.myelin.core.GradMode;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Activations;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.layers.Dense;

import java.util.List;
import java.util.Map;

/**
 * {@link Dense} with int8 weights, for inference: {@code activation(x @ kernel + bias)} where the
 * kernel is a {@link QTensor} with one scale per unit and each row of x is quantized at run time
 * from its max-abs (dynamic quantization), so the product runs on {@link Int8Gemm}. Weights:
 * "kernel", int8 (units, inputDim) (one row per unit: the transpose of Dense's layout, so each
 * unit's weights are contiguous for the kernel), "kernel_scale", float32 (units), and "bias",
 * float32 (units). With a static input scale (from {@link Quantizer#staticInt8} calibration) the
 * input is quantized with that one scale, saturating beyond 127 scales, instead of per row; it is
 * the weight "input_scale", float32 (1). Nothing is trainable; calling it in training mode is an
 * error (fine-tune the float model, or use {@link QuantizationAware}, then quantize).
 *
 * <pre>{@code QuantizedDense q = QuantizedDense.from(dense);   // same name, config and input shape}</pre>
 */
public final class QuantizedDense extends Layer {
    static {
        QuantizedLayers.register();
    }

    private final int units;
    private final String activation;
    private final boolean useBias;
    private boolean staticInput;
    private Int8Weight kernel;
    private Parameter bias, inputScale;

    /** Inputs quantized per row at run time (dynamic). */
    public QuantizedDense(int units, String activation, boolean useBias) {
        if (units <= 0) throw new IllegalArgumentException("QuantizedDense: units must be positive, got " + units);
        this.units = units;
        this.activation = Activations.checkName(activation);
        this.useBias = useBias;
    }

    /** Quantizes inputs with one fixed scale, the weight "input_scale" (static), instead of per row. Before building. Returns this. */
    public QuantizedDense staticInput(boolean value) {
        if (isBuilt()) throw new IllegalStateException(describe() + ": set staticInput before the layer is built");
        staticInput = value;
        return this;
    }

    /** Sets the static input scale (calibrated range / 127). */
    public void setInputScale(float scale) {
        if (inputScale == null) throw new IllegalStateException(describe() + " quantizes its input dynamically; it has no input scale");
        if (!(scale > 0) || !Float.isFinite(scale)) throw new IllegalArgumentException(describe() + ": input scale must be finite and positive, got " + scale);
        inputScale.assign(Tensor.of(new float[]{scale}, 1));
    }

    /** A quantized copy of a built Dense layer: same name and input shape, kernel quantized per unit, bias copied. */
    public static QuantizedDense from(Dense dense) {
        if (!dense.isBuilt()) throw new IllegalArgumentException("QuantizedDense.from: " + dense.describe() + " is not built yet");
        QuantizedDense q = new QuantizedDense(dense.units(), dense.activation(), dense.bias() != null);
        q.name(dense.name());
        q.ensureBuilt(dense.builtInputShapes());
        q.setWeights(dense.kernel().value(), dense.bias() == null ? null : dense.bias().value());
        return q;
    }

    /** Quantizes a float kernel (inputDim, units), Keras's Dense layout, and copies the bias (or null). */
    public void setWeights(Tensor floatKernel, Tensor floatBias) {
        try (var ignored = GradMode.noGrad()) {
            kernel.set(QTensor.quantize(floatKernel.detach().t()));
            if (bias != null) bias.assign(floatBias.detach());
        }
    }

    public int units() {
        return units;
    }

    public String activation() {
        return activation;
    }

    /** The int8 kernel, (units, inputDim). */
    public QTensor kernel() {
        return kernel.qtensor();
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    protected void build(int[] inputShape) {
        if (inputShape.length == 0) throw new IllegalArgumentException(describe() + ": input needs at least one axis besides the batch");
        int in = inputShape[inputShape.length - 1];
        if (in <= 0) throw new IllegalArgumentException(describe() + ": the last input axis must have a known size, got " + withBatch(inputShape));
        Parameter scale = addWeight("kernel_scale", new int[]{units}, Initializer.ones(), null, false);
        kernel = new Int8Weight("kernel", units, in, scale);
        if (useBias) bias = addWeight("bias", new int[]{units}, Initializer.zeros(), null, false);
        if (staticInput) inputScale = addWeight("input_scale", new int[]{1}, Initializer.ones(), null, false);
    }

    @Override
    public List<Parameter> weights() {
        return Int8Weight.prepend(kernel, super.weights());
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        int[] out = inputShape.clone();
        out[out.length - 1] = units;
        return out;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        QuantizedLayers.requireInference(this, ctx);
        QTensor w = kernel.qtensor();
        int in = w.cols();
        int[] shape = x.shape();
        Tensor c = x.toFloat().contiguous();
        int m = c.numel() / in;
        float[] out = new float[m * units];
        QTensor xq = inputScale == null ? QTensor.quantizeRows(c.floatData(), c.offset(), m, in)
                : QTensor.quantizeRows(c.floatData(), c.offset(), m, in, inputScale.value().floatData()[0]);
        boolean relu = QuantizedLayers.isRelu(activation);
        xq.matmulTransposed(w, bias == null ? null : bias.value().floatData(), out, 0, relu);
        shape[shape.length - 1] = units;
        Tensor y = Tensor.wrap(out, shape);
        return relu || QuantizedLayers.isLinear(activation) ? y : Activations.get(activation).apply(y);
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
        m.put("quantization", QuantizedLayers.DYNAMIC_INT8);
        m.put("input_quantization", staticInput ? "static" : "dynamic");
        return m;
    }

    public static QuantizedDense fromConfig(Map<String, Object> c) {
        QuantizedLayers.checkScheme("QuantizedDense", c);
        QuantizedDense d = new QuantizedDense(Config.getInt(c, "units"), Config.getString(c, "activation", null), Config.getBool(c, "use_bias", true));
        d.staticInput(QuantizedLayers.staticInput("QuantizedDense", c));
        return withBaseConfig(d, c);
    }
}
