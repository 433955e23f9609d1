package dev.myelin.nn;

import dev.myelin.core.GradCheck;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.MultiHeadAttention;
import dev.myelin.nn.layers.MultiHeadAttention.Result;
import dev.myelin.nn.losses.MeanSquaredError;
import dev.myelin.nn.optimizers.Adam;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** MultiHeadAttention and scaled dot-product attention against values computed in plain double loops. */
class AttentionLayersTest {

    @Test
    void harness() {
        // query, key, value: dim * heads * keyDim + heads * keyDim each; output: heads * valueDim * dim + dim
        LayerHarness.check(() -> new MultiHeadAttention(2, 3), new int[]{2, 4, 5}, 3 * (5 * 2 * 3 + 2 * 3) + 2 * 3 * 5 + 5);
        LayerHarness.check(() -> new MultiHeadAttention(2, 3).valueDim(4).outputShape(7).useBias(false).useCausalMask(true),
                new int[]{2, 4, 5}, 5 * 2 * 3 * 2 + 5 * 2 * 4 + 2 * 4 * 7);
    }

    @Test
    void kerasWeightLayoutAndShapes() {
        MultiHeadAttention mha = new MultiHeadAttention(2, 3).valueDim(4);
        Tensor q = Tensor.randn(new Rng(1), 2, 3, 6), v = Tensor.randn(new Rng(2), 2, 5, 7), k = Tensor.randn(new Rng(3), 2, 5, 8);
        Result r = mha.attend(q, v, k, null, Context.inference());
        assertArrayEquals(new int[]{2, 3, 6}, r.output().shape());
        assertArrayEquals(new int[]{2, 2, 3, 5}, r.scores().shape());
        assertEquals(List.of("query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias",
                "attention_output/kernel", "attention_output/bias"), mha.weights().stream().map(Parameter::name).toList());
        assertArrayEquals(new int[]{6, 2, 3}, mha.weights().get(0).shape());
        assertArrayEquals(new int[]{8, 2, 3}, mha.weights().get(2).shape());
        assertArrayEquals(new int[]{7, 2, 4}, mha.weights().get(4).shape());
        assertArrayEquals(new int[]{2, 4, 6}, mha.weights().get(6).shape());
        assertArrayEquals(new int[]{3, 6}, mha.computeOutputShapes(List.of(new int[]{3, 6}, new int[]{5, 7}, new int[]{5, 8})).get(0));
        float[] s = r.scores().toFloatArray();
        for (int row = 0; row < s.length / 5; row++) {
            double sum = 0;
            for (int j = 0; j < 5; j++) sum += s[row * 5 + j];
            assertEquals(1.0, sum, 1e-5, "probabilities of one query sum to 1");
        }
    }

    /** The whole layer computed in doubles from its weights: Q = x Wq + bq per head, softmax(Q K^T / sqrt(dk)) V, then Wo. */
    @Test
    void forwardMatchesAnIndependentComputation() {
        int batch = 2, tq = 3, s = 4, dim = 5, heads = 2, dk = 3, dv = 2;
        Rng rng = new Rng(7);
        Tensor query = Tensor.randn(rng, batch, tq, dim), value = Tensor.randn(rng, batch, s, dim);
        MultiHeadAttention mha = new MultiHeadAttention(heads, dk).valueDim(dv).biasInitializer(Initializer.randomNormal(0.3f));
        Tensor mask = Tensor.of(new float[]{1, 1, 1, 0, /**/ 1, 1, 1, 1}, batch, s);
        Tensor y = mha.applyAll(List.of(query, value, value, mask), Context.inference()).get(0);
        float[] wq = mha.weights().get(0).value().toFloatArray(), bq = mha.weights().get(1).value().toFloatArray();
        float[] wk = mha.weights().get(2).value().toFloatArray(), bk = mha.weights().get(3).value().toFloatArray();
        float[] wv = mha.weights().get(4).value().toFloatArray(), bv = mha.weights().get(5).value().toFloatArray();
        float[] wo = mha.weights().get(6).value().toFloatArray(), bo = mha.weights().get(7).value().toFloatArray();
        for (int b = 0; b < batch; b++) {
            double[][][] qh = proj(query, b, wq, bq, heads, dk), kh = proj(value, b, wk, bk, heads, dk), vh = proj(value, b, wv, bv, heads, dv);
            for (int t = 0; t < tq; t++) {
                double[] out = new double[dim];
                for (int h = 0; h < heads; h++) {
                    double[] logits = new double[s];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < s; j++) {
                        double dot = 0;
                        for (int d = 0; d < dk; d++) dot += qh[t][h][d] / Math.sqrt(dk) * kh[j][h][d];
                        logits[j] = mask.get(b, j) == 0 ? dot - 1e9 : dot;
                        max = Math.max(max, logits[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < s; j++) z += Math.exp(logits[j] - max);
                    for (int e = 0; e < dv; e++) {
                        double o = 0;
                        for (int j = 0; j < s; j++) o += Math.exp(logits[j] - max) / z * vh[j][h][e];
                        for (int c = 0; c < dim; c++) out[c] += o * wo[(h * dv + e) * dim + c];
                    }
                }
                for (int c = 0; c < dim; c++) assertEquals(out[c] + bo[c], y.get(b, t, c), 1e-5, "b=" + b + " t=" + t + " c=" + c);
            }
        }
    }

    /** x[b] (L, dim) times W (dim, heads, d) plus bias (heads, d): (L, heads, d). */
    private static double[][][] proj(Tensor x, int b, float[] w, float[] bias, int heads, int d) {
        int len = x.size(1), dim = x.size(2);
        double[][][] out = new double[len][heads][d];
        for (int t = 0; t < len; t++) {
            for (int h = 0; h < heads; h++) {
                for (int e = 0; e < d; e++) {
                    double acc = bias[h * d + e];
                    for (int i = 0; i < dim; i++) acc += x.get(b, t, i) * w[(i * heads + h) * d + e];
                    out[t][h][e] = acc;
                }
            }
        }
        return out;
    }

    @Test
    void causalMaskHidesTheFuture() {
        Rng rng = new Rng(3);
        Tensor x = Tensor.randn(rng, 1, 5, 4);
        MultiHeadAttention mha = new MultiHeadAttention(2, 2).useCausalMask(true);
        Tensor y = mha.apply(x);
        for (int t = 0; t < 5; t++) {
            // change every input after t: outputs up to t stay, the one after t moves
            Tensor changed = x.copy();
            for (int u = t + 1; u < 5; u++) for (int c = 0; c < 4; c++) changed.set(changed.get(0, u, c) + 3f, 0, u, c);
            Tensor y2 = mha.apply(changed);
            assertArrayEquals(y.slice(1, 0, t + 1).toFloatArray(), y2.slice(1, 0, t + 1).toFloatArray(), 1e-6f, "t=" + t);
            if (t < 4) assertNotEquals(y.get(0, t + 1, 0), y2.get(0, t + 1, 0));
        }
        Result r = mha.attend(x, x, null, null, Context.inference());
        for (int i = 0; i < 5; i++) for (int j = i + 1; j < 5; j++) assertEquals(0f, r.scores().get(0, 1, i, j), 0f);
    }

    @Test
    void keyPaddingMaskIgnoresPaddedKeys() {
        Rng rng = new Rng(4);
        Tensor q = Tensor.randn(rng, 2, 3, 4), v = Tensor.randn(rng, 2, 5, 4);
        MultiHeadAttention mha = new MultiHeadAttention(2, 3);
        Tensor pad = Tensor.of(new float[]{1, 1, 1, 0, 0, /**/ 1, 1, 1, 0, 0}, 2, 5);
        Tensor masked = mha.applyAll(List.of(q, v, v, pad), Context.inference()).get(0);
        // the same as attending to the three real keys only
        Tensor shortV = v.slice(1, 0, 3).contiguous();
        assertArrayEquals(mha.applyAll(List.of(q, shortV), Context.inference()).get(0).toFloatArray(), masked.toFloatArray(), 1e-5f);
        // the context's mask works as the value's padding mask too
        Tensor viaContext = mha.applyAll(List.of(q, v), Context.inference().withMask(pad)).get(0);
        assertArrayEquals(masked.toFloatArray(), viaContext.toFloatArray(), 1e-6f);
        // and in self-attention as both query and value mask: real positions ignore the padded ones
        Tensor x = Tensor.randn(rng, 2, 5, 4);
        Tensor self = mha.apply(x, Context.inference().withMask(pad));
        Tensor xShort = x.slice(1, 0, 3).contiguous();
        assertArrayEquals(mha.apply(xShort).toFloatArray(), self.slice(1, 0, 3).toFloatArray(), 1e-5f);
    }

    @Test
    void scaledDotProductAttentionHandComputed() {
        // q (1, 2, 2), k (1, 3, 2), v (1, 3, 1): scores = q k^T / sqrt(2)
        Tensor q = Tensor.of(new float[]{1, 0, 0, 2}, 1, 2, 2);
        Tensor k = Tensor.of(new float[]{1, 1, 2, 0, 0, -1}, 1, 3, 2);
        Tensor v = Tensor.of(new float[]{1, 10, 100}, 1, 3, 1);
        double r = Math.sqrt(2);
        // row 0: q0 = (1, 0): scores (1, 2, 0) / sqrt2; row 1: q1 = (0, 2): scores (2, 0, -2) / sqrt2
        double[][] logits = {{1 / r, 2 / r, 0}, {2 / r, 0, -2 / r}};
        double[] values = {1, 10, 100};
        Tensor out = MultiHeadAttention.scaledDotProductAttention(q, k, v, null, false);
        for (int i = 0; i < 2; i++) assertEquals(softmaxDot(logits[i], values, 3), out.get(0, i, 0), 1e-4);
        // causal: row 0 sees key 0 only, row 1 keys 0 and 1
        Tensor causal = MultiHeadAttention.scaledDotProductAttention(q, k, v, null, true);
        assertEquals(1.0, causal.get(0, 0, 0), 1e-5);
        assertEquals(softmaxDot(logits[1], values, 2), causal.get(0, 1, 0), 1e-4);
        // key mask (1, 0, 1) for every query
        Tensor mask = Tensor.of(new float[]{1, 0, 1}, 1, 1, 3);
        Tensor masked = MultiHeadAttention.scaledDotProductAttention(q, k, v, mask, false);
        double[] l0 = {logits[0][0], -1e9, logits[0][2]};
        assertEquals(softmaxDot(l0, values, 3), masked.get(0, 0, 0), 1e-4);
    }

    /** sum_j softmax(logits[:n])_j values_j */
    private static double softmaxDot(double[] logits, double[] values, int n) {
        double z = 0, s = 0;
        for (int j = 0; j < n; j++) z += Math.exp(logits[j]);
        for (int j = 0; j < n; j++) s += Math.exp(logits[j]) / z * values[j];
        return s;
    }

    @Test
    void gradientsOfScaledDotProductAttention() {
        Rng rng = new Rng(5);
        Tensor q = Tensor.randn(rng, 2, 3, 4).requiresGrad(true), k = Tensor.randn(rng, 2, 5, 4).requiresGrad(true);
        Tensor v = Tensor.randn(rng, 2, 5, 2).requiresGrad(true);
        Tensor mask = Tensor.of(new float[]{1, 1, 0, 1, 1, /**/ 1, 1, 1, 1, 0}, 2, 1, 5);
        GradCheck.check(xs -> MultiHeadAttention.scaledDotProductAttention(xs[0], xs[1], xs[2], mask, true), 1e-2, 3e-3, 3e-4, q, k, v);
    }

    @Test
    void dropoutOnTheProbabilitiesOnlyInTraining() {
        Tensor x = Tensor.randn(new Rng(6), 2, 4, 4);
        MultiHeadAttention mha = new MultiHeadAttention(2, 2).dropout(0.5f);
        Tensor inf = mha.apply(x);
        Tensor a = mha.apply(x, Context.training(new Rng(1))), b = mha.apply(x, Context.training(new Rng(1)));
        assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f);
        assertFalse(java.util.Arrays.equals(a.toFloatArray(), inf.toFloatArray()));
    }

    @Test
    void trainsInAFunctionalModel() {
        // Target: for each position, the mean of the sequence's first feature; attention can average.
        Rng rng = new Rng(8);
        int n = 64, time = 4;
        Tensor x = Tensor.randn(rng, n, time, 3);
        Tensor target = x.slice(2, 0, 1).mean(new int[]{1}, true).expand(n, time, 1).contiguous();
        SymbolicTensor in = Input.of(time, 3);
        SymbolicTensor h = new MultiHeadAttention(2, 4).apply(in, in);
        Model model = Model.of(in, new Dense(1).apply(h));
        model.compile(new Adam(0.02f), new MeanSquaredError());
        double before = model.evaluate(x, target, 32).get("loss");
        model.fit(x, target, new FitOptions().epochs(30).batchSize(32).verbose(0));
        double after = model.evaluate(x, target, 32).get("loss");
        assertTrue(after < 0.3 * before, "loss " + before + " -> " + after);
    }
}
