package dev.myelin.nn.layers;

import dev.myelin.nn.Config;

import java.util.Map;

/**
 * A 2-D convolution over (batch, height, width, channels):
 * {@code activation(conv2d(x, kernel) + bias)} with the kernel (kh, kw, channels / groups, filters)
 * as Keras stores it. Padding "valid" (default) or "same"; strides, dilation rate and groups as in
 * Keras. The output is (batch, oh, ow, filters) with oh = floor((h - (kh-1)*d - 1) / s) + 1 for
 * "valid" and ceil(h / s) for "same".
 *
 * <pre>{@code new Conv2D(32, 3, "relu")                       // 3x3, stride 1, valid
 * new Conv2D(64, new int[]{3, 5}).strides(2).padding("same").groups(2)}</pre>
 */
public final class Conv2D extends BaseConv<Conv2D> {

    /** A square kernel, no activation. */
    public Conv2D(int filters, int kernelSize) {
        this(filters, new int[]{kernelSize}, null);
    }

    /** A square kernel: {@code new Conv2D(32, 3, "relu")}. */
    public Conv2D(int filters, int kernelSize, String activation) {
        this(filters, new int[]{kernelSize}, activation);
    }

    /** A (kh, kw) kernel (one value means square). */
    public Conv2D(int filters, int[] kernelSize) {
        this(filters, kernelSize, null);
    }

    public Conv2D(int filters, int[] kernelSize, String activation) {
        super(2, filters, kernelSize, activation);
    }

    /** Splits the channels into {@code value} groups convolved separately; it divides filters and the input channels. Returns this. */
    public Conv2D groups(int value) {
        return setGroups(value);
    }

    public int groups() {
        return groups;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("groups", groups);
        return m;
    }

    public static Conv2D fromConfig(Map<String, Object> c) {
        Conv2D layer = new Conv2D(Config.getInt(c, "filters"), Config.getInts(c, "kernel_size"), Config.getString(c, "activation", null));
        layer.groups(Config.getInt(c, "groups", 1));
        return readConfig(layer, c);
    }
}
