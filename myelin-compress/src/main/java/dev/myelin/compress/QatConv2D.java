package dev.myelin.compress;

import dev.myelin.core.Conv;
import dev.myelin.core.Padding;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Activations;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.layers.Conv2D;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Conv2D (one group, channels-last) for quantization-aware training: float weights used through
 * fake quantization as {@link QuantizedConv2D} will quantize them, the kernel with one max-abs
 * scale per filter and each input image with one max-abs scale, with straight-through gradients
 * ({@link FakeQuantOps}). Weights as Conv2D: "kernel" (kh, kw, channels, filters), "bias" (filters).
 *
 * <pre>{@code QatConv2D q = QatConv2D.from(conv);   // same name and weights}</pre>
 */
public final class QatConv2D extends Layer {
    static {
        QuantizedLayers.register();
    }

    private final int filters;
    private final int[] kernelSize, strides, dilationRate;
    private final String padding, activation;
    private final boolean useBias;
    private Parameter kernel, bias;

    public QatConv2D(int filters, int[] kernelSize, int[] strides, String padding, int[] dilationRate, String activation, boolean useBias) {
        if (filters <= 0) throw new IllegalArgumentException("QatConv2D: filters must be positive, got " + filters);
        this.filters = filters;
        this.kernelSize = pair("kernel_size", kernelSize);
        this.strides = pair("strides", strides);
        this.dilationRate = pair("dilation_rate", dilationRate);
        this.padding = padding == null ? "valid" : padding.toLowerCase(Locale.ROOT);
        if (!this.padding.equals("valid") && !this.padding.equals("same")) {
            throw new IllegalArgumentException("QatConv2D: padding must be \"valid\" or \"same\", got \"" + padding + "\"");
        }
        this.activation = Activations.checkName(activation);
        this.useBias = useBias;
    }

    private static int[] pair(String what, int[] v) {
        int[] r = v.length == 1 ? new int[]{v[0], v[0]} : v.clone();
        if (r.length != 2 || r[0] <= 0 || r[1] <= 0) throw new IllegalArgumentException("QatConv2D: " + what + " needs 1 or 2 positive values, got " + Arrays.toString(v));
        return r;
    }

    /** A quantization-aware copy of a built, ungrouped Conv2D: same name, input shape and weights. */
    public static QatConv2D from(Conv2D c) {
        if (!c.isBuilt()) throw new IllegalArgumentException("QatConv2D.from: " + c.describe() + " is not built yet");
        if (c.groups() != 1) throw new IllegalArgumentException("QatConv2D.from: " + c.describe() + " has " + c.groups() + " groups; only ungrouped convolutions");
        QatConv2D q = new QatConv2D(c.filters(), c.kernelSize(), c.strides(), c.padding(), c.dilationRate(), c.activation(), c.useBias());
        q.name(c.name());
        q.ensureBuilt(c.builtInputShapes());
        ModelRewrite.copyWeights(c, q);
        return q;
    }

    public int filters() { return filters; }

    public int[] kernelSize() { return kernelSize.clone(); }

    public int[] strides() { return strides.clone(); }

    public String padding() { return padding; }

    public int[] dilationRate() { return dilationRate.clone(); }

    public String activation() { return activation; }

    public Parameter kernel() { return kernel; }

    public Parameter bias() { return bias; }

    @Override
    protected void build(int[] inputShape) {
        if (inputShape.length != 3 || inputShape[2] <= 0) {
            throw new IllegalArgumentException(describe() + ": expected input (None, height, width, channels), got " + withBatch(inputShape));
        }
        kernel = addWeight("kernel", new int[]{kernelSize[0], kernelSize[1], inputShape[2], filters}, Initializer.glorotUniform());
        if (useBias) bias = addWeight("bias", new int[]{filters}, Initializer.zeros());
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        int[] out = new int[3];
        for (int a = 0; a < 2; a++) {
            int n = inputShape[a], w = (kernelSize[a] - 1) * dilationRate[a] + 1, s = strides[a];
            out[a] = n < 0 ? -1 : padding.equals("same") ? (n + s - 1) / s : Math.max(0, n >= w ? (n - w) / s + 1 : 0);
        }
        out[2] = filters;
        return out;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        Tensor y = Conv.conv2d(FakeQuantOps.perSample(x), FakeQuantOps.perChannel(kernel.value()), bias == null ? null : bias.value(),
                strides, padding.equals("same") ? Padding.SAME : Padding.VALID, dilationRate, 1);
        return Activations.get(activation).apply(y);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("filters", filters);
        m.put("kernel_size", Config.list(kernelSize));
        m.put("strides", Config.list(strides));
        m.put("padding", padding);
        m.put("data_format", "channels_last");
        m.put("dilation_rate", Config.list(dilationRate));
        m.put("activation", activation);
        m.put("use_bias", useBias);
        return m;
    }

    public static QatConv2D fromConfig(Map<String, Object> c) {
        return withBaseConfig(new QatConv2D(Config.getInt(c, "filters"), Config.getInts(c, "kernel_size"), Config.getInts(c, "strides", new int[]{1}),
                Config.getString(c, "padding", "valid"), Config.getInts(c, "dilation_rate", new int[]{1}),
                Config.getString(c, "activation", null), Config.getBool(c, "use_bias", true)), c);
    }
}
