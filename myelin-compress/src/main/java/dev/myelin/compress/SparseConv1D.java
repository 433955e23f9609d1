package dev.myelin.compress;

import dev.myelin.nn.layers.Conv1D;

import java.util.Map;

/**
 * {@link Conv1D} with a pruned kernel stored sparse (see {@link SparseConv}): input (batch, steps,
 * channels), output (batch, out_steps, filters).
 *
 * <pre>{@code SparseConv1D s = SparseConv1D.from(prunedConv);}</pre>
 */
public final class SparseConv1D extends SparseConv {

    public SparseConv1D(int filters, int[] kernelSize, int[] strides, String padding, int[] dilationRate, String activation, boolean useBias, int nnz) {
        super(1, filters, kernelSize, strides, padding, dilationRate, activation, useBias, nnz);
    }

    /** A sparse copy of a built, ungrouped Conv1D: its kernel's nonzeros and its bias. */
    public static SparseConv1D from(Conv1D conv) {
        if (!conv.isBuilt()) throw new IllegalArgumentException("SparseConv1D.from: " + conv.describe() + " is not built yet");
        if (conv.groups() != 1) throw new IllegalArgumentException("SparseConv1D.from: " + conv.describe() + " has " + conv.groups() + " groups; only ungrouped convolutions are stored sparse");
        SparseConv1D s = new SparseConv1D(conv.filters(), conv.kernelSize(), conv.strides(), conv.padding(), conv.dilationRate(), conv.activation(),
                conv.useBias(), SparseTensor.countNonzeros(conv.kernel().value().toFloatArray()));
        s.name(conv.name());
        s.ensureBuilt(conv.builtInputShapes());
        s.setWeights(conv.kernel().value(), conv.useBias() ? conv.bias().value() : null);
        return s;
    }

    public static SparseConv1D fromConfig(Map<String, Object> c) {
        Settings s = Settings.read("SparseConv1D", c);
        return withBaseConfig(new SparseConv1D(s.filters(), s.kernelSize(), s.strides(), s.padding(), s.dilationRate(), s.activation(), s.useBias(), s.nnz()), c);
    }
}
