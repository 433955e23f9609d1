package dev.myelin.compress;

import dev.myelin.core.Conv;
import dev.myelin.core.GradMode;
import dev.myelin.core.Padding;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Activations;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.layers.BaseConv;
import dev.myelin.nn.layers.Conv1D;
import dev.myelin.nn.layers.Conv2D;

import java.util.List;
import java.util.Map;

/**
 * Shared part of {@link SparseConv1D} and {@link SparseConv2D}: an ungrouped, channels-last
 * convolution whose pruned kernel (kernel_size..., channels, filters) is stored as a bitmask and
 * its nonzero values ({@link SparseWeight}: "kernel_mask", "kernel_values"), plus a float bias.
 * Inference only.
 *
 * <p>It runs the float convolution ({@code Conv.conv1d/conv2d}, whose direct and im2col
 * kernels are tuned for dense weights, bias fused) over the kernel decoded once per load, then
 * applies the activation, exactly as Conv1D/Conv2D do: the saving here is in the file (4.3x smaller kernels at 80%
 * sparsity), not in time. Dense layers, where the product is a plain matrix-vector one at batch
 * 1, run on the sparse kernel ({@link SparseDense}).
 */
public abstract sealed class SparseConv extends Layer permits SparseConv1D, SparseConv2D {
    /** The "sparse_format" of sparse layers' configs: bitmask over the float kernel, float32 nonzeros. */
    static final String FORMAT = "bitmask_f32";

    final int rank, filters, nnz;
    final int[] kernelSize, strides, dilationRate;
    final String padding, activation;
    final boolean useBias;
    /** The float convolution with the same geometry: its shapes and checks only (not tracked, no weights saved). */
    private BaseConv<?> conv;
    private SparseWeight kernel;
    private Parameter bias;

    SparseConv(int rank, int filters, int[] kernelSize, int[] strides, String padding, int[] dilationRate, String activation, boolean useBias, int nnz) {
        String owner = getClass().getSimpleName();
        if (nnz < 0) throw new IllegalArgumentException(owner + ": nnz must be >= 0, got " + nnz);
        this.rank = rank;
        this.filters = filters;
        this.nnz = nnz;
        this.kernelSize = kernelSize.clone();
        this.strides = strides.clone();
        this.dilationRate = dilationRate.clone();
        this.padding = padding;
        this.activation = Activations.checkName(activation);
        this.useBias = useBias;
        floatConv();   // checks the geometry now, as the float layer's constructor does
    }

    private BaseConv<?> floatConv() {
        BaseConv<?> c = rank == 1 ? new Conv1D(filters, kernelSize[0]) : new Conv2D(filters, kernelSize);
        c.strides(strides).padding(padding).dilationRate(dilationRate).useBias(false);
        return c;
    }

    static void checkFormat(String owner, Map<String, Object> c) {
        String f = Config.getString(c, "sparse_format", FORMAT);
        if (!f.equals(FORMAT)) throw new IllegalArgumentException(owner + ": unknown sparse_format '" + f + "'; this Myelin knows '" + FORMAT + "'");
    }

    /** Stores a float kernel (kernel_size..., channels, filters) with exactly {@code nnz} nonzeros, and copies the bias (or null). */
    public void setWeights(Tensor floatKernel, Tensor floatBias) {
        try (var ignored = GradMode.noGrad()) {
            kernel.set(floatKernel.detach());
            if (bias != null) bias.assign(floatBias.detach());
        }
    }

    public int filters() { return filters; }

    public int nnz() { return nnz; }

    public int[] kernelSize() { return kernelSize.clone(); }

    public int[] strides() { return strides.clone(); }

    public int[] dilationRate() { return dilationRate.clone(); }

    public String padding() { return padding; }

    public String activation() { return activation; }

    public boolean useBias() { return useBias; }

    /** The kernel in its dense layout (kernel_size..., channels, filters), decoded. */
    public Tensor denseKernel() { return kernel.dense(); }

    /** The kernel as a sparse (filters, kh*kw*channels) matrix. */
    public SparseTensor kernel() { return kernel.sparse(); }

    public Parameter bias() { return bias; }

    @Override
    protected void build(int[] inputShape) {
        conv = floatConv();
        conv.name(name() == null ? defaultName() : name());
        conv.ensureBuilt(inputShape);
        int[] shape = conv.kernel().shape();
        long n = 1;
        for (int d : shape) n *= d;
        if (nnz > n) throw new IllegalArgumentException(describe() + ": nnz = " + nnz + " exceeds the " + n + " kernel weights");
        kernel = new SparseWeight("kernel", shape, nnz);
        if (useBias) bias = addWeight("bias", new int[]{filters}, Initializer.zeros(), null, false);
    }

    @Override
    public List<Parameter> weights() {
        return SparseWeight.prepend(kernel, super.weights());
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        return (conv != null ? conv : floatConv()).computeOutputShape(inputShape);
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        QuantizedLayers.requireInference(this, ctx);
        // the float layer's own maths (Conv2D/Conv1D.call), bias fused, over the decoded kernel
        Tensor k = kernel.dense(), b = bias == null ? null : bias.value();
        Tensor y = rank == 1
                ? Conv.conv1d(x, k, b, strides[0], paddingMode(), dilationRate[0], 1)
                : Conv.conv2d(x, k, b, strides, paddingMode(), dilationRate, 1);
        return Activations.get(activation).apply(y);
    }

    private Padding paddingMode() {
        return switch (padding) {
            case "valid" -> Padding.VALID;
            case "same" -> Padding.SAME;
            case "causal" -> Padding.CAUSAL;
            default -> throw new IllegalStateException(describe() + ": unknown padding \"" + padding + "\"");
        };
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("filters", filters);
        m.put("kernel_size", Config.list(kernelSize));
        m.put("strides", Config.list(strides));
        m.put("padding", padding);
        m.put("data_format", "channels_last");
        m.put("dilation_rate", Config.list(dilationRate));
        m.put("activation", activation);
        m.put("use_bias", useBias);
        m.put("nnz", nnz);
        m.put("sparse_format", FORMAT);
        return m;
    }

    /** The shared keys of a saved config. */
    record Settings(int filters, int[] kernelSize, int[] strides, String padding, int[] dilationRate, String activation, boolean useBias, int nnz) {
        static Settings read(String owner, Map<String, Object> c) {
            checkFormat(owner, c);
            String format = Config.getString(c, "data_format", "channels_last");
            if (!format.equals("channels_last")) throw new IllegalArgumentException(owner + ": only data_format \"channels_last\" is supported, got \"" + format + "\"");
            return new Settings(Config.getInt(c, "filters"), Config.getInts(c, "kernel_size"), Config.getInts(c, "strides", new int[]{1}),
                    Config.getString(c, "padding", "valid"), Config.getInts(c, "dilation_rate", new int[]{1}),
                    Config.getString(c, "activation", null), Config.getBool(c, "use_bias", true), Config.getInt(c, "nnz"));
        }
    }
}
