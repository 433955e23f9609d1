package dev.myelin.nn.layers;

import dev.myelin.nn.Config;

import java.util.Map;

/**
 * A 1-D convolution over (batch, steps, channels): {@code activation(conv1d(x, kernel) + bias)}
 * with the kernel (k, channels / groups, filters) as Keras stores it. Padding "valid" (default),
 * "same", or "causal" (k - 1 zeros before the sequence, so step t sees steps up to t only; with
 * a dilation rate this is a WaveNet-style dilated causal convolution).
 *
 * <pre>{@code new Conv1D(16, 3, "relu").padding("causal").dilationRate(2)}</pre>
 */
public final class Conv1D extends BaseConv<Conv1D> {

    public Conv1D(int filters, int kernelSize) {
        this(filters, kernelSize, null);
    }

    /** {@code new Conv1D(16, 5, "relu")}. */
    public Conv1D(int filters, int kernelSize, String activation) {
        this(filters, new int[]{kernelSize}, activation);
    }

    private Conv1D(int filters, int[] kernelSize, String activation) {
        super(1, filters, kernelSize, activation);
    }

    @Override
    boolean allowsCausal() {
        return true;
    }

    /** Splits the channels into {@code value} groups convolved separately; it divides filters and the input channels. Returns this. */
    public Conv1D groups(int value) {
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

    public static Conv1D fromConfig(Map<String, Object> c) {
        Conv1D layer = new Conv1D(Config.getInt(c, "filters"), Config.getInts(c, "kernel_size"), Config.getString(c, "activation", null));
        layer.groups(Config.getInt(c, "groups", 1));
        return readConfig(layer, c);
    }
}
