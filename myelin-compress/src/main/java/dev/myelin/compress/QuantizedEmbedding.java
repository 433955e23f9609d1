package dev.myelin.compress;

import dev.myelin.core.DType;
import dev.myelin.core.GradMode;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.layers.Embedding;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@link Embedding} with an int8 table: row id is stored as 127-level integers with its own scale
 * and dequantized on lookup, {@code out[..., :] = scale[id] * q[id, :]}, so the table takes a
 * quarter of the memory and every value is within scale[id] / 2 of the float one. Weights:
 * "embeddings", int8 (inputDim, outputDim), and "embeddings_scale", float32 (inputDim). With
 * maskZero, id 0 is padding and the output mask marks it, as in Embedding. Inference only.
 *
 * <pre>{@code QuantizedEmbedding q = QuantizedEmbedding.from(embedding);}</pre>
 */
public final class QuantizedEmbedding extends Layer {
    static {
        QuantizedLayers.register();
    }

    private final int inputDim, outputDim;
    private final boolean maskZero;
    private Int8Weight table;

    public QuantizedEmbedding(int inputDim, int outputDim, boolean maskZero) {
        if (inputDim <= 0 || outputDim <= 0) {
            throw new IllegalArgumentException("QuantizedEmbedding: input_dim and output_dim must be positive, got " + inputDim + " and " + outputDim);
        }
        this.inputDim = inputDim;
        this.outputDim = outputDim;
        this.maskZero = maskZero;
    }

    /** A quantized copy of a built Embedding, one scale per row. */
    public static QuantizedEmbedding from(Embedding e) {
        if (!e.isBuilt()) throw new IllegalArgumentException("QuantizedEmbedding.from: " + e.describe() + " is not built yet");
        QuantizedEmbedding q = new QuantizedEmbedding(e.inputDim(), e.outputDim(), e.maskZero());
        q.name(e.name());
        q.ensureBuilt(e.builtInputShapes());
        q.setWeights(e.embeddings().value());
        return q;
    }

    /** Quantizes a float (inputDim, outputDim) table row by row. */
    public void setWeights(Tensor floatTable) {
        try (var ignored = GradMode.noGrad()) {
            table.set(QTensor.quantize(floatTable.detach()));
        }
    }

    public int inputDim() { return inputDim; }

    public int outputDim() { return outputDim; }

    public boolean maskZero() { return maskZero; }

    /** The int8 table, (inputDim, outputDim). */
    public QTensor table() {
        return table.qtensor();
    }

    @Override
    protected void build(int[] inputShape) {
        Parameter scale = addWeight("embeddings_scale", new int[]{inputDim}, Initializer.ones(), null, false);
        table = new Int8Weight("embeddings", inputDim, outputDim, scale);
    }

    @Override
    public List<Parameter> weights() {
        return Int8Weight.prepend(table, super.weights());
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        int[] out = Arrays.copyOf(inputShape, inputShape.length + 1);
        out[inputShape.length] = outputDim;
        return out;
    }

    /** Any shape of ids: the lookup works per id. */
    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        QuantizedLayers.requireInference(this, ctx);
        QTensor t = table.qtensor();
        long[] ids = ids(x);
        float[] out = new float[ids.length * outputDim];
        for (int i = 0; i < ids.length; i++) {
            long id = ids[i];
            if (id < 0 || id >= inputDim) {
                throw new IllegalArgumentException(describe() + ": id " + id + " at flat position " + i + " of input " + Shape.format(x.shape())
                        + " is outside [0, " + inputDim + ")");
            }
            t.dequantizeRow((int) id, out, i * outputDim);
        }
        return Tensor.wrap(out, computeOutputShapeWithBatch(x.shape()));
    }

    private int[] computeOutputShapeWithBatch(int[] idShape) {
        int[] s = Arrays.copyOf(idShape, idShape.length + 1);
        s[idShape.length] = outputDim;
        return s;
    }

    /** int32/int64/int8/uint8 as they are; floats must hold whole numbers (Keras casts them). */
    private long[] ids(Tensor x) {
        if (x.dtype() == DType.FLOAT32) {
            float[] v = x.toFloatArray();
            long[] r = new long[v.length];
            for (int i = 0; i < v.length; i++) {
                if (v[i] != Math.rint(v[i])) {
                    throw new IllegalArgumentException(describe() + ": ids must be whole numbers, got " + v[i] + " at flat position " + i
                            + " of input " + Shape.format(x.shape()));
                }
                r[i] = (long) v[i];
            }
            return r;
        }
        return x.toLongArray();
    }

    /** With maskZero: 1 where the id is non-zero, 0 where it is 0 (padding). */
    @Override
    public Tensor computeMask(List<Tensor> inputs, Tensor mask) {
        if (!maskZero) return null;
        Tensor x = inputs.get(0);
        float[] v = x.toFloatArray();
        float[] m = new float[v.length];
        for (int i = 0; i < v.length; i++) m[i] = v[i] != 0f ? 1f : 0f;
        return Tensor.wrap(m, x.shape());
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("input_dim", inputDim);
        m.put("output_dim", outputDim);
        m.put("mask_zero", maskZero);
        m.put("quantization", QuantizedLayers.DYNAMIC_INT8);
        return m;
    }

    public static QuantizedEmbedding fromConfig(Map<String, Object> c) {
        QuantizedLayers.checkScheme("QuantizedEmbedding", c);
        return withBaseConfig(new QuantizedEmbedding(Config.getInt(c, "input_dim"), Config.getInt(c, "output_dim"),
                Config.getBool(c, "mask_zero", false)), c);
    }
}
