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
 * What {@link Conv1D}, {@link Conv2D} and {@link Conv2DTranspose} share, as Keras's
 * {@code BaseConv}: filters, kernel size, strides, padding, dilation rate, groups, activation,
 * bias, initializers and regularizers, channels-last. A plain convolution computes
 * {@code activation(conv(x, kernel) + bias)} with the kernel in Keras's layout
 * {@code kernel_size + (in_channels / groups, filters)}; the transposed one overrides the
 * weights' shape and the maths.
 *
 * <pre>{@code new Conv2D(64, 3, "relu").strides(2).padding("same").kernelRegularizer(Regularizer.l2(1e-4f))}</pre>
 *
 * @param <L> the concrete layer, so the fluent setters return it
 */
public abstract class BaseConv<L extends BaseConv<L>> extends Layer {
    final int rank;
    final int filters;
    final int[] kernelSize;
    final String activation;
    int[] strides;
    int[] dilationRate;
    String padding = "valid";
    int groups = 1;
    boolean useBias = true;
    Initializer kernelInit = Initializer.glorotUniform(), biasInit = Initializer.zeros();
    Regularizer kernelReg, biasReg;
    Parameter kernel, bias;

    BaseConv(int rank, int filters, int[] kernelSize, String activation) {
        String owner = getClass().getSimpleName();
        if (filters <= 0) throw new IllegalArgumentException(owner + ": filters must be positive, got " + filters);
        this.rank = rank;
        this.filters = filters;
        this.kernelSize = LayerUtils.tuple(owner, "kernel_size", kernelSize, rank);
        this.activation = Activations.checkName(activation);
        this.strides = LayerUtils.tuple(owner, "strides", new int[]{1}, rank);
        this.dilationRate = LayerUtils.tuple(owner, "dilation_rate", new int[]{1}, rank);
    }

    @SuppressWarnings("unchecked")
    private L self() {
        return (L) this;
    }

    /** Whether "causal" padding is allowed (Conv1D). */
    boolean allowsCausal() {
        return false;
    }

    /** The layout of the input for messages: "(None, height, width, channels)". */
    final String layout() {
        return rank == 1 ? "(None, steps, channels)" : "(None, height, width, channels)";
    }

    // ------------------------------------------------------------------ configuration

    /** Strides: one value for every spatial axis, or one per axis. Returns this. */
    public L strides(int... values) {
        strides = LayerUtils.tuple(className(), "strides", values, rank);
        return self();
    }

    /** "valid" (the default) or "same" ("causal" too for Conv1D). Returns this. */
    public L padding(String value) {
        padding = LayerUtils.padding(className(), value, allowsCausal());
        return self();
    }

    /** Dilation rate: one value for every spatial axis, or one per axis. Returns this. */
    public L dilationRate(int... values) {
        dilationRate = LayerUtils.tuple(className(), "dilation_rate", values, rank);
        return self();
    }

    public L useBias(boolean value) {
        useBias = value;
        return self();
    }

    public L kernelInitializer(Initializer init) {
        kernelInit = init;
        return self();
    }

    public L biasInitializer(Initializer init) {
        biasInit = init;
        return self();
    }

    public L kernelRegularizer(Regularizer r) {
        kernelReg = r;
        return self();
    }

    public L biasRegularizer(Regularizer r) {
        biasReg = r;
        return self();
    }

    /** Sets the number of groups for Conv1D and Conv2D, which expose it. */
    final L setGroups(int value) {
        if (value < 1 || filters % value != 0) {
            throw new IllegalArgumentException(className() + ": groups must be positive and divide filters (" + filters + "), got " + value);
        }
        groups = value;
        return self();
    }

    public int filters() { return filters; }

    public int[] kernelSize() { return kernelSize.clone(); }

    public int[] strides() { return strides.clone(); }

    public String padding() { return padding; }

    public int[] dilationRate() { return dilationRate.clone(); }

    public String activation() { return activation; }

    public boolean useBias() { return useBias; }

    public Parameter kernel() { return kernel; }

    public Parameter bias() { return bias; }

    // ------------------------------------------------------------------ plain convolution

    @Override
    protected void build(int[] inputShape) {
        LayerUtils.requireChannelsLast(this, inputShape, rank + 1, layout());
        int in = inputShape[rank];
        if (in % groups != 0) {
            throw new IllegalArgumentException(describe() + ": the input's " + in + " channels cannot be split into " + groups
                    + " groups, input " + withBatch(inputShape));
        }
        int[] shape = Arrays.copyOf(kernelSize, rank + 2);
        shape[rank] = in / groups;
        shape[rank + 1] = filters;
        kernel = addWeight("kernel", shape, kernelInit, kernelReg, true);
        if (useBias) bias = addWeight("bias", new int[]{filters}, biasInit, biasReg, true);
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        LayerUtils.requireRank(this, inputShape, rank + 1, layout());
        int[] out = new int[rank + 1];
        for (int i = 0; i < rank; i++) out[i] = LayerUtils.convLength(inputShape[i], kernelSize[i], strides[i], padding, dilationRate[i]);
        out[rank] = filters;
        LayerUtils.requireNonEmpty(this, inputShape, out, "kernel " + Arrays.toString(kernelSize) + " with dilation "
                + Arrays.toString(dilationRate) + " and padding \"" + padding + "\"");
        return out;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        Tensor b = bias == null ? null : bias.value();
        Tensor y = rank == 1
                ? Conv.conv1d(x, kernel.value(), b, strides[0], LayerUtils.toPadding(padding), dilationRate[0], groups)
                : Conv.conv2d(x, kernel.value(), b, strides, LayerUtils.toPadding(padding), dilationRate, groups);
        return Activations.get(activation).apply(y);
    }

    // ------------------------------------------------------------------ config

    /** Keras's keys, without "groups" (Conv1D and Conv2D add it). */
    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("filters", filters);
        m.put("kernel_size", Config.list(kernelSize));
        m.put("strides", Config.list(strides));
        m.put("padding", padding);
        m.put("data_format", LayerUtils.CHANNELS_LAST);
        m.put("dilation_rate", Config.list(dilationRate));
        m.put("activation", activation);
        m.put("use_bias", useBias);
        m.put("kernel_initializer", kernelInit.config());
        m.put("bias_initializer", biasInit.config());
        if (kernelReg != null) m.put("kernel_regularizer", kernelReg.config());
        if (biasReg != null) m.put("bias_regularizer", biasReg.config());
        return m;
    }

    /** Reads the shared keys into a layer made from "filters", "kernel_size" and "activation". */
    static <L extends BaseConv<L>> L readConfig(L layer, Map<String, Object> c) {
        LayerUtils.checkDataFormat(layer.className(), c);
        layer.strides(Config.getInts(c, "strides", new int[]{1}));
        layer.padding(Config.getString(c, "padding", "valid"));
        layer.dilationRate(Config.getInts(c, "dilation_rate", new int[]{1}));
        layer.useBias(Config.getBool(c, "use_bias", true));
        if (c.get("kernel_initializer") != null) layer.kernelInitializer(Initializer.fromConfig(c.get("kernel_initializer")));
        if (c.get("bias_initializer") != null) layer.biasInitializer(Initializer.fromConfig(c.get("bias_initializer")));
        layer.kernelRegularizer(Regularizer.fromConfig(c.get("kernel_regularizer")));
        layer.biasRegularizer(Regularizer.fromConfig(c.get("bias_regularizer")));
        return withBaseConfig(layer, c);
    }
}
