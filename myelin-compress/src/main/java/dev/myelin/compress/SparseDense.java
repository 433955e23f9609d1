package dev.myelin.compress;

import dev.myelin.core.GradMode;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Activations;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.layers.Dense;

import java.util.List;
import java.util.Map;

/**
 * {@link Dense} with a pruned kernel stored sparse, for inference: {@code y = activation(x W + b)}
 * computed by {@link SparseTensor#matmulTransposed} over the nonzeros only when the kernel is
 * sparse enough for that to pay ({@link #SPARSE_KERNEL_MAX_DENSITY}), else by the float product
 * over the kernel decoded once. The kernel is saved as
 * a bitmask and its nonzero values ({@link SparseWeight}: "kernel_mask", "kernel_values"), so a
 * kernel pruned to 80% takes 0.925 bytes per weight on disk instead of 4. The config is Dense's
 * with {@code "nnz"} (the stored nonzeros) and {@code "sparse_format": "bitmask_f32"}.
 *
 * <pre>{@code SparseDense s = SparseDense.from(prunedDense);   // same name, input shape and outputs}</pre>
 */
public final class SparseDense extends dev.myelin.nn.Layer {
    private final int units;
    private final String activation;
    private final boolean useBias;
    private final int nnz;
    private SparseWeight kernel;
    private Parameter bias;

    public SparseDense(int units, String activation, boolean useBias, int nnz) {
        if (units <= 0) throw new IllegalArgumentException("SparseDense: units must be positive, got " + units);
        if (nnz < 0) throw new IllegalArgumentException("SparseDense: nnz must be >= 0, got " + nnz);
        this.units = units;
        this.activation = Activations.checkName(activation);
        this.useBias = useBias;
        this.nnz = nnz;
    }

    /** A sparse copy of a built Dense layer: same name and input shape, its kernel's nonzeros and its bias. */
    public static SparseDense from(Dense dense) {
        if (!dense.isBuilt()) throw new IllegalArgumentException("SparseDense.from: " + dense.describe() + " is not built yet");
        float[] k = dense.kernel().value().toFloatArray();
        SparseDense s = new SparseDense(dense.units(), dense.activation(), dense.bias() != null, SparseTensor.countNonzeros(k));
        s.name(dense.name());
        s.ensureBuilt(dense.builtInputShapes());
        s.setWeights(dense.kernel().value(), dense.bias() == null ? null : dense.bias().value());
        return s;
    }

    /** Stores a float kernel (inputDim, units) with exactly {@code nnz} nonzeros, and copies the bias (or null). */
    public void setWeights(Tensor floatKernel, Tensor floatBias) {
        try (var ignored = GradMode.noGrad()) {
            kernel.set(floatKernel.detach());
            if (bias != null) bias.assign(floatBias.detach());
        }
    }

    public int units() { return units; }

    public String activation() { return activation; }

    public int nnz() { return nnz; }

    /** The kernel, (units, inputDim), sparse. */
    public SparseTensor kernel() { return kernel.sparse(); }

    /** The kernel decoded to Keras's dense (inputDim, units) layout. */
    public Tensor denseKernel() { return kernel.dense(); }

    public Parameter bias() { return bias; }

    @Override
    protected void build(int[] inputShape) {
        if (inputShape.length == 0) throw new IllegalArgumentException(describe() + ": input needs at least one axis besides the batch");
        int in = inputShape[inputShape.length - 1];
        if (in <= 0) throw new IllegalArgumentException(describe() + ": the last input axis must have a known size, got " + withBatch(inputShape));
        if ((long) in * units < nnz) throw new IllegalArgumentException(describe() + ": nnz = " + nnz + " exceeds the " + (long) in * units + " kernel weights");
        kernel = new SparseWeight("kernel", new int[]{in, units}, nnz);
        if (useBias) bias = addWeight("bias", new int[]{units}, Initializer.zeros(), null, false);
    }

    @Override
    public List<Parameter> weights() {
        return SparseWeight.prepend(kernel, super.weights());
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        int[] out = inputShape.clone();
        out[out.length - 1] = units;
        return out;
    }

    /**
     * Kernels denser than this run on the float product over the decoded kernel instead of the
     * sparse one. Measured for a 784x512 layer on one thread (AVX-512): at 80% sparsity the sparse
     * kernel about matched the dense one layer by layer (0.94x at batch 1, 1.04x at 32) but made the
     * MNIST MLP's forward 2.4x slower at batch 1 (53 against 23 us); at 90% it was 1.6x and 1.4x
     * faster, at 95% 3.3x and 2.6x.
     */
    static final double SPARSE_KERNEL_MAX_DENSITY = 0.15;

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        QuantizedLayers.requireInference(this, ctx);
        int in0 = kernel.kernelShape()[0];
        if ((double) nnz / ((long) in0 * units) > SPARSE_KERNEL_MAX_DENSITY) {
            Tensor y = x.matmul(kernel.dense());
            if (bias != null) y = y.add(bias.value());
            return Activations.get(activation).apply(y);
        }
        SparseTensor w = kernel.sparse();
        int in = w.cols();
        int[] shape = x.shape();
        Tensor c = x.toFloat().contiguous();
        int m = c.numel() / in;
        float[] out = new float[m * units];
        w.matmulTransposed(c.floatData(), c.offset(), m, bias == null ? null : bias.value().floatData(), out, 0);
        shape[shape.length - 1] = units;
        return Activations.get(activation).apply(Tensor.wrap(out, shape));
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("units", units);
        m.put("activation", activation);
        m.put("use_bias", useBias);
        m.put("nnz", nnz);
        m.put("sparse_format", SparseConv.FORMAT);
        return m;
    }

    public static SparseDense fromConfig(Map<String, Object> c) {
        SparseConv.checkFormat("SparseDense", c);
        return withBaseConfig(new SparseDense(Config.getInt(c, "units"), Config.getString(c, "activation", null),
                Config.getBool(c, "use_bias", true), Config.getInt(c, "nnz")), c);
    }
}
