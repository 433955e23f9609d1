package dev.myelin.nn.layers;

import dev.myelin.core.Conv;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Activations;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;

import java.util.Arrays;
import java.util.Map;

/**
 * A transposed 2-D convolution (sometimes called deconvolution), Keras's {@code Conv2DTranspose}:
 * the gradient of a convolution with respect to its input, used to upsample. The kernel is
 * (kh, kw, filters, in_channels) as Keras stores it. Each output size, with the dilated kernel
 * extent k: "valid" gives in*s + max(k - s, 0), "same" gives in*s; with an output padding p,
 * (in-1)*s + k - 2*pad + p where pad is k/2 for "same" and 0 for "valid".
 *
 * <pre>{@code new Conv2DTranspose(32, 3, "relu").strides(2).padding("same")   // (b, 7, 7, c) -> (b, 14, 14, 32)}</pre>
 */
public final class Conv2DTranspose extends BaseConv<Conv2DTranspose> {
    private int[] outputPadding;

    public Conv2DTranspose(int filters, int kernelSize) {
        this(filters, new int[]{kernelSize}, null);
    }

    public Conv2DTranspose(int filters, int kernelSize, String activation) {
        this(filters, new int[]{kernelSize}, activation);
    }

    public Conv2DTranspose(int filters, int[] kernelSize) {
        this(filters, kernelSize, null);
    }

    public Conv2DTranspose(int filters, int[] kernelSize, String activation) {
        super(2, filters, kernelSize, activation);
    }

    /** Extra rows and columns at the bottom and right, each smaller than its stride; null for Keras's default sizes. Returns this. */
    public Conv2DTranspose outputPadding(int... values) {
        if (values == null) {
            outputPadding = null;
            return this;
        }
        if (values.length != 1 && values.length != 2) {
            throw new IllegalArgumentException(className() + ": output_padding must have 1 or 2 values, got " + Arrays.toString(values));
        }
        int[] p = values.length == 1 ? new int[]{values[0], values[0]} : values.clone();
        if (p[0] < 0 || p[1] < 0) throw new IllegalArgumentException(className() + ": output_padding must be >= 0, got " + Arrays.toString(values));
        outputPadding = p;
        return this;
    }

    public int[] outputPadding() {
        return outputPadding == null ? null : outputPadding.clone();
    }

    /** Keras's snake case splits "Conv2D" from "Transpose": "conv2d_transpose". */
    @Override
    public String defaultName() {
        return "conv2d_transpose";
    }

    @Override
    protected void build(int[] inputShape) {
        LayerUtils.requireChannelsLast(this, inputShape, 3, layout());
        if (outputPadding != null) {
            for (int i = 0; i < 2; i++) {
                if (outputPadding[i] >= strides[i]) {
                    throw new IllegalArgumentException(describe() + ": output_padding " + Arrays.toString(outputPadding)
                            + " must be smaller than the strides " + Arrays.toString(strides));
                }
            }
        }
        // (kh, kw, filters, in_channels): the kernel of the convolution this one is the adjoint of
        kernel = addWeight("kernel", new int[]{kernelSize[0], kernelSize[1], filters, inputShape[2]}, kernelInit, kernelReg, true);
        if (useBias) bias = addWeight("bias", new int[]{filters}, biasInit, biasReg, true);
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        LayerUtils.requireRank(this, inputShape, 3, layout());
        int[] out = new int[3];
        for (int i = 0; i < 2; i++) {
            out[i] = LayerUtils.deconvLength(inputShape[i], kernelSize[i], strides[i], padding, dilationRate[i],
                    outputPadding == null ? -1 : outputPadding[i]);
        }
        out[2] = filters;
        LayerUtils.requireNonEmpty(this, inputShape, out, "kernel " + Arrays.toString(kernelSize) + " with padding \"" + padding + "\"");
        return out;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        Tensor y = Conv.convTranspose2d(x, kernel.value(), bias == null ? null : bias.value(), strides,
                LayerUtils.toPadding(padding), outputPadding, dilationRate);
        return Activations.get(activation).apply(y);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        if (outputPadding != null) m.put("output_padding", Config.list(outputPadding));
        return m;
    }

    public static Conv2DTranspose fromConfig(Map<String, Object> c) {
        Conv2DTranspose layer = new Conv2DTranspose(Config.getInt(c, "filters"), Config.getInts(c, "kernel_size"),
                Config.getString(c, "activation", null));
        if (c.get("output_padding") != null) layer.outputPadding(Config.getInts(c, "output_padding"));
        return readConfig(layer, c);
    }
}
