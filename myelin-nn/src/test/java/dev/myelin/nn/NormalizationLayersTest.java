package dev.myelin.nn;

import dev.myelin.core.GradCheck;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.layers.BatchNormalization;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.LayerNormalization;
import dev.myelin.nn.losses.MeanSquaredError;
import dev.myelin.nn.optimizers.SGD;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Batch and layer normalization against statistics computed here in double. */
class NormalizationLayersTest {

    @Test
    void harness() {
        LayerHarness.check(BatchNormalization::new, new int[]{4, 5}, 4 * 5);
        LayerHarness.check(BatchNormalization::new, new int[]{2, 3, 3, 4}, 4 * 4);
        LayerHarness.check(() -> new BatchNormalization(1), new int[]{4, 3, 5}, 4 * 3);
        LayerHarness.check(() -> new BatchNormalization().center(false).scale(false).momentum(0.9f), new int[]{4, 5}, 2 * 5);
        LayerHarness.check(LayerNormalization::new, new int[]{2, 3, 4}, 2 * 4);
        LayerHarness.check(() -> new LayerNormalization(-2, -1), new int[]{2, 3, 4}, 2 * 3 * 4);
        LayerHarness.check(() -> new LayerNormalization().center(false).epsilon(1e-5f), new int[]{3, 6}, 6);
    }

    /** Per-channel (last axis) mean and biased variance of x viewed as (rows, channels), in double. */
    private static double[][] moments(Tensor x) {
        int ch = x.size(-1);
        float[] v = x.toFloatArray();
        int rows = v.length / ch;
        double[] mean = new double[ch], var = new double[ch];
        for (int r = 0; r < rows; r++) for (int c = 0; c < ch; c++) mean[c] += v[r * ch + c];
        for (int c = 0; c < ch; c++) mean[c] /= rows;
        for (int r = 0; r < rows; r++) for (int c = 0; c < ch; c++) var[c] += Math.pow(v[r * ch + c] - mean[c], 2);
        for (int c = 0; c < ch; c++) var[c] /= rows;
        return new double[][]{mean, var};
    }

    /** gamma * (x - mean) / sqrt(var + eps) + beta per channel of the last axis. */
    private static double[] normalise(Tensor x, double[] mean, double[] var, double eps, float[] gamma, float[] beta) {
        int ch = x.size(-1);
        float[] v = x.toFloatArray();
        double[] y = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            int c = i % ch;
            y[i] = gamma[c] * (v[i] - mean[c]) / Math.sqrt(var[c] + eps) + beta[c];
        }
        return y;
    }

    @Test
    void batchNormTrainsOnBatchStatisticsAndInfersOnMovingOnes() {
        BatchNormalization bn = new BatchNormalization().momentum(0.9f);
        Rng rng = new Rng(1);
        Tensor[] batches = {
                Tensor.normal(rng, 2f, 3f, 6, 2, 3),
                Tensor.normal(rng, -1f, 0.5f, 6, 2, 3),
                Tensor.normal(rng, 4f, 2f, 6, 2, 3)};
        bn.apply(batches[0]); // builds
        bn.gamma().assign(Tensor.of(new float[]{1.5f, -0.5f, 2f}));
        bn.beta().assign(Tensor.of(new float[]{0.1f, 0.2f, -0.3f}));
        float[] gamma = bn.gamma().value().toFloatArray(), beta = bn.beta().value().toFloatArray();
        assertArrayEquals(new float[]{0, 0, 0}, bn.movingMean().value().toFloatArray());
        assertArrayEquals(new float[]{1, 1, 1}, bn.movingVariance().value().toFloatArray());

        double[] mm = {0, 0, 0}, mv = {1, 1, 1};
        for (Tensor x : batches) {
            Tensor y = bn.apply(x, Context.training(new Rng(0)));
            double[][] s = moments(x); // over batch and steps: every axis but the channel axis
            ConvLayersTest.assertClose(normalise(x, s[0], s[1], 1e-3, gamma, beta), y, 2e-5, "training output");
            for (int c = 0; c < 3; c++) {
                mm[c] = mm[c] * 0.9 + s[0][c] * 0.1; // Keras: moving = moving * momentum + batch * (1 - momentum)
                mv[c] = mv[c] * 0.9 + s[1][c] * 0.1; // with the biased batch variance, as Keras 3 does
            }
        }
        for (int c = 0; c < 3; c++) {
            assertEquals(mm[c], bn.movingMean().value().get(c), 1e-5, "moving_mean " + c);
            assertEquals(mv[c], bn.movingVariance().value().get(c), 1e-4, "moving_variance " + c);
        }

        // inference uses the moving statistics and leaves them alone
        Tensor x = Tensor.normal(rng, 1f, 2f, 3, 2, 3);
        Tensor y = bn.apply(x);
        ConvLayersTest.assertClose(normalise(x, mm, mv, 1e-3, gamma, beta), y, 1e-4, "inference output");
        bn.apply(x);
        assertEquals(mm[0], bn.movingMean().value().get(0), 1e-5);

        // a frozen layer (Keras 3 fine-tuning) runs in inference mode even when training
        bn.trainable(false);
        Tensor frozen = bn.apply(x, Context.training(new Rng(0)));
        assertArrayEquals(y.toFloatArray(), frozen.toFloatArray(), 0f);
        assertEquals(mm[0], bn.movingMean().value().get(0), 1e-5);
    }

    @Test
    void batchNormOnImagesReducesOverBatchHeightAndWidth() {
        Tensor x = Tensor.normal(new Rng(2), 3f, 2f, 2, 3, 4, 2);
        BatchNormalization bn = new BatchNormalization().momentum(0f); // moving = this batch's statistics
        Tensor y = bn.apply(x, Context.training(new Rng(0)));
        double[][] s = moments(x);
        ConvLayersTest.assertClose(normalise(x, s[0], s[1], 1e-3, new float[]{1, 1}, new float[]{0, 0}), y, 2e-5, "NHWC");
        for (int c = 0; c < 2; c++) {
            assertEquals(s[0][c], bn.movingMean().value().get(c), 1e-5);
            assertEquals(s[1][c], bn.movingVariance().value().get(c), 1e-4);
        }
    }

    @Test
    void batchNormOnAChannelsFirstAxis() {
        Tensor x = Tensor.randn(new Rng(3), 4, 3, 5); // channels on axis 1
        BatchNormalization bn = new BatchNormalization(1).momentum(0f);
        Tensor y = bn.apply(x, Context.training(new Rng(0)));
        Tensor moved = x.transpose(1, 2).contiguous(); // (4, 5, 3): channels last for the reference
        double[][] s = moments(moved);
        double[] ref = normalise(moved, s[0], s[1], 1e-3, new float[]{1, 1, 1}, new float[]{0, 0, 0});
        ConvLayersTest.assertClose(ref, y.transpose(1, 2).contiguous(), 2e-5, "axis 1");
        assertArrayEquals(new int[]{3}, bn.gamma().shape());
    }

    @Test
    void batchNormMaskedStatisticsCountRealStepsOnly() {
        Tensor x = Tensor.randn(new Rng(4), 2, 3, 2);
        Tensor mask = Tensor.of(new float[]{1, 1, 0, 1, 0, 0}, 2, 3); // real steps: (0,0) (0,1) (1,0)
        BatchNormalization bn = new BatchNormalization().momentum(0f);
        bn.apply(x, Context.training(new Rng(0)).withMask(mask));
        int[][] real = {{0, 0}, {0, 1}, {1, 0}};
        for (int c = 0; c < 2; c++) {
            double m = 0, v = 0;
            for (int[] r : real) m += x.get(r[0], r[1], c);
            m /= 3;
            for (int[] r : real) v += Math.pow(x.get(r[0], r[1], c) - m, 2);
            v /= 3;
            assertEquals(m, bn.movingMean().value().get(c), 1e-5);
            assertEquals(v, bn.movingVariance().value().get(c), 1e-5);
        }
        assertSame(mask, bn.computeMask(List.of(x), mask), "the mask passes through");
        var bad = assertThrows(IllegalArgumentException.class, () -> bn.apply(x, Context.training(new Rng(0)).withMask(Tensor.ones(2, 2))));
        assertTrue(bad.getMessage().contains("(BatchNormalization)") && bad.getMessage().contains("(2, 2)")
                && bad.getMessage().contains("(2, 3, 2)"), bad.getMessage());
        bn.apply(x, Context.inference().withMask(Tensor.ones(2, 2))); // inference uses no batch statistics
    }

    @Test
    void batchNormGradientMatchesFiniteDifferences() {
        BatchNormalization bn = new BatchNormalization();
        Tensor x = Tensor.randn(new Rng(5), 4, 3).requiresGrad(true);
        bn.apply(x.detach());
        bn.gamma().assign(Tensor.of(new float[]{0.5f, 1.5f, -1f}));
        Context train = Context.training(new Rng(0));
        GradCheck.check(xs -> bn.apply(xs[0], train), x, bn.gamma().value(), bn.beta().value());
    }

    @Test
    void batchNormInAModelUpdatesMovingStatisticsAndCountsThemNonTrainable() {
        Sequential model = new Sequential(new InputLayer(3), new BatchNormalization(), new Dense(1));
        String s = model.summary();
        assertTrue(s.contains("Total params: 16"), s);      // 4*3 + 3 + 1
        assertTrue(s.contains("Non-trainable params: 6"), s); // moving_mean and moving_variance
        BatchNormalization bn = (BatchNormalization) model.layers().get(1);
        assertEquals(2, bn.trainableWeights().size());
        assertEquals(List.of("moving_mean", "moving_variance"), bn.nonTrainableWeights().stream().map(Parameter::name).toList());

        Tensor x = Tensor.normal(new Rng(6), 5f, 1f, 32, 3), y = Tensor.randn(new Rng(7), 32, 1);
        model.compile(new SGD(0.01f), new MeanSquaredError());
        model.fit(x, y, new FitOptions().epochs(2).batchSize(8).verbose(0)); // 8 steps
        // moving_mean after 8 steps of momentum 0.99 from 0 towards about 5: 5 * (1 - 0.99^8) ~ 0.38
        for (int c = 0; c < 3; c++) {
            float m = bn.movingMean().value().get(c);
            assertTrue(m > 0.3f && m < 0.5f, "moving_mean " + m);
        }
    }

    @Test
    void layerNormNormalisesEachSample() {
        Tensor x = Tensor.normal(new Rng(8), 2f, 3f, 2, 3, 4);
        LayerNormalization ln = new LayerNormalization();
        ln.apply(x);
        ln.gamma().assign(Tensor.of(new float[]{1, 2, 3, 4}));
        ln.beta().assign(Tensor.of(new float[]{0, 1, 0, -1}));
        Tensor y = ln.apply(x);
        Tensor yt = ln.apply(x, Context.training(new Rng(0)));
        assertArrayEquals(y.toFloatArray(), yt.toFloatArray(), 0f, "training and inference agree");
        float[] v = x.toFloatArray();
        double[] ref = new double[v.length];
        for (int r = 0; r < 6; r++) {
            double m = 0, var = 0;
            for (int f = 0; f < 4; f++) m += v[r * 4 + f];
            m /= 4;
            for (int f = 0; f < 4; f++) var += Math.pow(v[r * 4 + f] - m, 2);
            var /= 4;
            for (int f = 0; f < 4; f++) ref[r * 4 + f] = (f + 1) * (v[r * 4 + f] - m) / Math.sqrt(var + 1e-3) + new double[]{0, 1, 0, -1}[f];
        }
        ConvLayersTest.assertClose(ref, y, 2e-5, "LayerNormalization");

        // over the last two axes: one mean and variance per sample, gamma of shape (3, 4)
        LayerNormalization ln2 = new LayerNormalization(-2, -1).epsilon(1e-5f);
        Tensor y2 = ln2.apply(x);
        assertArrayEquals(new int[]{3, 4}, ln2.gamma().shape());
        for (int b = 0; b < 2; b++) {
            double m = 0, var = 0;
            for (int i = 0; i < 12; i++) m += v[b * 12 + i];
            m /= 12;
            for (int i = 0; i < 12; i++) var += Math.pow(v[b * 12 + i] - m, 2);
            var /= 12;
            for (int i = 0; i < 12; i++) assertEquals((v[b * 12 + i] - m) / Math.sqrt(var + 1e-5), y2.toFloatArray()[b * 12 + i], 2e-5);
        }
        Tensor xg = x.detach().requiresGrad(true);
        GradCheck.check(xs -> ln.apply(xs[0]), xg, ln.gamma().value());
    }

    @Test
    void configsAndErrors() {
        Map<String, Object> c = new BatchNormalization().config();
        assertEquals(-1, c.get("axis"));
        assertEquals(0.99, (double) c.get("momentum"), 1e-7);
        assertEquals(1e-3, (double) c.get("epsilon"), 1e-9);
        assertEquals(true, c.get("center"));
        assertEquals(true, c.get("scale"));
        assertTrue(c.containsKey("moving_variance_initializer"), c.toString());
        assertEquals(-1, new LayerNormalization().config().get("axis"));
        assertEquals(List.of(-2, -1), new LayerNormalization(-2, -1).config().get("axis"));
        LayerNormalization back = LayerNormalization.fromConfig(new LayerNormalization(-2, -1).config());
        assertArrayEquals(new int[]{-2, -1}, back.axis());

        assertThrows(IllegalArgumentException.class, () -> new BatchNormalization(0));
        assertThrows(IllegalArgumentException.class, () -> new BatchNormalization().momentum(1.5f));
        var axis = assertThrows(IllegalArgumentException.class, () -> new Sequential(new InputLayer(3), new BatchNormalization(2)));
        assertTrue(axis.getMessage().contains("(BatchNormalization)") && axis.getMessage().contains("(None, 3)"), axis.getMessage());
        BatchNormalization bn = new BatchNormalization();
        bn.apply(Tensor.zeros(2, 4, 3));
        var ch = assertThrows(IllegalArgumentException.class, () -> bn.apply(Tensor.zeros(2, 4, 5)));
        assertTrue(ch.getMessage().contains("expected input shape (None, 4, 3)") && ch.getMessage().contains("got (2, 4, 5)"), ch.getMessage());
        assertArrayEquals(new int[]{2, 9, 3}, bn.apply(Tensor.zeros(2, 9, 3)).shape(), "other axes may change");
        var unknown = assertThrows(IllegalArgumentException.class, () -> new Sequential(new InputLayer(4, -1), new LayerNormalization()));
        assertTrue(unknown.getMessage().contains("known"), unknown.getMessage());
    }
}
