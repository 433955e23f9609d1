package dev.myelin.compress;

import dev.myelin.core.DType;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Parameter;

import java.util.ArrayList;
import java.util.List;

/**
 * A sparse layer's kernel as stored in model files: two weights, {@code <name>_mask}, a uint8
 * bitmask over the float kernel in its usual layout ((in, units) for Dense, (kh, kw, channels,
 * filters) for a convolution, row-major; see {@link SparseTensor#encodeBitmask}), and
 * {@code <name>_values}, the float32 nonzeros in that order. How many nonzeros there are is
 * configuration (the layer's "nnz"), so the weights' shapes follow from the config as every
 * layer's do. The {@link SparseTensor} (one row per output channel) and the dense kernel are
 * decoded on first use and again after either weight is overwritten (loading a file).
 */
final class SparseWeight {
    private final Parameter mask;
    private final Parameter values;
    private final int[] kernelShape;
    private final int in, out;
    private SparseTensor cached;
    private Tensor dense;
    private int maskVersion = -1, valuesVersion = -1, denseMaskVersion = -1, denseValuesVersion = -1;

    /** For a kernel of {@code kernelShape}, whose last axis is the output channels, holding {@code nnz} nonzeros. */
    SparseWeight(String name, int[] kernelShape, int nnz) {
        long n = 1;
        for (int d : kernelShape) n *= d;
        if (nnz < 0 || nnz > n) throw new IllegalArgumentException("sparse weight '" + name + "': nnz must be in [0, " + n + "], got " + nnz);
        this.kernelShape = kernelShape.clone();
        this.out = kernelShape[kernelShape.length - 1];
        this.in = (int) (n / Math.max(out, 1));
        this.mask = new Parameter(name + "_mask", Tensor.zeros(DType.UINT8, SparseTensor.maskBytes(n)), false, null);
        this.values = new Parameter(name + "_values", Tensor.zeros(nnz), false, null);
    }

    int nnz() {
        return values.shape()[0];
    }

    int[] kernelShape() {
        return kernelShape.clone();
    }

    /** Stores a float kernel of this weight's shape, which must hold exactly {@link #nnz()} nonzeros. */
    void set(Tensor kernel) {
        float[] k = kernel.toFloatArray();
        if (k.length != in * out) throw new IllegalArgumentException("sparse weight '" + values.name() + "': a kernel of " + k.length + " values for " + in * out);
        int nz = SparseTensor.countNonzeros(k);
        if (nz != nnz()) {
            throw new IllegalArgumentException("sparse weight '" + values.name() + "' holds " + nnz() + " nonzeros; the kernel has " + nz);
        }
        float[] v = new float[nz];
        byte[] m = SparseTensor.encodeBitmask(k, v);
        mask.value().copyFrom(Tensor.ofBytes(m, DType.UINT8, m.length));
        values.assign(Tensor.wrap(v, nz));
    }

    /** The kernel as a sparse (out, in) matrix. */
    SparseTensor sparse() {
        Tensor m = mask.value(), v = values.value();
        int mv = m.storage().version(), vv = v.storage().version();
        if (cached == null || mv != maskVersion || vv != valuesVersion) {
            cached = SparseTensor.fromKernel(decode(), in, out);
            maskVersion = mv;
            valuesVersion = vv;
        }
        return cached;
    }

    /** The kernel in its dense layout, decoded once per change. */
    Tensor dense() {
        Tensor m = mask.value(), v = values.value();
        int mv = m.storage().version(), vv = v.storage().version();
        if (dense == null || mv != denseMaskVersion || vv != denseValuesVersion) {
            dense = Tensor.wrap(decode(), kernelShape);
            denseMaskVersion = mv;
            denseValuesVersion = vv;
        }
        return dense;
    }

    private float[] decode() {
        Tensor m = mask.value().contiguous(), v = values.value().contiguous();
        return SparseTensor.decodeBitmask(m.byteData(), m.offset(), v.floatData(), v.offset(), nnz(), in * out);
    }

    /** The layer's weights with the mask and values first. */
    static List<Parameter> prepend(SparseWeight w, List<Parameter> own) {
        if (w == null) return own;
        List<Parameter> all = new ArrayList<>(own.size() + 2);
        all.add(w.mask);
        all.add(w.values);
        all.addAll(own);
        return all;
    }
}
