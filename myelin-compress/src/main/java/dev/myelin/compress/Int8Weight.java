package dev.myelin.compress;

import dev.myelin.core.DType;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Parameter;

import java.util.ArrayList;
import java.util.List;

/**
 * A quantized layer's int8 weight matrix, held as two of the layer's weights so that model files
 * save and load it: the values, an int8 (rows, cols) {@link Parameter} named like the float weight
 * it replaces, and the per-row scales, a float32 (rows) one named {@code <name>_scale}. Rows are
 * output channels. The {@link QTensor} over them is made on first use and again after either is
 * overwritten (loading a file), which the storages' write counters tell.
 */
final class Int8Weight {
    private final Parameter values;
    private final Parameter scales;
    private QTensor cached;
    private int valuesVersion = -1, scalesVersion = -1;

    /** {@code scales} comes from the layer's {@code addWeight}, so it is one of the layer's own weights. */
    Int8Weight(String name, int rows, int cols, Parameter scales) {
        this.values = new Parameter(name, Tensor.zeros(DType.INT8, rows, cols), false, null);
        this.scales = scales;
    }

    Parameter values() {
        return values;
    }

    int rows() {
        return values.shape()[0];
    }

    int cols() {
        return values.shape()[1];
    }

    /** The matrix as a QTensor over the weights' own arrays (checked once per change). */
    QTensor qtensor() {
        Tensor v = values.value(), s = scales.value();
        int vv = v.storage().version(), sv = s.storage().version();
        if (cached == null || vv != valuesVersion || sv != scalesVersion) {
            cached = QTensor.wrap(v.byteData(), s.floatData(), rows(), cols());
            valuesVersion = vv;
            scalesVersion = sv;
        }
        return cached;
    }

    /** Overwrites values and scales with {@code q}, which must have this weight's shape. */
    void set(QTensor q) {
        if (q.rows() != rows() || q.cols() != cols()) {
            throw new IllegalArgumentException("int8 weight '" + values.name() + "' has shape " + Shape.format(values.shape())
                    + ", cannot set a QTensor of shape " + Shape.format(q.shape()));
        }
        values.value().copyFrom(q.values());
        scales.assign(q.scales());
    }

    /** The layer's weights with the int8 values first: what a quantized layer's {@code weights()} returns. */
    static List<Parameter> prepend(Int8Weight w, List<Parameter> own) {
        if (w == null) return own;
        List<Parameter> all = new ArrayList<>(own.size() + 1);
        all.add(w.values);
        all.addAll(own);
        return all;
    }
}
