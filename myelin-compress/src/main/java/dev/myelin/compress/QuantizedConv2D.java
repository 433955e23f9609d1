package dev.myelin.compress;

import dev.myelin.nn.layers.Conv2D;

import java.util.Map;

/**
 * {@link Conv2D} with int8 weights, for inference (see {@link QuantizedConv} for the scheme and
 * the weights): input (batch, height, width, channels), output (batch, oh, ow, filters).
 *
 * <pre>{@code QuantizedConv2D q = QuantizedConv2D.from(conv);   // same name, config and input shape}</pre>
 */
public final class QuantizedConv2D extends QuantizedConv {

    public QuantizedConv2D(int filters, int[] kernelSize, int[] strides, String padding, int[] dilationRate, String activation, boolean useBias) {
        super(2, filters, kernelSize, strides, padding, dilationRate, activation, useBias);
    }

    /** A quantized copy of a built, ungrouped Conv2D: kernel quantized per filter, bias copied. */
    public static QuantizedConv2D from(Conv2D conv) {
        if (!conv.isBuilt()) throw new IllegalArgumentException("QuantizedConv2D.from: " + conv.describe() + " is not built yet");
        if (conv.groups() != 1) throw new IllegalArgumentException("QuantizedConv2D.from: " + conv.describe() + " has " + conv.groups() + " groups; only ungrouped convolutions are quantized");
        QuantizedConv2D q = new QuantizedConv2D(conv.filters(), conv.kernelSize(), conv.strides(), conv.padding(), conv.dilationRate(),
                conv.activation(), conv.useBias());
        q.name(conv.name());
        q.ensureBuilt(conv.builtInputShapes());
        q.setWeights(conv.kernel().value(), conv.useBias() ? conv.bias().value() : null);
        return q;
    }

    public static QuantizedConv2D fromConfig(Map<String, Object> c) {
        Settings s = Settings.read("QuantizedConv2D", c);
        QuantizedConv2D q = new QuantizedConv2D(s.filters(), s.kernelSize(), s.strides(), s.padding(), s.dilationRate(), s.activation(), s.useBias());
        q.staticInput(s.staticInput());
        return withBaseConfig(q, c);
    }
}
