package dev.myelin.nn.layers;

import dev.myelin.core.DType;
import dev.myelin.core.Indexing;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.regularizers.Regularizer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Turns integer ids into dense vectors, Keras's {@code Embedding}: ids of shape (batch, ...) in
 * [0, inputDim) give (batch, ..., outputDim), row id of the (inputDim, outputDim) weight
 * "embeddings" for every id, initialised uniform in [-0.05, 0.05] as in Keras. Ids may be int32 or
 * int64, or floats holding whole numbers (Keras casts them). With {@code maskZero}, id 0 is
 * padding: the layer's output mask is 1 where the id is non-zero and 0 where it is 0, so
 * mask-aware layers downstream (GlobalAveragePooling1D, recurrent layers) skip padded steps;
 * id 0 then must not stand for a real token, so inputDim counts it (vocabulary size + 1).
 *
 * <pre>{@code new Sequential(new InputLayer(20), new Embedding(10_000, 64).maskZero(true), new GlobalAveragePooling1D(), new Dense(1, "sigmoid"))}</pre>
 */
public final class Embedding extends Layer {
    private final int inputDim, outputDim;
    private boolean maskZero;
    private Initializer embeddingsInit = Initializer.randomUniform(0.05f);
    private Regularizer embeddingsReg;
    private Parameter embeddings;

    /** {@code inputDim} ids (the largest id + 1), each mapped to a vector of {@code outputDim}. */
    public Embedding(int inputDim, int outputDim) {
        if (inputDim <= 0 || outputDim <= 0) {
            throw new IllegalArgumentException("Embedding: input_dim and output_dim must be positive, got " + inputDim + " and " + outputDim);
        }
        this.inputDim = inputDim;
        this.outputDim = outputDim;
    }

    /** Treats id 0 as padding and emits a mask (see the class comment). Returns this. */
    public Embedding maskZero(boolean value) { maskZero = value; return this; }

    public Embedding embeddingsInitializer(Initializer init) { embeddingsInit = init; return this; }

    public Embedding embeddingsRegularizer(Regularizer r) { embeddingsReg = r; return this; }

    public int inputDim() { return inputDim; }

    public int outputDim() { return outputDim; }

    public boolean maskZero() { return maskZero; }

    /** The (inputDim, outputDim) table. */
    public Parameter embeddings() { return embeddings; }

    @Override
    protected void build(int[] inputShape) {
        embeddings = addWeight("embeddings", new int[]{inputDim, outputDim}, embeddingsInit, embeddingsReg, true);
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
        Tensor ids = ids(x);
        try {
            return Indexing.embedding(embeddings.value(), ids);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            // an id outside [0, inputDim) is the caller's mistake; say which layer met it
            throw new IllegalArgumentException(describe() + ": " + e.getMessage(), e);
        }
    }

    /** int32/int64 as they are; int8/uint8 widened; floats checked to be whole, then cast to int64. */
    private Tensor ids(Tensor x) {
        return switch (x.dtype()) {
            case INT32, INT64 -> x;
            case FLOAT32 -> {
                float[] v = x.toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    if (v[i] != Math.rint(v[i])) {
                        throw new IllegalArgumentException(describe() + ": ids must be whole numbers, got " + v[i] + " at flat position " + i
                                + " of input " + Shape.format(x.shape()));
                    }
                }
                yield x.to(DType.INT64);
            }
            default -> x.to(DType.INT64);
        };
    }

    /** With maskZero: a float32 (same shape as the ids) of 1 where the id is non-zero, 0 where it is 0. */
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
        m.put("embeddings_initializer", embeddingsInit.config());
        if (embeddingsReg != null) m.put("embeddings_regularizer", embeddingsReg.config());
        m.put("mask_zero", maskZero);
        return m;
    }

    public static Embedding fromConfig(Map<String, Object> c) {
        Embedding e = new Embedding(Config.getInt(c, "input_dim"), Config.getInt(c, "output_dim"));
        e.maskZero(Config.getBool(c, "mask_zero", false));
        if (c.get("embeddings_initializer") != null) e.embeddingsInitializer(Initializer.fromConfig(c.get("embeddings_initializer")));
        e.embeddingsRegularizer(Regularizer.fromConfig(c.get("embeddings_regularizer")));
        return withBaseConfig(e, c);
    }
}
