package dev.myelin.compress;

import dev.myelin.nn.layers.Conv1D;

import java.util.Map;

/**
 * {@link Conv1D} with int8 weights, for inference (see {@link QuantizedConv} for the scheme and
 * the weights): input (batch, steps, channels), output (batch, outSteps, filters); padding
 * "valid", "same" or "causal".
 *
 * <pre>{@code QuantizedConv1D q = QuantizedConv1D.from(conv);   // same name, config and input shape}</pre>
 */
public final class QuantizedConv1D extends QuantizedConv {

    public QuantizedConv1D(int filters, int[] kernelSize, int[] strides, String padding, int[] dilationRate, String activation, boolean useBias) {
        super(1, filters, kernelSize, strides, padding, dilationRate, activation, useBias);
    }

    /** A quantized copy of a built, ungrouped Conv1D: kernel quantized per filter, bias copied. */
    public static QuantizedConv1D from(Conv1D conv) {
        if (!conv.isBuilt()) throw new IllegalArgumentException("QuantizedConv1D.from: " + conv.describe() + " is not built yet");
        if (conv.groups() != 1) throw new IllegalArgumentException("QuantizedConv1D.from: " + conv.describe() + " has " + conv.groups() + " groups; only ungrouped convolutions are quantized");
        QuantizedConv1D q = new QuantizedConv1D(conv.filters(), conv.kernelSize(), conv.strides(), conv.padding(), conv.dilationRate(),
                conv.activation(), conv.useBias());
        q.name(conv.name());
        q.ensureBuilt(conv.builtInputShapes());
        q.setWeights(conv.kernel().value(), conv.useBias() ? conv.bias().value() : null);
        return q;
    }

    public static QuantizedConv1D fromConfig(Map<String, Object> c) {
        Settings s = Settings.read("QuantizedConv1D", c);
        QuantizedConv1D q = new QuantizedConv1D(s.filters(), s.kernelSize(), s.strides(), s.padding(), s.dilationRate(), s.activation(), s.useBias());
        q.staticInput(s.staticInput());
        return withBaseConfig(q, c);
    }
}
