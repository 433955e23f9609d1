package dev.myelin.nn;

import dev.myelin.core.GradCheck;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.losses.BinaryCrossentropy;
import dev.myelin.nn.losses.CategoricalCrossentropy;
import dev.myelin.nn.losses.CosineSimilarity;
import dev.myelin.nn.losses.Huber;
import dev.myelin.nn.losses.KLDivergence;
import dev.myelin.nn.losses.Loss;
import dev.myelin.nn.losses.Losses;
import dev.myelin.nn.losses.MeanAbsoluteError;
import dev.myelin.nn.losses.MeanSquaredError;
import dev.myelin.nn.losses.SparseCategoricalCrossentropy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Losses against values computed independently: Keras's documented examples, and plain double
 * loops over the formulas (the {@code ref*} methods below), plus gradient checks.
 */
class LossTest {
    private static final double EPS = 1e-7; // Keras's backend.epsilon()

    private static Tensor t(float[][] rows) {
        return Tensor.of(rows);
    }

    private static double[] values(Tensor t) {
        float[] f = t.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private static void assertValues(double[] expected, Tensor actual, double tol) {
        assertArrayEquals(expected, values(actual), tol, actual.toString());
    }

    // ------------------------------------------------------------------ Keras's documented examples

    @Test
    void kerasDocumentedExamples() {
        // keras.losses.binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) = [0.916, 0.714]
        Tensor y = t(new float[][]{{0, 1}, {0, 0}}), p = t(new float[][]{{0.6f, 0.4f}, {0.4f, 0.6f}});
        assertValues(new double[]{-(Math.log(0.4) + Math.log(0.4)) / 2, -(Math.log(0.6) + Math.log(0.4)) / 2},
                new BinaryCrossentropy().perSample(y, p), 1e-5);
        assertArrayEquals(new double[]{0.916, 0.714}, values(new BinaryCrossentropy().perSample(y, p)), 1e-3);
        // keras.losses.huber(same) = 0.155: errors 0.6, 0.6, 0.4, 0.6 are all within delta 1 -> 0.5 e^2
        assertEquals(0.155, new Huber().compute(y, p).item(), 1e-6);
        // keras.losses.categorical_crossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]) = [0.0513, 2.303]
        Tensor oneHot = t(new float[][]{{0, 1, 0}, {0, 0, 1}}), probs = t(new float[][]{{0.05f, 0.95f, 0}, {0.1f, 0.8f, 0.1f}});
        double[] cce = {-Math.log(0.95), -Math.log(0.1)};
        assertValues(cce, new CategoricalCrossentropy().perSample(oneHot, probs), 1e-5);
        // keras.losses.sparse_categorical_crossentropy([1, 2], same probabilities) = the same values
        assertValues(cce, new SparseCategoricalCrossentropy().perSample(Tensor.ofInts(new int[]{1, 2}), probs), 1e-5);
        // keras.losses.cosine_similarity([[0, 1], [1, 1], [1, 1]], [[1, 0], [1, 1], [-1, -1]]) = [-0, -1, 1]
        assertValues(new double[]{0, -1, 1},
                new CosineSimilarity().perSample(t(new float[][]{{0, 1}, {1, 1}, {1, 1}}), t(new float[][]{{1, 0}, {1, 1}, {-1, -1}})), 1e-6);
    }

    // ------------------------------------------------------------------ formulas in double

    static double[] refMse(float[][] y, float[][] p, boolean abs) {
        double[] out = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            for (int j = 0; j < y[i].length; j++) {
                double e = (double) p[i][j] - y[i][j];
                out[i] += (abs ? Math.abs(e) : e * e) / y[i].length;
            }
        }
        return out;
    }

    static double[] refHuber(float[][] y, float[][] p, double delta) {
        double[] out = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            for (int j = 0; j < y[i].length; j++) {
                double e = Math.abs((double) p[i][j] - y[i][j]);
                out[i] += (e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta) / y[i].length;
            }
        }
        return out;
    }

    static double[] refBce(float[][] y, float[][] p, boolean logits, double ls) {
        double[] out = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            for (int j = 0; j < y[i].length; j++) {
                double yy = y[i][j] * (1 - ls) + 0.5 * ls;
                double q = logits ? 1 / (1 + Math.exp(-p[i][j])) : Math.min(Math.max(p[i][j], EPS), 1 - EPS);
                out[i] += -(yy * Math.log(q) + (1 - yy) * Math.log(1 - q)) / y[i].length;
            }
        }
        return out;
    }

    static double[] refCce(float[][] y, float[][] p, boolean logits, double ls) {
        double[] out = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            int c = y[i].length;
            double[] q = new double[c];
            double s = 0;
            for (int j = 0; j < c; j++) s += logits ? Math.exp(p[i][j]) : p[i][j];
            for (int j = 0; j < c; j++) q[j] = Math.min(Math.max((logits ? Math.exp(p[i][j]) : p[i][j]) / s, logits ? 0 : EPS), logits ? 1 : 1 - EPS);
            for (int j = 0; j < c; j++) out[i] -= (y[i][j] * (1 - ls) + ls / c) * Math.log(q[j]);
        }
        return out;
    }

    static float[][] rows(Rng rng, int n, int c, float lo, float hi) {
        float[][] r = new float[n][c];
        for (float[] row : r) for (int j = 0; j < c; j++) row[j] = lo + (hi - lo) * rng.nextFloat();
        return r;
    }

    static float[][] oneHot(int[] ids, int c) {
        float[][] r = new float[ids.length][c];
        for (int i = 0; i < ids.length; i++) r[i][ids[i]] = 1;
        return r;
    }

    @Test
    void regressionLossesMatchFormulas() {
        Rng rng = new Rng(3);
        float[][] y = rows(rng, 5, 3, -2, 2), p = rows(rng, 5, 3, -2, 2);
        assertValues(refMse(y, p, false), new MeanSquaredError().perSample(t(y), t(p)), 1e-5);
        assertValues(refMse(y, p, true), new MeanAbsoluteError().perSample(t(y), t(p)), 1e-5);
        // errors up to 4 on both sides of delta = 0.7
        assertValues(refHuber(y, p, 0.7), new Huber(0.7f).perSample(t(y), t(p)), 1e-5);
        assertValues(refHuber(y, p, 1.0), new Huber().perSample(t(y), t(p)), 1e-5);
        // the batch loss is the mean of the per-sample losses
        double mean = 0;
        for (double v : refMse(y, p, false)) mean += v / 5;
        assertEquals(mean, new MeanSquaredError().compute(t(y), t(p)).item(), 1e-5);
    }

    @Test
    void binaryCrossentropyMatchesFormula() {
        Rng rng = new Rng(4);
        float[][] y = rows(rng, 4, 3, 0, 1), p = rows(rng, 4, 3, 0.02f, 0.98f), x = rows(rng, 4, 3, -6, 6);
        for (float[] row : y) for (int j = 0; j < row.length; j++) row[j] = row[j] < 0.5f ? 0 : 1;
        assertValues(refBce(y, p, false, 0), new BinaryCrossentropy().perSample(t(y), t(p)), 1e-5);
        assertValues(refBce(y, p, false, 0.2), new BinaryCrossentropy(false, 0.2f).perSample(t(y), t(p)), 1e-5);
        assertValues(refBce(y, x, true, 0), new BinaryCrossentropy(true).perSample(t(y), t(x)), 1e-5);
        assertValues(refBce(y, x, true, 0.1), new BinaryCrossentropy(true, 0.1f).perSample(t(y), t(x)), 1e-5);
        // by hand: y = 1 smoothed by 0.2 is 0.9; p = 0.7 -> -(0.9 ln 0.7 + 0.1 ln 0.3)
        assertEquals(-(0.9 * Math.log(0.7) + 0.1 * Math.log(0.3)),
                new BinaryCrossentropy(false, 0.2f).perSample(Tensor.of(new float[]{1}, 1, 1), Tensor.of(new float[]{0.7f}, 1, 1)).item(), 1e-6);
        // soft labels outside {0, 1} are allowed
        float[][] soft = rows(rng, 4, 3, -0.5f, 1.5f);
        assertValues(refBce(soft, p, false, 0), new BinaryCrossentropy().perSample(t(soft), t(p)), 1e-5);
    }

    @Test
    void binaryCrossentropyIsStableAndClipped() {
        // logits of +-100: exact values 100, 100, ~0 and no overflow; probabilities 0 and 1 are clipped to 1e-7
        Tensor x = Tensor.of(new float[]{100, -100, 100}, 3, 1), y = Tensor.of(new float[]{0, 1, 1}, 3, 1);
        assertValues(new double[]{100, 100, 0}, new BinaryCrossentropy(true).perSample(y, x), 1e-4);
        // in float32, as Keras: 1 - 1e-7 rounds to 1 - 2^-23, so -log(2^-23) = 15.942; -log(1e-7) = 16.118
        Tensor p = Tensor.of(new float[]{1, 0}, 2, 1);
        double top = -Math.log(1.0 - (double) (1f - 1e-7f)), bottom = -Math.log((double) 1e-7f);
        assertValues(new double[]{top, bottom}, new BinaryCrossentropy().perSample(Tensor.of(new float[]{0, 1}, 2, 1), p), 1e-4);
        // gradient at logit 0 is sigmoid(0) - y over the batch of 2: (0.5 - y) / 2
        Tensor z = Tensor.zeros(2, 1).requiresGrad(true);
        new BinaryCrossentropy(true).compute(Tensor.of(new float[]{0, 1}, 2, 1), z).backward();
        assertArrayEquals(new float[]{0.25f, -0.25f}, z.grad().toFloatArray(), 1e-7f);
    }

    @Test
    void categoricalCrossentropyMatchesFormula() {
        Rng rng = new Rng(5);
        int[] ids = {0, 3, 2, 1, 3};
        float[][] y = oneHot(ids, 4), p = rows(rng, 5, 4, 0.05f, 1f), x = rows(rng, 5, 4, -4, 4);
        // probabilities that do not sum to 1 are rescaled first, as Keras does
        assertValues(refCce(y, p, false, 0), new CategoricalCrossentropy().perSample(t(y), t(p)), 1e-5);
        assertValues(refCce(y, p, false, 0.3), new CategoricalCrossentropy(false, 0.3f).perSample(t(y), t(p)), 1e-5);
        assertValues(refCce(y, x, true, 0), new CategoricalCrossentropy(true).perSample(t(y), t(x)), 1e-5);
        assertValues(refCce(y, x, true, 0.1), new CategoricalCrossentropy(true, 0.1f).perSample(t(y), t(x)), 1e-5);
        // the sparse loss on the class ids gives the unsmoothed values
        assertValues(refCce(y, x, true, 0), new SparseCategoricalCrossentropy(true).perSample(Tensor.ofInts(ids), t(x)), 1e-5);
        assertValues(refCce(y, p, false, 0), new SparseCategoricalCrossentropy().perSample(Tensor.ofLongs(new long[]{0, 3, 2, 1, 3}, 5, 1), t(p)), 1e-5);
        // the class axis can be another one: (batch, classes, 1) with axis 1 equals (batch, classes) with axis -1
        Tensor y3 = t(y).reshape(5, 4, 1), x3 = t(x).reshape(5, 4, 1);
        assertValues(refCce(y, x, true, 0), new CategoricalCrossentropy(true, 0f, 1).perSample(y3, x3), 1e-5);
    }

    @Test
    void sparseCrossentropyOverSequences() {
        Rng rng = new Rng(6);
        int batch = 2, time = 3, classes = 4;
        Tensor x = Tensor.randn(rng, batch, time, classes);
        int[] ids = {1, 0, 3, 2, 2, 1};
        float[][] flat = new float[batch * time][];
        for (int i = 0; i < flat.length; i++) flat[i] = x.reshape(batch * time, classes).select(0, i).toFloatArray();
        double[] perStep = refCce(oneHot(ids, classes), flat, true, 0);
        double[] expected = new double[batch]; // each sample: the mean over its time steps
        for (int i = 0; i < perStep.length; i++) expected[i / time] += perStep[i] / time;
        Loss l = new SparseCategoricalCrossentropy(true);
        assertValues(expected, l.perSample(Tensor.ofInts(ids, batch, time), x), 1e-5);
        assertValues(expected, l.perSample(Tensor.ofInts(ids, batch, time, 1), x), 1e-5);
        // one-hot sequences give the same with CategoricalCrossentropy
        float[][] oh = oneHot(ids, classes);
        float[] ohFlat = new float[batch * time * classes];
        for (int i = 0; i < oh.length; i++) System.arraycopy(oh[i], 0, ohFlat, i * classes, classes);
        assertValues(expected, new CategoricalCrossentropy(true).perSample(Tensor.of(ohFlat, batch, time, classes), x), 1e-5);
    }

    @Test
    void klDivergenceMatchesFormula() {
        // by hand: 0.2 ln(0.2 / 0.4) + 0.8 ln(0.8 / 0.6); a 0 label is clipped to 1e-7: 1e-7 ln(1e-7 / 0.5) + 1 ln(1 / 0.5)
        Tensor y = t(new float[][]{{0.2f, 0.8f}, {0, 1}}), p = t(new float[][]{{0.4f, 0.6f}, {0.5f, 0.5f}});
        double e = (float) 1e-7;
        assertValues(new double[]{0.2 * Math.log(0.5) + 0.8 * Math.log(0.8 / 0.6), e * Math.log(e / 0.5) + Math.log(2)},
                new KLDivergence().perSample(y, p), 1e-6);
    }

    @Test
    void cosineSimilarityMatchesFormula() {
        Rng rng = new Rng(7);
        float[][] y = rows(rng, 4, 5, -1, 1), p = rows(rng, 4, 5, -1, 1);
        double[] expected = new double[4];
        for (int i = 0; i < 4; i++) {
            double dot = 0, ny = 0, np = 0;
            for (int j = 0; j < 5; j++) {
                dot += (double) y[i][j] * p[i][j];
                ny += (double) y[i][j] * y[i][j];
                np += (double) p[i][j] * p[i][j];
            }
            expected[i] = -dot / Math.sqrt(ny * np);
        }
        assertValues(expected, new CosineSimilarity().perSample(t(y), t(p)), 1e-5);
        // a zero vector gives 0 and a finite gradient
        Tensor z = Tensor.zeros(1, 3).requiresGrad(true);
        Tensor l = new CosineSimilarity().compute(t(new float[][]{{1, 2, 3}}), z);
        assertEquals(0f, l.item(), 1e-7f);
        l.backward();
        for (float g : z.grad().toFloatArray()) assertTrue(Float.isFinite(g));
    }

    // ------------------------------------------------------------------ weights

    @Test
    void sampleAndClassWeightsScaleEachSample() {
        // per-sample BCE on one probability each: -ln 0.8, -ln 0.4 (label 1 with p 0.4), -ln 0.9 (label 0 with p 0.1)
        Tensor y = Tensor.of(new float[]{1, 1, 0}), p = Tensor.of(new float[]{0.8f, 0.4f, 0.1f}, 3, 1);
        double l0 = -Math.log(0.8), l1 = -Math.log(0.4), l2 = -Math.log(0.9);
        Tensor w = Tensor.of(new float[]{2, 0.5f, 1});
        // Keras's sum-over-batch-size: sum(w l) / batch
        assertEquals((2 * l0 + 0.5 * l1 + l2) / 3, new BinaryCrossentropy().compute(y, p, w).item(), 1e-6);
        // class weights {0: 1, 1: 3} become sample weights 3, 3, 1 (Model does this for fit)
        Tensor cw = Model.classSampleWeights(y, Map.of(0, 1f, 1, 3f), null);
        assertArrayEquals(new float[]{3, 3, 1}, cw.toFloatArray());
        assertEquals((3 * l0 + 3 * l1 + l2) / 3, new BinaryCrossentropy().compute(y, p, cw).item(), 1e-6);
        // with one-hot labels the class is the arg-max; class weights multiply existing sample weights
        Tensor oh = t(new float[][]{{0, 1}, {1, 0}});
        assertArrayEquals(new float[]{6, 0.5f}, Model.classSampleWeights(oh, Map.of(1, 3f), Tensor.of(new float[]{2, 0.5f})).toFloatArray());
    }

    // ------------------------------------------------------------------ gradients

    static void gradCheck(Loss loss, Tensor yTrue, Tensor pred) {
        Tensor x = pred.contiguous().requiresGrad(true);
        Function<Tensor[], Tensor> f = xs -> loss.perSample(yTrue, xs[0]);
        GradCheck.check(f, x);
    }

    @Test
    void everyLossIsDifferentiable() {
        Rng rng = new Rng(8);
        Tensor yReg = Tensor.uniform(rng, -1, 1, 3, 4);
        // predictions at least 0.05 away from the labels (|x| kink of MAE) and from Huber's delta band edge (0.5)
        float[] d = Tensor.uniform(rng, 0.1f, 0.4f, 12).toFloatArray();
        float[] yr = yReg.toFloatArray(), pr = new float[12];
        for (int i = 0; i < 12; i++) pr[i] = yr[i] + (i % 2 == 0 ? d[i] : -d[i] - 0.6f);
        Tensor pReg = Tensor.of(pr, 3, 4);
        gradCheck(new MeanSquaredError(), yReg, pReg);
        gradCheck(new MeanAbsoluteError(), yReg, pReg);
        gradCheck(new Huber(0.5f), yReg, pReg);
        Tensor yBin = Tensor.of(new float[]{1, 0, 0, 1, 1, 0}, 3, 2), pBin = Tensor.uniform(rng, 0.2f, 0.8f, 3, 2), logits = Tensor.randn(rng, 3, 2);
        gradCheck(new BinaryCrossentropy(), yBin, pBin);
        gradCheck(new BinaryCrossentropy(false, 0.1f), yBin, pBin);
        gradCheck(new BinaryCrossentropy(true, 0.2f), yBin, logits);
        Tensor yCat = t(oneHot(new int[]{2, 0, 1}, 3)), pCat = Tensor.uniform(rng, 0.2f, 1f, 3, 3), lCat = Tensor.randn(rng, 3, 3);
        gradCheck(new CategoricalCrossentropy(), yCat, pCat);
        gradCheck(new CategoricalCrossentropy(true, 0.1f), yCat, lCat);
        gradCheck(new SparseCategoricalCrossentropy(), Tensor.ofInts(new int[]{2, 0, 1}), pCat);
        gradCheck(new SparseCategoricalCrossentropy(true), Tensor.ofInts(new int[]{2, 0, 1, 1, 0, 2}, 2, 3), Tensor.randn(rng, 2, 3, 3));
        Tensor yDist = Tensor.uniform(rng, 0.1f, 1f, 3, 3), pDist = Tensor.uniform(rng, 0.1f, 1f, 3, 3);
        gradCheck(new KLDivergence(), yDist, pDist);
        gradCheck(new CosineSimilarity(), Tensor.randn(rng, 3, 4), Tensor.randn(rng, 3, 4));
    }

    // ------------------------------------------------------------------ shapes and errors

    @Test
    void labelsWithoutTrailingAxisFitSingleOutputs() {
        Tensor y = Tensor.of(new float[]{1, 0, 1}), p = Tensor.of(new float[]{0.9f, 0.2f, 0.6f}, 3, 1);
        assertValues(new double[]{-Math.log(0.9), -Math.log(0.8), -Math.log(0.6)}, new BinaryCrossentropy().perSample(y, p), 1e-6);
        assertValues(new double[]{0.01, 0.04, 0.16}, new MeanSquaredError().perSample(p, y), 1e-6);
        assertValues(new double[]{1, 0, 1}, new MeanSquaredError().perSample(Tensor.ofInts(new int[]{1, 0, 1}, 3, 1), Tensor.zeros(3)), 0);
    }

    @Test
    void badLabelsGiveClearErrors() {
        var shape = assertThrows(IllegalArgumentException.class, () -> new MeanSquaredError().compute(Tensor.zeros(4, 2), Tensor.zeros(4, 3)));
        assertTrue(shape.getMessage().contains("mean_squared_error: labels of shape (4, 2) do not match predictions of shape (4, 3)"), shape.getMessage());
        var oneHotToSparse = assertThrows(IllegalArgumentException.class,
                () -> new SparseCategoricalCrossentropy().compute(t(oneHot(new int[]{0, 2}, 3)), Tensor.full(0.3f, 2, 3)));
        assertTrue(oneHotToSparse.getMessage().contains("look one-hot: use CategoricalCrossentropy"), oneHotToSparse.getMessage());
        var idsToCategorical = assertThrows(IllegalArgumentException.class,
                () -> new CategoricalCrossentropy().compute(Tensor.ofInts(new int[]{0, 2}), Tensor.full(0.3f, 2, 3)));
        assertTrue(idsToCategorical.getMessage().contains("use SparseCategoricalCrossentropy"), idsToCategorical.getMessage());
        var range = assertThrows(IllegalArgumentException.class,
                () -> new SparseCategoricalCrossentropy(true).compute(Tensor.ofInts(new int[]{0, 1, 2, 0, 5, 0}, 2, 3), Tensor.zeros(2, 3, 4)));
        assertTrue(range.getMessage().contains("label 5.0 (position [1, 1]) is not a class id in [0, 4)"), range.getMessage());
        var nan = assertThrows(IllegalArgumentException.class,
                () -> new BinaryCrossentropy().compute(Tensor.of(new float[]{1, Float.NaN}), Tensor.full(0.5f, 2, 1)));
        assertTrue(nan.getMessage().contains("binary_crossentropy: label NaN at index 1 is not a finite number"), nan.getMessage());
        var smoothing = assertThrows(IllegalArgumentException.class, () -> new BinaryCrossentropy(false, 1.5f));
        assertTrue(smoothing.getMessage().contains("label smoothing must be in [0, 1], got 1.5"), smoothing.getMessage());
        var delta = assertThrows(IllegalArgumentException.class, () -> new Huber(0));
        assertTrue(delta.getMessage().contains("delta must be a positive"), delta.getMessage());
        var weights = assertThrows(IllegalArgumentException.class,
                () -> new MeanSquaredError().compute(Tensor.zeros(3), Tensor.zeros(3), Tensor.ones(2)));
        assertTrue(weights.getMessage().contains("do not match a batch of 3"), weights.getMessage());
    }

    // ------------------------------------------------------------------ registry and config

    @Test
    void registryFindsKerasNames() {
        assertInstanceOf(MeanSquaredError.class, Losses.get("mse"));
        assertInstanceOf(MeanSquaredError.class, Losses.get("MSE"));
        assertInstanceOf(MeanSquaredError.class, Losses.get("mean_squared_error"));
        assertInstanceOf(MeanAbsoluteError.class, Losses.get("mae"));
        assertInstanceOf(Huber.class, Losses.get("huber"));
        assertInstanceOf(BinaryCrossentropy.class, Losses.get("binary_crossentropy"));
        assertInstanceOf(CategoricalCrossentropy.class, Losses.get("categorical_crossentropy"));
        assertInstanceOf(SparseCategoricalCrossentropy.class, Losses.get("sparse_categorical_crossentropy"));
        assertInstanceOf(KLDivergence.class, Losses.get("kld"));
        assertInstanceOf(KLDivergence.class, Losses.get("kl_divergence"));
        assertInstanceOf(CosineSimilarity.class, Losses.get("cosine_similarity"));
        assertNotSame(Losses.get("mse"), Losses.get("mse"));
        var e = assertThrows(IllegalArgumentException.class, () -> Losses.get("crossentropy"));
        assertTrue(e.getMessage().contains("unknown loss 'crossentropy'; known losses: [binary_crossentropy, categorical_crossentropy"), e.getMessage());
    }

    @Test
    void configRoundTripsEveryLoss() {
        List<Loss> all = List.of(new MeanSquaredError(), new MeanAbsoluteError(), new Huber(0.25f), new BinaryCrossentropy(true, 0.1f),
                new CategoricalCrossentropy(true, 0.2f, -1), new SparseCategoricalCrossentropy(true), new KLDivergence(), new CosineSimilarity(1));
        for (Loss l : all) {
            Loss back = Losses.fromConfig(l.config());
            assertSame(l.getClass(), back.getClass());
            assertEquals(l.config(), back.config());
        }
        assertEquals(Map.of("name", "binary_crossentropy", "from_logits", true, "label_smoothing", (double) 0.1f),
                new BinaryCrossentropy(true, 0.1f).config());
        Huber h = (Huber) Losses.fromConfig(Map.of("name", "huber_loss", "delta", 2.5));
        assertEquals(2.5f, h.delta());
        var bad = assertThrows(IllegalArgumentException.class, () -> Losses.fromConfig(Map.of("name", "huber", "delta", "big")));
        assertTrue(bad.getMessage().contains("'delta' must be a number"), bad.getMessage());
    }
}
