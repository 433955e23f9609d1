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
 * A depthwise 2-D convolution, Keras's {@code DepthwiseConv2D}: each input channel is convolved
 * with its own {@code depthMultiplier} filters, output channel c*depthMultiplier + m coming from
 * input channel c. The kernel is (kh, kw, channels, depthMultiplier) as Keras 3 stores it (weight
 * "kernel"); the maths is a grouped convolution with groups = channels, its kernel seen as
 * (kh, kw, 1, channels * depthMultiplier).
 *
 * <pre>{@code new DepthwiseConv2D(3, "relu").padding("same").depthMultiplier(2)   // (b, h, w, c) -> (b, h, w, 2c)}</pre>
 */
public final class DepthwiseConv2D extends Layer {
    private final int[] kernelSize;
    private final String activation;
    private int depthMultiplier = 1;
    private int[] strides = {1, 1}, dilationRate = {1, 1};
    private String padding = "valid";
    private boolean useBias = true;
    private Initializer depthwiseInit = Initializer.glorotUniform(), biasInit = Initializer.zeros();
    private Regularizer depthwiseReg, biasReg;
    private Parameter kernel, bias;
    private int channels;

    /** A square kernel, no activation. */
    public DepthwiseConv2D(int kernelSize) {
        this(new int[]{kernelSize}, null);
    }

    public DepthwiseConv2D(int kernelSize, String activation) {
        this(new int[]{kernelSize}, activation);
    }

    /** A (kh, kw) kernel (one value means square). */
    public DepthwiseConv2D(int[] kernelSize, String activation) {
        this.kernelSize = LayerUtils.tuple("DepthwiseConv2D", "kernel_size", kernelSize, 2);
        this.activation = Activations.checkName(activation);
    }

    /** Output channels per input channel (default 1). Returns this. */
    public DepthwiseConv2D depthMultiplier(int value) {
        if (value < 1) throw new IllegalArgumentException("DepthwiseConv2D: depth_multiplier must be positive, got " + value);
        depthMultiplier = value;
        return this;
    }

    public DepthwiseConv2D strides(int... values) {
        strides = LayerUtils.tuple("DepthwiseConv2D", "strides", values, 2);
        return this;
    }

    /** "valid" (the default) or "same". Returns this. */
    public DepthwiseConv2D padding(String value) {
        padding = LayerUtils.padding("DepthwiseConv2D", value, false);
        return this;
    }

    public DepthwiseConv2D dilationRate(int... values) {
        dilationRate = LayerUtils.tuple("DepthwiseConv2D", "dilation_rate", values, 2);
        return this;
    }

    public DepthwiseConv2D useBias(boolean value) { useBias = value; return this; }

    public DepthwiseConv2D depthwiseInitializer(Initializer init) { depthwiseInit = init; return this; }

    public DepthwiseConv2D biasInitializer(Initializer init) { biasInit = init; return this; }

    public DepthwiseConv2D depthwiseRegularizer(Regularizer r) { depthwiseReg = r; return this; }

    public DepthwiseConv2D biasRegularizer(Regularizer r) { biasReg = r; return this; }

    public int depthMultiplier() { return depthMultiplier; }

    /** The (kh, kw, channels, depthMultiplier) kernel. */
    public Parameter kernel() { return kernel; }

    public Parameter bias() { return bias; }

    @Override
    protected void build(int[] inputShape) {
        LayerUtils.requireChannelsLast(this, inputShape, 3, "(None, height, width, channels)");
        channels = inputShape[2];
        kernel = addWeight("kernel", new int[]{kernelSize[0], kernelSize[1], channels, depthMultiplier}, depthwiseInit, depthwiseReg, true);
        if (useBias) bias = addWeight("bias", new int[]{channels * depthMultiplier}, biasInit, biasReg, true);
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        LayerUtils.requireRank(this, inputShape, 3, "(None, height, width, channels)");
        int[] out = new int[3];
        for (int i = 0; i < 2; i++) out[i] = LayerUtils.convLength(inputShape[i], kernelSize[i], strides[i], padding, dilationRate[i]);
        out[2] = inputShape[2] < 0 ? -1 : inputShape[2] * depthMultiplier;
        LayerUtils.requireNonEmpty(this, inputShape, out, "kernel " + Arrays.toString(kernelSize) + " with padding \"" + padding + "\"");
        return out;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        // K[kh, kw, c, m] is K'[kh, kw, 0, c*dm + m]: a row-major reshape, for groups = channels
        Tensor k = kernel.value().reshape(kernelSize[0], kernelSize[1], 1, channels * depthMultiplier);
        Tensor y = Conv.conv2d(x, k, bias == null ? null : bias.value(), strides, LayerUtils.toPadding(padding), dilationRate, channels);
        return Activations.get(activation).apply(y);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("depth_multiplier", depthMultiplier);
        m.put("kernel_size", Config.list(kernelSize));
        m.put("strides", Config.list(strides));
        m.put("padding", padding);
        m.put("data_format", LayerUtils.CHANNELS_LAST);
        m.put("dilation_rate", Config.list(dilationRate));
        m.put("activation", activation);
        m.put("use_bias", useBias);
        m.put("depthwise_initializer", depthwiseInit.config());
        m.put("bias_initializer", biasInit.config());
        if (depthwiseReg != null) m.put("depthwise_regularizer", depthwiseReg.config());
        if (biasReg != null) m.put("bias_regularizer", biasReg.config());
        return m;
    }

    public static DepthwiseConv2D fromConfig(Map<String, Object> c) {
        LayerUtils.checkDataFormat("DepthwiseConv2D", c);
        DepthwiseConv2D d = new DepthwiseConv2D(Config.getInts(c, "kernel_size"), Config.getString(c, "activation", null));
        d.depthMultiplier(Config.getInt(c, "depth_multiplier", 1));
        d.strides(Config.getInts(c, "strides", new int[]{1}));
        d.padding(Config.getString(c, "padding", "valid"));
        d.dilationRate(Config.getInts(c, "dilation_rate", new int[]{1}));
        d.useBias(Config.getBool(c, "use_bias", true));
        if (c.get("depthwise_initializer") != null) d.depthwiseInitializer(Initializer.fromConfig(c.get("depthwise_initializer")));
        if (c.get("bias_initializer") != null) d.biasInitializer(Initializer.fromConfig(c.get("bias_initializer")));
        d.depthwiseRegularizer(Regularizer.fromConfig(c.get("depthwise_regularizer")));
        d.biasRegularizer(Regularizer.fromConfig(c.get("bias_regularizer")));
        return withBaseConfig(d, c);
    }
}
