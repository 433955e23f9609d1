package dev.myelin.nn.layers;

import dev.myelin.core.Conv;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Activations;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.regularizers.Regularizer;

import java.util.Arrays;
import java.util.Map;

/**
 * A depthwise separable 2-D convolution, Keras's {@code SeparableConv2D}: a depthwise convolution
 * (each channel with its own {@code depthMultiplier} filters, with the layer's strides, padding and
 * dilation) followed by a pointwise 1x1 convolution to {@code filters} channels, then the bias and
 * the activation. Weights as Keras 3 names and shapes them: "depthwise_kernel"
 * (kh, kw, channels, depthMultiplier), "pointwise_kernel" (1, 1, channels * depthMultiplier, filters)
 * and "bias" (filters).
 *
 * <pre>{@code new SeparableConv2D(64, 3, "relu").padding("same")}</pre>
 */
public final class SeparableConv2D extends Layer {
    private final int filters;
    private final int[] kernelSize;
    private final String activation;
    private int depthMultiplier = 1;
    private int[] strides = {1, 1}, dilationRate = {1, 1};
    private String padding = "valid";
    private boolean useBias = true;
    private Initializer depthwiseInit = Initializer.glorotUniform(), pointwiseInit = Initializer.glorotUniform(), biasInit = Initializer.zeros();
    private Regularizer depthwiseReg, pointwiseReg, biasReg;
    private Parameter depthwiseKernel, pointwiseKernel, bias;
    private int channels;

    public SeparableConv2D(int filters, int kernelSize) {
        this(filters, new int[]{kernelSize}, null);
    }

    /** A square kernel: {@code new SeparableConv2D(64, 3, "relu")}. */
    public SeparableConv2D(int filters, int kernelSize, String activation) {
        this(filters, new int[]{kernelSize}, activation);
    }

    /** A (kh, kw) kernel (one value means square). */
    public SeparableConv2D(int filters, int[] kernelSize, String activation) {
        if (filters <= 0) throw new IllegalArgumentException("SeparableConv2D: filters must be positive, got " + filters);
        this.filters = filters;
        this.kernelSize = LayerUtils.tuple("SeparableConv2D", "kernel_size", kernelSize, 2);
        this.activation = Activations.checkName(activation);
    }

    /** Depthwise output channels per input channel (default 1). Returns this. */
    public SeparableConv2D depthMultiplier(int value) {
        if (value < 1) throw new IllegalArgumentException("SeparableConv2D: depth_multiplier must be positive, got " + value);
        depthMultiplier = value;
        return this;
    }

    public SeparableConv2D strides(int... values) {
        strides = LayerUtils.tuple("SeparableConv2D", "strides", values, 2);
        return this;
    }

    /** "valid" (the default) or "same", for the depthwise step. Returns this. */
    public SeparableConv2D padding(String value) {
        padding = LayerUtils.padding("SeparableConv2D", value, false);
        return this;
    }

    public SeparableConv2D dilationRate(int... values) {
        dilationRate = LayerUtils.tuple("SeparableConv2D", "dilation_rate", values, 2);
        return this;
    }

    public SeparableConv2D useBias(boolean value) { useBias = value; return this; }

    public SeparableConv2D depthwiseInitializer(Initializer init) { depthwiseInit = init; return this; }

    public SeparableConv2D pointwiseInitializer(Initializer init) { pointwiseInit = init; return this; }

    public SeparableConv2D biasInitializer(Initializer init) { biasInit = init; return this; }

    public SeparableConv2D depthwiseRegularizer(Regularizer r) { depthwiseReg = r; return this; }

    public SeparableConv2D pointwiseRegularizer(Regularizer r) { pointwiseReg = r; return this; }

    public SeparableConv2D biasRegularizer(Regularizer r) { biasReg = r; return this; }

    public int filters() { return filters; }

    public Parameter depthwiseKernel() { return depthwiseKernel; }

    public Parameter pointwiseKernel() { return pointwiseKernel; }

    public Parameter bias() { return bias; }

    @Override
    protected void build(int[] inputShape) {
        LayerUtils.requireChannelsLast(this, inputShape, 3, "(None, height, width, channels)");
        channels = inputShape[2];
        depthwiseKernel = addWeight("depthwise_kernel", new int[]{kernelSize[0], kernelSize[1], channels, depthMultiplier},
                depthwiseInit, depthwiseReg, true);
        pointwiseKernel = addWeight("pointwise_kernel", new int[]{1, 1, channels * depthMultiplier, filters}, pointwiseInit, pointwiseReg, true);
        if (useBias) bias = addWeight("bias", new int[]{filters}, biasInit, biasReg, true);
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        LayerUtils.requireRank(this, inputShape, 3, "(None, height, width, channels)");
        int[] out = new int[3];
        for (int i = 0; i < 2; i++) out[i] = LayerUtils.convLength(inputShape[i], kernelSize[i], strides[i], padding, dilationRate[i]);
        out[2] = filters;
        LayerUtils.requireNonEmpty(this, inputShape, out, "kernel " + Arrays.toString(kernelSize) + " with padding \"" + padding + "\"");
        return out;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        // depthwise: groups = channels, K[kh, kw, c, m] seen as (kh, kw, 1, c*dm + m); then a 1x1 convolution
        Tensor dk = depthwiseKernel.value().reshape(kernelSize[0], kernelSize[1], 1, channels * depthMultiplier);
        Tensor h = Conv.conv2d(x, dk, null, strides, LayerUtils.toPadding(padding), dilationRate, channels);
        Tensor y = Conv.conv2d(h, pointwiseKernel.value(), bias == null ? null : bias.value());
        return Activations.get(activation).apply(y);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("filters", filters);
        m.put("kernel_size", Config.list(kernelSize));
        m.put("strides", Config.list(strides));
        m.put("padding", padding);
        m.put("data_format", LayerUtils.CHANNELS_LAST);
        m.put("depth_multiplier", depthMultiplier);
        m.put("dilation_rate", Config.list(dilationRate));
        m.put("activation", activation);
        m.put("use_bias", useBias);
        m.put("depthwise_initializer", depthwiseInit.config());
        m.put("pointwise_initializer", pointwiseInit.config());
        m.put("bias_initializer", biasInit.config());
        if (depthwiseReg != null) m.put("depthwise_regularizer", depthwiseReg.config());
        if (pointwiseReg != null) m.put("pointwise_regularizer", pointwiseReg.config());
        if (biasReg != null) m.put("bias_regularizer", biasReg.config());
        return m;
    }

    public static SeparableConv2D fromConfig(Map<String, Object> c) {
        LayerUtils.checkDataFormat("SeparableConv2D", c);
        SeparableConv2D s = new SeparableConv2D(Config.getInt(c, "filters"), Config.getInts(c, "kernel_size"), Config.getString(c, "activation", null));
        s.depthMultiplier(Config.getInt(c, "depth_multiplier", 1));
        s.strides(Config.getInts(c, "strides", new int[]{1}));
        s.padding(Config.getString(c, "padding", "valid"));
        s.dilationRate(Config.getInts(c, "dilation_rate", new int[]{1}));
        s.useBias(Config.getBool(c, "use_bias", true));
        if (c.get("depthwise_initializer") != null) s.depthwiseInitializer(Initializer.fromConfig(c.get("depthwise_initializer")));
        if (c.get("pointwise_initializer") != null) s.pointwiseInitializer(Initializer.fromConfig(c.get("pointwise_initializer")));
        if (c.get("bias_initializer") != null) s.biasInitializer(Initializer.fromConfig(c.get("bias_initializer")));
        s.depthwiseRegularizer(Regularizer.fromConfig(c.get("depthwise_regularizer")));
        s.pointwiseRegularizer(Regularizer.fromConfig(c.get("pointwise_regularizer")));
        s.biasRegularizer(Regularizer.fromConfig(c.get("bias_regularizer")));
        return withBaseConfig(s, c);
    }
}
