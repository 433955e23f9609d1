package dev.myelin.nn;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.callbacks.History;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.losses.BinaryCrossentropy;
import dev.myelin.nn.losses.CategoricalCrossentropy;
import dev.myelin.nn.losses.SparseCategoricalCrossentropy;
import dev.myelin.nn.metrics.AUC;
import dev.myelin.nn.metrics.BinaryAccuracy;
import dev.myelin.nn.metrics.CategoricalAccuracy;
import dev.myelin.nn.metrics.F1Score;
import dev.myelin.nn.metrics.MeanAbsoluteError;
import dev.myelin.nn.metrics.MeanMetricWrapper;
import dev.myelin.nn.metrics.MeanSquaredError;
import dev.myelin.nn.metrics.Metric;
import dev.myelin.nn.metrics.Metrics;
import dev.myelin.nn.metrics.Precision;
import dev.myelin.nn.metrics.R2Score;
import dev.myelin.nn.metrics.Recall;
import dev.myelin.nn.metrics.RootMeanSquaredError;
import dev.myelin.nn.metrics.SparseCategoricalAccuracy;
import dev.myelin.nn.metrics.SparseTopKCategoricalAccuracy;
import dev.myelin.nn.metrics.TopKCategoricalAccuracy;
import dev.myelin.nn.optimizers.Adam;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Metrics streamed over batches against values worked out by hand (in the comments) or by the
 * formula evaluated in double in the test.
 */
class MetricTest {

    private static Tensor col(float... v) {
        return Tensor.of(v, v.length, 1);
    }

    private static Tensor vec(float... v) {
        return Tensor.of(v);
    }

    /** Feeds rows [from, to) of (y, p, w) as one batch. */
    private static void feed(Metric m, float[][] y, float[][] p, float[] w, int from, int to) {
        int c = p[0].length;
        float[] yy = new float[(to - from) * y[0].length], pp = new float[(to - from) * c];
        for (int i = from; i < to; i++) {
            System.arraycopy(y[i], 0, yy, (i - from) * y[0].length, y[0].length);
            System.arraycopy(p[i], 0, pp, (i - from) * c, c);
        }
        Tensor sw = w == null ? null : Tensor.of(java.util.Arrays.copyOfRange(w, from, to));
        m.update(Tensor.of(yy, to - from, y[0].length), Tensor.of(pp, to - from, c), sw);
    }

    /** The metric over the rows fed in batches cut at {@code cuts}, and checked equal to one batch of all rows. */
    private static double streamed(Metric m, float[][] y, float[][] p, float[] w, int... cuts) {
        Metric once = m.copy();
        feed(once, y, p, w, 0, y.length);
        int from = 0;
        for (int cut : cuts) {
            feed(m, y, p, w, from, cut);
            from = cut;
        }
        feed(m, y, p, w, from, y.length);
        assertEquals(once.result(), m.result(), 1e-12, m.name() + ": streamed and one-shot differ");
        return m.result();
    }

    private static float[][] column(float... v) {
        float[][] r = new float[v.length][1];
        for (int i = 0; i < v.length; i++) r[i][0] = v[i];
        return r;
    }

    // ------------------------------------------------------------------ accuracy

    @Test
    void binaryAccuracyStreamsWithWeights() {
        float[][] y = column(1, 0, 1, 0, 1, 1, 0), p = column(0.9f, 0.6f, 0.4f, 0.1f, 0.7f, 0.5f, 0.2f);
        // hits: 1, 0, 0, 1, 1, 0 (0.5 is not above 0.5), 1 -> 4 of 7
        assertEquals(4.0 / 7, streamed(new BinaryAccuracy(), y, p, null, 4, 6), 1e-12);
        float[] w = {1, 2, 1, 1, 3, 1, 0.5f};
        // weighted hits 1 + 1 + 3 + 0.5 = 5.5 of total weight 9.5
        assertEquals(5.5 / 9.5, streamed(new BinaryAccuracy(), y, p, w, 2, 5), 1e-12);
        // several values per sample: each sample scores the mean of its values: 2/2 and 1/2, weighted 1 and 3
        BinaryAccuracy m = new BinaryAccuracy();
        m.update(Tensor.of(new float[][]{{1, 0}, {1, 1}}), Tensor.of(new float[][]{{0.8f, 0.3f}, {0.2f, 0.9f}}), vec(1, 3));
        assertEquals((1 + 3 * 0.5) / 4, m.result(), 1e-12);
        // labels (batch,) fit predictions (batch, 1); threshold 0 for logits
        BinaryAccuracy logits = new BinaryAccuracy(0f);
        logits.update(vec(1, 0, 0), col(2.5f, -1, 0.3f), null);
        assertEquals(2.0 / 3, logits.result(), 1e-12);
        m.reset();
        assertEquals(0, m.result());
        m.update(vec(1), col(0.9f), null);
        assertEquals(1, m.result());
    }

    @Test
    void categoricalAndSparseAccuracy() {
        float[][] p = {{0.1f, 0.7f, 0.2f}, {0.5f, 0.5f, 0}, {0.2f, 0.3f, 0.5f}, {0.6f, 0.3f, 0.1f}};
        // arg-max per row: 1, 0 (first at ties), 2, 0
        float[][] oneHot = {{0, 1, 0}, {0, 1, 0}, {0, 0, 1}, {0, 0, 1}};
        assertEquals(0.5, streamed(new CategoricalAccuracy(), oneHot, p, null, 1, 3), 1e-12);
        float[][] ids = column(1, 1, 2, 2);
        assertEquals(0.5, streamed(new SparseCategoricalAccuracy(), ids, p, null, 2), 1e-12);
        float[] w = {1, 2, 3, 4};
        // hits on rows 0 and 2: (1 + 3) / 10
        assertEquals(0.4, streamed(new SparseCategoricalAccuracy(), ids, p, w, 3), 1e-12);
        assertEquals(0.4, streamed(new CategoricalAccuracy(), oneHot, p, w, 1), 1e-12);
        // sequences: labels (2, 3), predictions (2, 3, 2); sample 0 hits 2 of 3 steps, sample 1 hits 3 of 3; weights 1 and 2
        SparseCategoricalAccuracy seq = new SparseCategoricalAccuracy("seq_acc");
        Tensor pred = Tensor.of(new float[]{0.9f, 0.1f, 0.2f, 0.8f, 0.6f, 0.4f, 0.3f, 0.7f, 0.3f, 0.7f, 0.8f, 0.2f}, 2, 3, 2);
        seq.update(Tensor.ofInts(new int[]{0, 1, 1, 1, 1, 0}, 2, 3), pred, vec(1, 2));
        assertEquals((2.0 / 3 + 2 * 1.0) / 3, seq.result(), 1e-12);
        assertEquals("seq_acc", seq.name());
    }

    @Test
    void topKCountsTiesAsHits() {
        // row 0 scores: 0.1, 0.5, 0.4, 0.5. Label 3 has 0 classes strictly above -> rank 1; label 2 has two above -> rank 3
        float[][] p = {{0.1f, 0.5f, 0.4f, 0.5f}, {0.1f, 0.5f, 0.4f, 0.5f}, {0.7f, 0.1f, 0.1f, 0.1f}};
        float[][] ids = column(3, 2, 1); // row 2: label 1 ties with 2 and 3 below 0.7 -> rank 2
        assertEquals(1.0 / 3, streamed(new SparseTopKCategoricalAccuracy(1), ids, p, null, 1), 1e-12);
        assertEquals(2.0 / 3, streamed(new SparseTopKCategoricalAccuracy(2), ids, p, null, 2), 1e-12);
        assertEquals(1.0, streamed(new SparseTopKCategoricalAccuracy(3), ids, p, null, 1), 1e-12);
        float[][] oneHot = {{0, 0, 0, 1}, {0, 0, 1, 0}, {0, 1, 0, 0}};
        assertEquals(2.0 / 3, streamed(new TopKCategoricalAccuracy(2), oneHot, p, new float[]{1, 1, 1}, 2), 1e-12);
        // weights 1, 5, 2: at k = 2 rows 0 and 2 hit, row 1 misses: (1 + 2) / 8
        assertEquals(3.0 / 8, streamed(new TopKCategoricalAccuracy(2), oneHot, p, new float[]{1, 5, 2}, 1), 1e-12);
    }

    // ------------------------------------------------------------------ precision, recall, F1

    @Test
    void precisionRecallF1OnAConfusionMatrix() {
        float[][] y = column(1, 1, 1, 1, 1, 0, 0, 0, 0, 0);
        float[][] p = column(0.9f, 0.8f, 0.7f, 0.3f, 0.2f, 0.6f, 0.4f, 0.3f, 0.2f, 0.1f);
        // TP 3 (0.9, 0.8, 0.7), FN 2, FP 1 (0.6), TN 4: P = 3/4, R = 3/5, F1 = 2 P R / (P + R) = 2/3
        assertEquals(0.75, streamed(new Precision(), y, p, null, 4, 7), 1e-12);
        assertEquals(0.6, streamed(new Recall(), y, p, null, 3), 1e-12);
        assertEquals(2.0 / 3, streamed(new F1Score(), y, p, null, 5), 1e-6);
        // weight 2 on samples 0 (a TP) and 5 (the FP): TP 4, FP 2, FN 2 -> P = R = F1 = 4/6
        float[] w = {2, 1, 1, 1, 1, 2, 1, 1, 1, 1};
        assertEquals(4.0 / 6, streamed(new Precision(), y, p, w, 5), 1e-12);
        assertEquals(4.0 / 6, streamed(new Recall(), y, p, w, 5), 1e-12);
        assertEquals(4.0 / 6, streamed(new F1Score(), y, p, w, 5), 1e-6);
        // threshold 0.25 adds 0.3 (TP), 0.4 and 0.3 (FP): TP 4, FP 3 -> P = 4/7, R = 4/5
        assertEquals(4.0 / 7, streamed(new Precision(0.25f), y, p, null, 2), 1e-12);
        assertEquals(0.8, streamed(new Recall(0.25f), y, p, null, 2), 1e-12);
        // no positive prediction yet: 0, as Keras's divide_no_nan
        Precision none = new Precision();
        none.update(vec(1, 0), col(0.1f, 0.2f), null);
        assertEquals(0, none.result());
    }

    @Test
    void f1AveragesOverClasses() {
        // Keras's F1Score docstring example: per-class F1 [0.5, 0.8, 0.6667] at threshold 0.5
        float[][] y = {{1, 1, 1}, {1, 0, 0}, {1, 1, 0}};
        float[][] p = {{0.2f, 0.6f, 0.7f}, {0.2f, 0.6f, 0.6f}, {0.6f, 0.8f, 0f}};
        // by hand: class 0 TP 1 FN 2; class 1 TP 2 FP 1; class 2 TP 1 FP 1
        F1Score none = new F1Score("macro", 0.5f);
        feed(none, y, p, null, 0, 3);
        assertArrayEquals(new double[]{0.5, 0.8, 2.0 / 3}, none.perClass(), 1e-6);
        assertEquals((0.5 + 0.8 + 2.0 / 3) / 3, streamed(new F1Score("macro", 0.5f), y, p, null, 1), 1e-6);
        // micro pools TP 4, FP 2, FN 2: P = R = 2/3
        assertEquals(2.0 / 3, streamed(new F1Score("micro", 0.5f), y, p, null, 2), 1e-6);
        // weighted by support (3, 2, 1 positive labels)
        assertEquals((0.5 * 3 + 0.8 * 2 + 2.0 / 3) / 6, streamed(new F1Score("weighted", 0.5f), y, p, null, 2), 1e-6);
        // arg-max mode (null threshold) predicts class 2; classes 1 and 2 (a tie at 0.6); class 1.
        // class 0: TP 0 -> 0; class 1: TP 1 FP 1 FN 1 -> 0.5; class 2: TP 1 FP 1 -> 2/3
        assertEquals((0 + 0.5 + 2.0 / 3) / 3, streamed(new F1Score("macro", null), y, p, null, 1), 1e-6);
        // class id restricts precision and recall to one column: class 1 has TP 2, FP 1
        assertEquals(2.0 / 3, streamed(new Precision(0.5f, 1, "precision_1"), y, p, null, 1), 1e-12);
        assertEquals(1.0 / 3, streamed(new Recall(0.5f, 0, "recall_0"), y, p, null, 1), 1e-12);
    }

    // ------------------------------------------------------------------ AUC

    /** Exact ROC AUC: the fraction of (positive, negative) pairs ranked correctly, ties counting half. */
    private static double exactAuc(float[] scores, float[] labels) {
        double good = 0, pairs = 0;
        for (int i = 0; i < scores.length; i++) {
            if (labels[i] != 1) continue;
            for (int j = 0; j < scores.length; j++) {
                if (labels[j] != 0) continue;
                pairs++;
                good += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            }
        }
        return good / pairs;
    }

    @Test
    void aucIsExactWhenNoThresholdIntervalMixesClasses() {
        // positives 0.9, 0.72, 0.55, 0.31; negatives 0.8, 0.45, 0.2, 0.1, 0.05: correctly ordered pairs
        // 5 + 4 + 4 + 3 = 16 of 20. No interval of width 1/199 holds both classes, so the bound is 0.
        float[] s = {0.9f, 0.72f, 0.55f, 0.31f, 0.8f, 0.45f, 0.2f, 0.1f, 0.05f};
        float[] l = {1, 1, 1, 1, 0, 0, 0, 0, 0};
        assertEquals(0.8, exactAuc(s, l), 1e-12);
        float[][] y = column(l), p = column(s);
        assertEquals(0.8, streamed(new AUC(), y, p, null, 3, 7), 1e-9);
        for (AUC.Summation m : AUC.Summation.values()) {
            assertEquals(0.8, streamed(new AUC(200, AUC.Curve.ROC, m, false, "auc"), y, p, null, 4), 1e-9, m.toString());
        }
        // logits log(p / (1 - p)) give the same ranking through the sigmoid
        float[] logits = new float[s.length];
        for (int i = 0; i < s.length; i++) logits[i] = (float) Math.log(s[i] / (1.0 - s[i]));
        assertEquals(0.8, streamed(new AUC(200, AUC.Curve.ROC, AUC.Summation.INTERPOLATION, true, "auc"), y, column(logits), null, 2), 1e-9);
    }

    @Test
    void aucIsWithinTheDiscretisationBound() {
        Rng rng = new Rng(11);
        int n = 400;
        float[] s = new float[n], l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = rng.nextFloat() < 0.4f ? 1 : 0;
            s[i] = l[i] == 1 ? 0.25f + 0.75f * rng.nextFloat() : 0.8f * rng.nextFloat();
        }
        // values above the same number of thresholds are tied by the metric: the error is at most
        // sum over those groups of pos_k * neg_k / (2 P N)
        float[] thresholds = new AUC().thresholds();
        double[] pos = new double[thresholds.length + 1], neg = new double[thresholds.length + 1];
        double nPos = 0, nNeg = 0;
        for (int i = 0; i < n; i++) {
            int k = 0;
            while (k < thresholds.length && s[i] > thresholds[k]) k++;
            if (l[i] == 1) {
                pos[k]++;
                nPos++;
            } else {
                neg[k]++;
                nNeg++;
            }
        }
        double bound = 0;
        for (int k = 0; k < pos.length; k++) bound += pos[k] * neg[k] / (2 * nPos * nNeg);
        assertTrue(bound > 0 && bound < 0.01, "bound " + bound);
        double exact = exactAuc(s, l);
        double auc = streamed(new AUC(), column(l), column(s), null, 100, 250);
        assertTrue(Math.abs(auc - exact) <= bound + 1e-9, "auc " + auc + " exact " + exact + " bound " + bound);
        // the thresholds are Keras's: -1e-7, i / 199, 1 + 1e-7
        assertEquals(200, thresholds.length);
        assertEquals(-1e-7f, thresholds[0]);
        assertEquals((float) (1.0 / 199), thresholds[1]);
        assertEquals(1f + 1e-7f, thresholds[199]);
    }

    @Test
    void aucWeightsActLikeRepeatedSamples() {
        Rng rng = new Rng(12);
        int n = 60;
        float[] s = new float[n], l = new float[n], w = new float[n];
        List<Float> rs = new ArrayList<>(), rl = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l[i] = rng.nextFloat() < 0.5f ? 1 : 0;
            s[i] = Math.min(1f, Math.max(0f, 0.5f + (l[i] - 0.5f) * 0.4f + 0.3f * (float) rng.nextGaussian()));
            w[i] = 1 + rng.nextInt(3);
            for (int r = 0; r < w[i]; r++) {
                rs.add(s[i]);
                rl.add(l[i]);
            }
        }
        float[] s2 = new float[rs.size()], l2 = new float[rs.size()];
        for (int i = 0; i < s2.length; i++) {
            s2[i] = rs.get(i);
            l2[i] = rl.get(i);
        }
        for (AUC.Curve c : AUC.Curve.values()) {
            AUC weighted = new AUC(c, "auc"), repeated = new AUC(c, "auc");
            weighted.update(col(l), col(s), vec(w));
            repeated.update(col(l2), col(s2), null);
            assertEquals(repeated.result(), weighted.result(), 1e-12, c.toString());
        }
    }

    @Test
    void prAucUsesCarefulInterpolation() {
        // positives 0.9 and 0.3, negative 0.6. Sweeping the threshold down, (TP, TP + FP) goes
        // (0, 0) -> (1, 1) -> (1, 2) -> (2, 3). Precision is 1 on the first piece (area 1 / 2 positives)
        // and (P - 1) / P on the last, whose integral over P in [2, 3] is 1 - ln(3/2): total 1 - ln(1.5) / 2.
        AUC pr = new AUC(AUC.Curve.PR, "pr_auc");
        pr.update(vec(1, 1, 0), col(0.9f, 0.3f, 0.6f), null);
        assertEquals(1 - Math.log(1.5) / 2, pr.result(), 1e-9);
        AUC roc = new AUC();
        roc.update(vec(1, 1, 0), col(0.9f, 0.3f, 0.6f), null);
        assertEquals(0.5, roc.result(), 1e-9); // one of the two pairs is ordered correctly
        // perfectly separated: PR area 1
        AUC sep = new AUC(AUC.Curve.PR, "pr_auc");
        sep.update(vec(1, 0, 1, 0), col(0.9f, 0.1f, 0.8f, 0.2f), null);
        assertEquals(1, sep.result(), 1e-9);
        sep.reset();
        assertEquals(0, sep.result());
    }

    @Test
    void aucRejectsScoresOutsideUnitInterval() {
        var e = assertThrows(IllegalArgumentException.class, () -> new AUC().update(vec(1, 0), col(2.3f, -1f), null));
        assertTrue(e.getMessage().contains("prediction 2.3 at position 0 is not a probability in [0, 1]; for raw scores (logits) construct the AUC with fromLogits = true"),
                e.getMessage());
        var l = assertThrows(IllegalArgumentException.class, () -> new AUC().update(vec(2, 0), col(0.3f, 0.1f), null));
        assertTrue(l.getMessage().contains("label 2.0 at position 0 is not in [0, 1]"), l.getMessage());
    }

    // ------------------------------------------------------------------ regression

    @Test
    void errorMetricsMatchFormulas() {
        Rng rng = new Rng(13);
        int n = 9, c = 2;
        float[][] y = new float[n][c], p = new float[n][c];
        float[] w = new float[n];
        double abs = 0, sq = 0, total = 0;
        for (int i = 0; i < n; i++) {
            w[i] = 0.5f + rng.nextFloat();
            double a = 0, s = 0;
            for (int j = 0; j < c; j++) {
                y[i][j] = (float) rng.nextGaussian();
                p[i][j] = (float) rng.nextGaussian();
                double e = (double) y[i][j] - p[i][j];
                a += Math.abs(e) / c;
                s += e * e / c;
            }
            abs += w[i] * a;
            sq += w[i] * s;
            total += w[i];
        }
        // weighted mean over samples of each sample's mean error
        assertEquals(abs / total, streamed(new MeanAbsoluteError(), y, p, w, 3, 5), 1e-9);
        assertEquals(sq / total, streamed(new MeanSquaredError(), y, p, w, 4), 1e-9);
        assertEquals(Math.sqrt(sq / total), streamed(new RootMeanSquaredError(), y, p, w, 2, 8), 1e-9);
        assertEquals("mean_absolute_error", new MeanAbsoluteError().name());
    }

    /** R2 per column in double: 1 - sum w (y - p)^2 / sum w (y - mean_w y)^2. Returns {r2_0, ..., ss_tot_0, ...}. */
    private static double[] r2(float[][] y, float[][] p, float[] w) {
        int c = y[0].length;
        double[] out = new double[2 * c];
        for (int j = 0; j < c; j++) {
            double sw = 0, swy = 0;
            for (int i = 0; i < y.length; i++) {
                sw += w[i];
                swy += w[i] * y[i][j];
            }
            double mean = swy / sw, tot = 0, res = 0;
            for (int i = 0; i < y.length; i++) {
                tot += w[i] * (y[i][j] - mean) * (y[i][j] - mean);
                res += w[i] * ((double) y[i][j] - p[i][j]) * ((double) y[i][j] - p[i][j]);
            }
            out[j] = 1 - res / tot;
            out[c + j] = tot;
        }
        return out;
    }

    @Test
    void r2ScoreMatchesFormula() {
        Rng rng = new Rng(14);
        int n = 12;
        float[][] y = new float[n][2], p = new float[n][2];
        float[] w = new float[n], ones = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = 0.5f + 1.5f * rng.nextFloat();
            ones[i] = 1;
            // column 1 sits far from 0 to exercise the streaming variance
            y[i][0] = (float) rng.nextGaussian();
            y[i][1] = 1000 + 3 * (float) rng.nextGaussian();
            p[i][0] = y[i][0] + 0.5f * (float) rng.nextGaussian();
            p[i][1] = y[i][1] + 2f * (float) rng.nextGaussian();
        }
        double[] u = r2(y, p, ones), v = r2(y, p, w);
        assertEquals((u[0] + u[1]) / 2, streamed(new R2Score(), y, p, null, 4, 9), 1e-9);
        assertEquals((v[0] + v[1]) / 2, streamed(new R2Score(), y, p, w, 5), 1e-9);
        double varWeighted = (v[0] * v[2] + v[1] * v[3]) / (v[2] + v[3]);
        assertEquals(varWeighted, streamed(new R2Score("variance_weighted_average", 0, "r2"), y, p, w, 3, 6), 1e-9);
        // adjusted for 2 regressors over n = 12 samples: 1 - (1 - R2) (n - 1) / (n - 3)
        double plain = (u[0] + u[1]) / 2;
        assertEquals(1 - (1 - plain) * 11 / 9, streamed(new R2Score("uniform_average", 2, "adj_r2"), y, p, null, 6), 1e-9);
        R2Score perfect = new R2Score();
        perfect.update(vec(1, 2, 3), vec(1, 2, 3), null);
        assertEquals(1, perfect.result(), 1e-12);
        assertArrayEquals(new double[]{1}, perfect.perOutput(), 1e-12);
        perfect.reset();
        assertEquals(0, perfect.result());
    }

    // ------------------------------------------------------------------ registry

    @Test
    void registryResolvesAccuracyByLoss() {
        Metric bin = Metrics.get("accuracy", new BinaryCrossentropy());
        assertInstanceOf(BinaryAccuracy.class, bin);
        assertEquals("accuracy", bin.name());
        assertEquals(0.5f, ((BinaryAccuracy) bin).threshold());
        assertEquals(0f, ((BinaryAccuracy) Metrics.get("accuracy", new BinaryCrossentropy(true))).threshold());
        assertInstanceOf(CategoricalAccuracy.class, Metrics.get("accuracy", new CategoricalCrossentropy()));
        assertInstanceOf(SparseCategoricalAccuracy.class, Metrics.get("acc", new SparseCategoricalCrossentropy(true)));
        assertEquals("acc", Metrics.get("acc", new SparseCategoricalCrossentropy(true)).name());
        // without a loss, Keras's shape rule: (batch, 1) predictions are binary, lower-rank labels sparse, else categorical
        Metric byShape = Metrics.get("accuracy");
        byShape.update(vec(1, 0), col(0.8f, 0.7f), null);
        assertEquals(0.5, byShape.result(), 1e-12);
        Metric sparse = byShape.copy();
        assertEquals(0, sparse.result());
        sparse.update(vec(2, 0), Tensor.of(new float[][]{{0.1f, 0.2f, 0.7f}, {0.1f, 0.8f, 0.1f}}), null);
        assertEquals(0.5, sparse.result(), 1e-12);
        Metric cat = Metrics.get("accuracy");
        cat.update(Tensor.of(new float[][]{{0, 0, 1}, {1, 0, 0}}), Tensor.of(new float[][]{{0.1f, 0.2f, 0.7f}, {0.1f, 0.8f, 0.1f}}), null);
        assertEquals(0.5, cat.result(), 1e-12);
    }

    @Test
    void registryNamesMetricsAsGiven() {
        String[][] cases = {{"binary_accuracy", "BinaryAccuracy"}, {"categorical_accuracy", "CategoricalAccuracy"},
                {"sparse_categorical_accuracy", "SparseCategoricalAccuracy"}, {"top_k_categorical_accuracy", "TopKCategoricalAccuracy"},
                {"sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy"}, {"precision", "Precision"}, {"recall", "Recall"},
                {"f1_score", "F1Score"}, {"auc", "AUC"}, {"mae", "MeanAbsoluteError"}, {"mse", "MeanSquaredError"},
                {"rmse", "RootMeanSquaredError"}, {"r2_score", "R2Score"}, {"kld", "MeanMetricWrapper"}};
        for (String[] c : cases) {
            Metric m = Metrics.get(c[0]);
            assertEquals(c[1], m.getClass().getSimpleName(), c[0]);
            assertEquals(c[0], m.name());
            assertEquals(c[0], m.copy().name());
        }
        // losses as metrics: the mean of the per-sample loss; cosine similarity is +cos as a metric
        Metric bce = Metrics.get("binary_crossentropy");
        bce.update(vec(1, 0), col(0.8f, 0.4f), vec(1, 3));
        assertEquals((-Math.log(0.8) - 3 * Math.log(0.6)) / 4, bce.result(), 1e-6);
        Metric cos = Metrics.get("cosine_similarity");
        cos.update(Tensor.of(new float[][]{{1, 1}, {0, 1}}), Tensor.of(new float[][]{{2, 2}, {1, 0}}), null);
        assertEquals(0.5, cos.result(), 1e-6); // cosines 1 and 0
        var e = assertThrows(IllegalArgumentException.class, () -> Metrics.get("acuracy"));
        assertTrue(e.getMessage().contains("unknown metric 'acuracy'; known metrics: [accuracy, acc, binary_accuracy"), e.getMessage());
        MeanMetricWrapper custom = new MeanMetricWrapper("max_error", (y, p) -> p.sub(y).abs().max(new int[]{1}, false));
        custom.update(Tensor.of(new float[][]{{0, 0}, {1, 1}}), Tensor.of(new float[][]{{0.5f, -2}, {1, 1.25f}}), null);
        assertEquals((2 + 0.25) / 2, custom.result(), 1e-6);
    }

    @Test
    void badInputsGiveClearErrors() {
        var shape = assertThrows(IllegalArgumentException.class, () -> new BinaryAccuracy().update(Tensor.zeros(4, 2), Tensor.zeros(4, 3), null));
        assertTrue(shape.getMessage().contains("binary_accuracy: labels of shape (4, 2) do not match predictions of shape (4, 3)"), shape.getMessage());
        var oneHot = assertThrows(IllegalArgumentException.class,
                () -> new SparseCategoricalAccuracy().update(Tensor.of(new float[][]{{0, 1}, {1, 0}}), Tensor.zeros(2, 2), null));
        assertTrue(oneHot.getMessage().contains("look one-hot: use CategoricalAccuracy"), oneHot.getMessage());
        var ids = assertThrows(IllegalArgumentException.class, () -> new CategoricalAccuracy().update(vec(0, 1), Tensor.zeros(2, 3), null));
        assertTrue(ids.getMessage().contains("use SparseCategoricalAccuracy"), ids.getMessage());
        var soft = assertThrows(IllegalArgumentException.class, () -> new Precision().update(vec(0.5f), col(0.9f), null));
        assertTrue(soft.getMessage().contains("precision: label 0.5 at position 0 is not 0 or 1"), soft.getMessage());
        var weights = assertThrows(IllegalArgumentException.class, () -> new Recall().update(vec(1, 0), col(0.9f, 0.1f), vec(1, 1, 1)));
        assertTrue(weights.getMessage().contains("recall: sample weights of shape (3,) do not fit a batch of 2"), weights.getMessage());
        var avg = assertThrows(IllegalArgumentException.class, () -> new F1Score("binary", 0.5f));
        assertTrue(avg.getMessage().contains("average must be one of \"micro\", \"macro\", \"weighted\", got \"binary\""), avg.getMessage());
    }

    // ------------------------------------------------------------------ in a model

    @Test
    void modelLogsAccuracyAndAuc() {
        Rng rng = new Rng(21);
        int n = 200;
        Tensor x = Tensor.randn(rng, n, 2);
        float[] xs = x.toFloatArray(), ys = new float[n];
        for (int i = 0; i < n; i++) ys[i] = xs[2 * i] + xs[2 * i + 1] > 0 ? 1 : 0;
        Sequential model = new Sequential(new InputLayer(2), new Dense(1));
        model.seed(3);
        BinaryCrossentropy loss = new BinaryCrossentropy(true);
        model.compile(new Adam(0.05f), List.of(loss), List.of(Metrics.get("accuracy", loss), new AUC(200, AUC.Curve.ROC,
                AUC.Summation.INTERPOLATION, true, "auc")));
        History h = model.fit(x, Tensor.of(ys), new FitOptions().epochs(8).batchSize(20).validationSplit(0.25f).verbose(0));
        assertTrue(h.last("val_accuracy") > 0.9, h.toString());
        assertTrue(h.last("auc") > 0.95, h.toString());
        assertTrue(h.all().containsKey("val_auc"), h.toString());
    }
}
