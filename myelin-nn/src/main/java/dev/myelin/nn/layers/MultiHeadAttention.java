package dev.myelin.nn.layers;

import dev.myelin.core.Rng;
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
 * Multi-head attention, as Keras's {@code MultiHeadAttention}, with its weight layout: query and
 * key kernels (dim, heads, keyDim), value kernel (dim, heads, valueDim), their biases (heads, dim
 * per head), and the output kernel (heads, valueDim, outputDim) with bias (outputDim), named
 * "query/kernel", "key/kernel", "value/kernel", "attention_output/kernel" and so on. Per head h:
 * <pre>
 * Q = query W_q[:, h] + b_q[h];  K = key W_k[:, h] + b_k[h];  V = value W_v[:, h] + b_v[h]
 * A = softmax(Q K^T / sqrt(keyDim) + (1 - mask) * -1e9)      over the keys, dropout in training
 * out = sum over h of (A V) W_o[h] + b_o
 * </pre>
 *
 * <p>Inputs: {@code [query, value]}, {@code [query, value, key]} or {@code [query, value, key,
 * attentionMask]}, shapes (batch, T, dim), (batch, S, dim), (batch, S, dim) and (batch, T, S) or
 * (batch, S) with 1 where a query may attend; a single input is self-attention. The context's mask
 * counts as the padding mask of the value (and, in self-attention, of the query too, as Keras
 * does); in cross-attention it is taken for the query's mask only when its length is T and not
 * S, so give an explicit mask there to be sure. {@link #useCausalMask} lets position t attend only
 * to positions up to t (Keras passes it at call time; here it is part of the config). Inputs
 * have rank 3 (Keras's attention_axes over other axes is not supported).
 *
 * <pre>{@code
 * SymbolicTensor x = Input.of(16, 32);
 * SymbolicTensor y = new MultiHeadAttention(4, 8).useCausalMask(true).apply(x, x);
 * }</pre>
 */
public final class MultiHeadAttention extends Layer {
    private final int numHeads, keyDim;
    private int valueDim;
    private float dropout;
    private boolean useBias = true, useCausalMask;
    private int outputDim = -1;
    private Initializer kernelInit = Initializer.glorotUniform(), biasInit = Initializer.zeros();
    private Regularizer kernelReg, biasReg;
    private Parameter queryKernel, queryBias, keyKernel, keyBias, valueKernel, valueBias, outputKernel, outputBias;

    public MultiHeadAttention(int numHeads, int keyDim) {
        if (numHeads <= 0 || keyDim <= 0) {
            throw new IllegalArgumentException("MultiHeadAttention: num_heads and key_dim must be positive, got " + numHeads + " and " + keyDim);
        }
        this.numHeads = numHeads;
        this.keyDim = keyDim;
        this.valueDim = keyDim;
    }

    /** Size of each head for the value (default: keyDim). Returns this. */
    public MultiHeadAttention valueDim(int value) {
        if (value <= 0) throw new IllegalArgumentException("MultiHeadAttention: value_dim must be positive, got " + value);
        valueDim = value;
        return this;
    }

    /** Dropout on the attention probabilities, in training. Returns this. */
    public MultiHeadAttention dropout(float rate) {
        if (!(rate >= 0f && rate < 1f)) throw new IllegalArgumentException("MultiHeadAttention: dropout must be in [0, 1), got " + rate);
        dropout = rate;
        return this;
    }

    public MultiHeadAttention useBias(boolean value) { useBias = value; return this; }

    /** The last axis of the output (default: the query's). Returns this. */
    public MultiHeadAttention outputShape(int dim) {
        if (dim <= 0) throw new IllegalArgumentException("MultiHeadAttention: output_shape must be positive, got " + dim);
        outputDim = dim;
        return this;
    }

    /** Lets query position t attend only to key positions 0..t. Returns this. */
    public MultiHeadAttention useCausalMask(boolean value) { useCausalMask = value; return this; }

    public MultiHeadAttention kernelInitializer(Initializer init) { kernelInit = init; return this; }

    public MultiHeadAttention biasInitializer(Initializer init) { biasInit = init; return this; }

    public MultiHeadAttention kernelRegularizer(Regularizer r) { kernelReg = r; return this; }

    public MultiHeadAttention biasRegularizer(Regularizer r) { biasReg = r; return this; }

    public int numHeads() { return numHeads; }

    public int keyDim() { return keyDim; }

    public int valueDim() { return valueDim; }

    // ------------------------------------------------------------------ build and shapes

    private static int[] check(String what, int[] s) {
        if (s.length != 2) throw new IllegalArgumentException("MultiHeadAttention: " + what + " must have shape (batch, time, dim), got " + withBatch(s));
        return s;
    }

    @Override
    protected void build(List<int[]> inputShapes) {
        int[] q = check("query", inputShapes.get(0));
        int[] v = inputShapes.size() > 1 ? check("value", inputShapes.get(1)) : q;
        int[] k = inputShapes.size() > 2 ? check("key", inputShapes.get(2)) : v;
        checkValueKey(v, k);
        for (int[] s : List.of(q, v, k)) {
            if (s[1] < 0) throw new IllegalArgumentException(describe() + ": the feature size of every input must be known, got " + withBatch(s));
        }
        int out = outputDim > 0 ? outputDim : q[1];
        queryKernel = addWeight("query/kernel", new int[]{q[1], numHeads, keyDim}, kernelInit, kernelReg, true);
        if (useBias) queryBias = addWeight("query/bias", new int[]{numHeads, keyDim}, biasInit, biasReg, true);
        keyKernel = addWeight("key/kernel", new int[]{k[1], numHeads, keyDim}, kernelInit, kernelReg, true);
        if (useBias) keyBias = addWeight("key/bias", new int[]{numHeads, keyDim}, biasInit, biasReg, true);
        valueKernel = addWeight("value/kernel", new int[]{v[1], numHeads, valueDim}, kernelInit, kernelReg, true);
        if (useBias) valueBias = addWeight("value/bias", new int[]{numHeads, valueDim}, biasInit, biasReg, true);
        outputKernel = addWeight("attention_output/kernel", new int[]{numHeads, valueDim, out}, kernelInit, kernelReg, true);
        if (useBias) outputBias = addWeight("attention_output/bias", new int[]{out}, biasInit, biasReg, true);
    }

    private void checkValueKey(int[] v, int[] k) {
        if (v[0] >= 0 && k[0] >= 0 && v[0] != k[0]) {
            throw new IllegalArgumentException(describe() + ": value and key must have the same length, got " + withBatch(v) + " and " + withBatch(k));
        }
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        return computeOutputShapes(List.of(inputShape)).get(0);
    }

    @Override
    public List<int[]> computeOutputShapes(List<int[]> inputShapes) {
        if (inputShapes.isEmpty() || inputShapes.size() > 4) {
            throw new IllegalArgumentException("MultiHeadAttention takes [query], [query, value], [query, value, key] or [query, value, key, mask], got "
                    + inputShapes.size() + " inputs");
        }
        int[] q = check("query", inputShapes.get(0));
        int[] v = inputShapes.size() > 1 ? check("value", inputShapes.get(1)) : q;
        checkValueKey(v, inputShapes.size() > 2 ? check("key", inputShapes.get(2)) : v);
        return List.of(new int[]{q[0], outputDim > 0 ? outputDim : q[1]});
    }

    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        if (index < 3) super.checkInput(index, shapeWithBatch); // the mask input is checked where it is used
    }

    // ------------------------------------------------------------------ call

    /** The output (batch, T, outputDim) and the attention probabilities (batch, heads, T, S). */
    public record Result(Tensor output, Tensor scores) {}

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        return attendBuilt(x, x, x, null, ctx, true).output();
    }

    @Override
    protected List<Tensor> call(List<Tensor> inputs, Context ctx) {
        if (inputs.isEmpty() || inputs.size() > 4) {
            throw new IllegalArgumentException(describe() + " takes [query, value], [query, value, key] or [query, value, key, mask], got "
                    + inputs.size() + " inputs");
        }
        Tensor q = inputs.get(0), v = inputs.size() > 1 ? inputs.get(1) : q, k = inputs.size() > 2 ? inputs.get(2) : v;
        Tensor mask = inputs.size() > 3 ? inputs.get(3) : null;
        return List.of(attendBuilt(q, v, k, mask, ctx, q == v).output());
    }

    /**
     * Attention with the scores, like Keras's {@code return_attention_scores=True}: key may be null
     * (then the value), attentionMask null or (batch, T, S) / (batch, S) with 1 = attend.
     */
    public Result attend(Tensor query, Tensor value, Tensor key, Tensor attentionMask, Context ctx) {
        Tensor k = key == null ? value : key;
        ensureBuilt(List.of(noBatch(query), noBatch(value), noBatch(k)));
        for (int i = 0; i < 3; i++) checkInput(i, List.of(query, value, k).get(i).shape());
        return attendBuilt(query, value, k, attentionMask, ctx, query == value);
    }

    private static int[] noBatch(Tensor t) {
        int[] s = t.shape();
        return Arrays.copyOfRange(s, 1, s.length);
    }

    private Result attendBuilt(Tensor query, Tensor value, Tensor key, Tensor explicitMask, Context ctx, boolean selfAttention) {
        int batch = query.size(0), tq = query.size(1), s = value.size(1);
        if (value.size(0) != batch || key.size(0) != batch || key.size(1) != s) {
            throw new IllegalArgumentException(describe() + ": query " + Shape.format(query.shape()) + ", value " + Shape.format(value.shape())
                    + " and key " + Shape.format(key.shape()) + " must share the batch, and value and key the length");
        }
        Tensor q = project(query, queryKernel, queryBias, keyDim);   // (batch, heads, T, keyDim)
        Tensor k = project(key, keyKernel, keyBias, keyDim);         // (batch, heads, S, keyDim)
        Tensor v = project(value, valueKernel, valueBias, valueDim); // (batch, heads, S, valueDim)
        Tensor mask = combinedMask(ctx.mask(), explicitMask, batch, tq, s, selfAttention);
        float rate = ctx.training() ? dropout : 0f;
        Tensor[] attended = attention(q, k, v, mask, useCausalMask, rate, rate > 0f ? ctx.rng() : null);
        // (batch, heads, T, valueDim) -> (batch, T, heads * valueDim) -> (batch, T, out)
        Tensor o = attended[0].permute(0, 2, 1, 3).reshape(batch, tq, numHeads * valueDim);
        int out = outputKernel.shape()[2];
        Tensor y = o.matmul(outputKernel.value().reshape(numHeads * valueDim, out));
        if (outputBias != null) y = y.add(outputBias.value());
        return new Result(y, attended[1]);
    }

    /** x (batch, L, dim) W (dim, heads, d) + b (heads, d), as (batch, heads, L, d). */
    private Tensor project(Tensor x, Parameter kernel, Parameter bias, int d) {
        int[] ks = kernel.shape();
        Tensor y = x.matmul(kernel.value().reshape(ks[0], numHeads * d));
        if (bias != null) y = y.add(bias.value().reshape(numHeads * d));
        return y.reshape(x.size(0), x.size(1), numHeads, d).permute(0, 2, 1, 3);
    }

    /** The product of the padding masks and the explicit mask, as 1/0 of shape broadcastable to (batch, 1, T, S), or null. */
    private Tensor combinedMask(Tensor ctxMask, Tensor explicit, int batch, int tq, int s, boolean selfAttention) {
        Tensor m = null;
        if (ctxMask != null) {
            Tensor cm = ctxMask.detach().toFloat().ne(Tensor.scalar(0f));
            if (selfAttention && cm.rank() == 2 && cm.size(0) == batch && cm.size(1) == s) {
                m = cm.reshape(batch, 1, 1, s).mul(cm.reshape(batch, 1, s, 1)); // value mask and query mask
            } else if (cm.rank() == 2 && cm.size(0) == batch && cm.size(1) == s) {
                m = cm.reshape(batch, 1, 1, s);
            } else if (cm.rank() == 2 && cm.size(0) == batch && cm.size(1) == tq) {
                m = cm.reshape(batch, 1, tq, 1);
            } else {
                throw new IllegalArgumentException(describe() + ": the input mask has shape " + Shape.format(cm.shape())
                        + ", expected (" + batch + ", " + s + ")");
            }
        }
        if (explicit != null) {
            Tensor e = explicit.detach().toFloat().ne(Tensor.scalar(0f));
            if (e.rank() == 3 && e.size(0) == batch && e.size(1) == tq && e.size(2) == s) e = e.reshape(batch, 1, tq, s);
            else if (e.rank() == 2 && e.size(0) == batch && e.size(1) == s) e = e.reshape(batch, 1, 1, s);
            else {
                throw new IllegalArgumentException(describe() + ": the attention mask must have shape (" + batch + ", " + tq + ", " + s
                        + ") or (" + batch + ", " + s + "), got " + Shape.format(explicit.shape()));
            }
            m = m == null ? e : m.mul(e);
        }
        return m;
    }

    // ------------------------------------------------------------------ the functional form

    /**
     * softmax(q k^T / sqrt(d) + (1 - mask) * -1e9) v over the last two axes, batched over the
     * leading ones: q (..., T, d), k (..., S, d), v (..., S, dv) give (..., T, dv). {@code mask}
     * (1 = attend, 0 = masked) broadcasts to (..., T, S), or is null; {@code causal} also masks
     * key positions after the query's (j > i).
     *
     * <pre>{@code Tensor out = MultiHeadAttention.scaledDotProductAttention(q, k, v, null, true);}</pre>
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal) {
        return attention(q, k, v, mask, causal, 0f, null)[0];
    }

    /** As {@link #scaledDotProductAttention(Tensor, Tensor, Tensor, Tensor, boolean)}, with dropout on the probabilities drawn from rng. */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, float dropoutRate, Rng rng) {
        return attention(q, k, v, mask, causal, dropoutRate, rng)[0];
    }

    /** {output, probabilities}. */
    private static Tensor[] attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, float dropoutRate, Rng rng) {
        if (q.rank() < 2 || k.rank() < 2 || v.rank() < 2) {
            throw new IllegalArgumentException("scaledDotProductAttention: q, k and v need at least 2 axes, got " + Shape.format(q.shape()) + ", "
                    + Shape.format(k.shape()) + ", " + Shape.format(v.shape()));
        }
        int d = q.size(-1), tq = q.size(-2), s = k.size(-2);
        if (k.size(-1) != d || v.size(-2) != s) {
            throw new IllegalArgumentException("scaledDotProductAttention: expected q (..., T, d), k (..., S, d), v (..., S, dv), got "
                    + Shape.format(q.shape()) + ", " + Shape.format(k.shape()) + ", " + Shape.format(v.shape()));
        }
        // Keras scales the query before the product
        Tensor scores = q.mul((float) (1.0 / Math.sqrt(d))).matmul(k.transpose(-1, -2)); // (..., T, S)
        Tensor keep = mask == null ? null : mask.detach().toFloat();
        if (causal) {
            float[] c = new float[tq * s];
            for (int i = 0; i < tq; i++) for (int j = 0; j <= Math.min(i, s - 1); j++) c[i * s + j] = 1f;
            Tensor cm = Tensor.wrap(c, tq, s);
            keep = keep == null ? cm : keep.mul(cm);
        }
        if (keep != null) scores = scores.add(keep.rsub(1f).mul(-1e9f));
        Tensor probs = scores.softmax(-1);
        Tensor used = dropoutRate > 0f ? probs.dropout(dropoutRate, rng) : probs;
        return new Tensor[]{used.matmul(v), probs};
    }

    @Override
    public Tensor computeMask(List<Tensor> inputs, Tensor mask) {
        // Keras gives the output the query's mask; here that mask is known only in self-attention.
        boolean self = inputs.size() == 1 || inputs.get(0) == inputs.get(1);
        return self ? mask : null;
    }

    // ------------------------------------------------------------------ config

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("num_heads", numHeads);
        m.put("key_dim", keyDim);
        m.put("value_dim", valueDim);
        m.put("dropout", (double) dropout);
        m.put("use_bias", useBias);
        m.put("output_shape", outputDim > 0 ? Config.list(new int[]{outputDim}) : null);
        m.put("use_causal_mask", useCausalMask);
        m.put("kernel_initializer", kernelInit.config());
        m.put("bias_initializer", biasInit.config());
        if (kernelReg != null) m.put("kernel_regularizer", kernelReg.config());
        if (biasReg != null) m.put("bias_regularizer", biasReg.config());
        return m;
    }

    public static MultiHeadAttention fromConfig(Map<String, Object> c) {
        MultiHeadAttention l = new MultiHeadAttention(Config.getInt(c, "num_heads"), Config.getInt(c, "key_dim"));
        if (c.get("value_dim") != null) l.valueDim(Config.getInt(c, "value_dim"));
        l.dropout(Config.getFloat(c, "dropout", 0f));
        l.useBias(Config.getBool(c, "use_bias", true));
        if (c.get("output_shape") != null) {
            int[] os = Config.getInts(c, "output_shape");
            if (os.length != 1) throw new IllegalArgumentException("MultiHeadAttention: output_shape must have one size, got " + Arrays.toString(os));
            l.outputShape(os[0]);
        }
        l.useCausalMask(Config.getBool(c, "use_causal_mask", false));
        if (c.get("kernel_initializer") != null) l.kernelInitializer(Initializer.fromConfig(c.get("kernel_initializer")));
        if (c.get("bias_initializer") != null) l.biasInitializer(Initializer.fromConfig(c.get("bias_initializer")));
        l.kernelRegularizer(Regularizer.fromConfig(c.get("kernel_regularizer")));
        l.biasRegularizer(Regularizer.fromConfig(c.get("bias_regularizer")));
        return withBaseConfig(l, c);
    }
}
