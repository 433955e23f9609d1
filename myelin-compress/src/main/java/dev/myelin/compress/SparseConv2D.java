package dev.myelin.compress;

import dev.myelin.nn.layers.Conv2D;

import java.util.Map;

/**
 * {@link Conv2D} with a pruned kernel stored sparse (see {@link SparseConv}): input (batch,
 * height, width, channels), output (batch, oh, ow, filters).
 *
 * <pre>{@code SparseConv2D s = SparseConv2D.from(prunedConv);}</pre>
 */
public final class SparseConv2D extends SparseConv {

    public SparseConv2D(int filters, int[] kernelSize, int[] strides, String padding, int[] dilationRate, String activation, boolean useBias, int nnz) {
        super(2, filters, kernelSize, strides, padding, dilationRate, activation, useBias, nnz);
    }

    /** A sparse copy of a built, ungrouped Conv2D: its kernel's nonzeros and its bias. */
    public static SparseConv2D from(Conv2D conv) {
        if (!conv.isBuilt()) throw new IllegalArgumentException("SparseConv2D.from: " + conv.describe() + " is not built yet");
        if (conv.groups() != 1) throw new IllegalArgumentException("SparseConv2D.from: " + conv.describe() + " has " + conv.groups() + " groups; only ungrouped convolutions are stored sparse");
        SparseConv2D s = new SparseConv2D(conv.filters(), conv.kernelSize(), conv.strides(), conv.padding(), conv.dilationRate(), conv.activation(),
                conv.useBias(), SparseTensor.countNonzeros(conv.kernel().value().toFloatArray()));
        s.name(conv.name());
        s.ensureBuilt(conv.builtInputShapes());
        s.setWeights(conv.kernel().value(), conv.useBias() ? conv.bias().value() : null);
        return s;
    }

    public static SparseConv2D fromConfig(Map<String, Object> c) {
        Settings s = Settings.read("SparseConv2D", c);
        return withBaseConfig(new SparseConv2D(s.filters(), s.kernelSize(), s.strides(), s.padding(), s.dilationRate(), s.activation(), s.useBias(), s.nnz()), c);
    }
}
