package dev.myelin.nn;

import dev.myelin.core.GradCheck;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.MinMaxScaling;
import dev.myelin.nn.layers.Normalization;
import dev.myelin.nn.layers.Rescaling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Normalization, Rescaling and MinMaxScaling against statistics computed here in double. */
class PreprocessingLayersTest {

    /** (rows, features) with feature f around mean 1000 * (f - 2) and std f + 0.5: a large mean tests the variance's precision. */
    private static Tensor data(long seed, int rows, int features) {
        Rng rng = new Rng(seed);
        float[] v = new float[rows * features];
        for (int r = 0; r < rows; r++) {
            for (int f = 0; f < features; f++) v[r * features + f] = (float) (1000.0 * (f - 2) + (f + 0.5) * rng.nextGaussian());
        }
        return Tensor.of(v, rows, features);
    }

    /** Per-column mean and population variance of x (rows, features) in double, two passes. */
    private static double[][] moments(Tensor x) {
        int rows = x.size(0), feats = x.size(1);
        float[] v = x.toFloatArray();
        double[] mean = new double[feats], var = new double[feats];
        for (int r = 0; r < rows; r++) for (int f = 0; f < feats; f++) mean[f] += v[r * feats + f];
        for (int f = 0; f < feats; f++) mean[f] /= rows;
        for (int r = 0; r < rows; r++) for (int f = 0; f < feats; f++) var[f] += Math.pow(v[r * feats + f] - mean[f], 2);
        for (int f = 0; f < feats; f++) var[f] /= rows;
        return new double[][]{mean, var};
    }

    private static Normalization adapted(Tensor x) {
        Normalization n = new Normalization();
        n.adapt(x);
        return n;
    }

    @Test
    void harness() {
        Tensor fit = data(1, 40, 5);
        // Keras 3: mean (5), variance (5) and a scalar count: 2 * 5 + 1
        LayerHarness.check(() -> adapted(fit), data(2, 4, 5), 2 * 5 + 1); // new data from the fitted distribution
        LayerHarness.check(() -> new Normalization(new float[]{1, 2, 3}, new float[]{4, 5, 6}), new int[]{4, 3}, 0);
        LayerHarness.check(() -> new Normalization(new float[]{1}, new float[]{4}).invert(true), new int[]{2, 3, 4}, 0);
        LayerHarness.check(() -> {
            Normalization n = new Normalization(-2, -1);
            n.adapt(Tensor.randn(new Rng(3), 6, 3, 4));
            return n;
        }, new int[]{2, 3, 4}, 2 * 12 + 1);
        LayerHarness.check(() -> new Rescaling(1 / 255f, -0.5f), new int[]{3, 4, 4, 2}, 0);
        LayerHarness.check(() -> {
            MinMaxScaling s = new MinMaxScaling().featureRange(-1, 1);
            s.adapt(fit);
            return s;
        }, data(4, 4, 5), 2 * 5 + 1);
    }

    @Test
    void adaptComputesMeanAndVarianceInDouble() {
        Tensor x = data(5, 257, 5);
        Normalization n = adapted(x);
        double[][] ref = moments(x);
        assertArrayEquals(new int[]{5}, n.mean().shape());
        for (int f = 0; f < 5; f++) {
            assertEquals(ref[0][f], n.mean().value().get(f), Math.ulp((float) ref[0][f]), "mean " + f);
            assertEquals(ref[1][f], n.variance().value().get(f), 1e-6 * ref[1][f], "variance " + f);
        }
        assertEquals(257f, n.count().value().item());
        assertEquals(List.of("mean", "variance", "count"), n.nonTrainableWeights().stream().map(Parameter::name).toList());
        assertTrue(n.trainableWeights().isEmpty());

        // the output: (x - mean) / max(sqrt(var), 1e-7), here computed in double
        Tensor fresh = data(6, 7, 5);
        Tensor y = n.apply(fresh);
        float[] v = fresh.toFloatArray();
        double[] expected = new double[v.length];
        for (int i = 0; i < v.length; i++) expected[i] = (v[i] - ref[0][i % 5]) / Math.sqrt(ref[1][i % 5]);
        ConvLayersTest.assertClose(expected, y, 1e-4, "normalized");
        // training and inference agree: the constants never move
        assertArrayEquals(y.toFloatArray(), n.apply(fresh, Context.training(new Rng(0))).toFloatArray(), 0f);
        assertEquals(ref[0][0], n.mean().value().get(0), Math.ulp((float) ref[0][0]));
    }

    @Test
    void adaptOverBatchesEqualsAdaptOverAll() {
        Tensor x = data(7, 300, 4);
        List<Tensor> batches = new ArrayList<>();
        for (int start = 0; start < 300; start += 64) batches.add(x.slice(0, start, Math.min(300, start + 64)));
        Normalization whole = adapted(x), streamed = new Normalization();
        streamed.adapt(batches);
        double[][] ref = moments(x);
        for (int f = 0; f < 4; f++) {
            assertEquals(ref[0][f], streamed.mean().value().get(f), Math.ulp((float) ref[0][f]), "streamed mean " + f);
            assertEquals(ref[1][f], streamed.variance().value().get(f), 1e-6 * ref[1][f], "streamed variance " + f);
        }
        assertArrayEquals(whole.variance().value().toFloatArray(), streamed.variance().value().toFloatArray(), 1e-5f);
        assertEquals(300f, streamed.count().value().item());

        // a second adapt replaces the constants rather than adding to them
        Tensor other = data(8, 50, 4).mul(2f);
        streamed.adapt(other);
        double[][] ref2 = moments(other);
        assertEquals(ref2[0][1], streamed.mean().value().get(1), 1e-3);
        assertEquals(50f, streamed.count().value().item());
    }

    @Test
    void adaptOverOtherAxes() {
        Tensor x = Tensor.normal(new Rng(9), 3f, 2f, 5, 6, 4); // (batch, time, features)

        // axis -1: statistics per feature over batch and time
        Normalization last = new Normalization();
        last.adapt(x);
        double[][] ref = moments(x.reshape(30, 4));
        for (int f = 0; f < 4; f++) assertEquals(ref[1][f], last.variance().value().get(f), 1e-5 * ref[1][f]);

        // axes (-2, -1): a (6, 4) mean, per time step and feature, over the batch only
        Normalization both = new Normalization(-2, -1);
        both.adapt(x);
        assertArrayEquals(new int[]{6, 4}, both.mean().shape());
        double[][] perPosition = moments(x.reshape(5, 24));
        for (int t = 0; t < 6; t++) {
            for (int f = 0; f < 4; f++) {
                assertEquals(perPosition[0][t * 4 + f], both.mean().value().get(t, f), 1e-5);
                assertEquals(perPosition[1][t * 4 + f], both.variance().value().get(t, f), 1e-5);
            }
        }

        // axis 1 of (batch, time, features): one mean per time step over batch and features
        Normalization time = new Normalization(1);
        time.adapt(x);
        assertArrayEquals(new int[]{6}, time.mean().shape());
        double[][] perStep = moments(x.permute(1, 0, 2).reshape(6, 20).t().contiguous());
        for (int t = 0; t < 6; t++) assertEquals(perStep[0][t], time.mean().value().get(t), 1e-5);

        // no axes (Keras's axis=None): one scalar mean and variance
        Normalization all = new Normalization(new int[0]);
        all.adapt(x);
        assertEquals(0, all.mean().shape().length);
        double[][] global = moments(x.reshape(120, 1));
        assertEquals(global[0][0], all.mean().value().item(), 1e-5);
        assertEquals(global[1][0], all.variance().value().item(), 1e-4);
        assertEquals(120f, all.count().value().item());
        assertEquals(List.of(), all.config().get("axis"));
        assertArrayEquals(new int[0], Normalization.fromConfig(all.config()).axis());
    }

    @Test
    void kerasDocumentationExamples() {
        // adapt on [[0,7,4],[2,9,6],[0,7,4],[2,9,6]]: mean (1, 8, 5), variance (1, 1, 1)
        Tensor fit = Tensor.of(new float[][]{{0, 7, 4}, {2, 9, 6}, {0, 7, 4}, {2, 9, 6}});
        Normalization n = adapted(fit);
        assertArrayEquals(new float[]{-1, -1, -1}, n.apply(Tensor.of(new float[][]{{0, 7, 4}})).toFloatArray(), 1e-6f);
        Normalization inv = new Normalization().invert(true);
        inv.adapt(fit);
        assertArrayEquals(new float[]{2, 10, 8}, inv.apply(Tensor.of(new float[][]{{1, 2, 3}})).toFloatArray(), 1e-6f);

        // given constants: Normalization(mean=3., variance=2.) on [[1], [2], [3]]
        Normalization given = new Normalization(new float[]{3}, new float[]{2});
        assertArrayEquals(new float[]{-1.4142135f, -0.70710677f, 0f},
                given.apply(Tensor.of(new float[]{1, 2, 3}, 3, 1)).toFloatArray(), 1e-6f);
        assertTrue(given.weights().isEmpty(), "given constants are config, not weights");
        assertEquals(3.0, given.config().get("mean"));
        assertEquals(2.0, given.config().get("variance"));
        assertEquals(List.of(-1), given.config().get("axis"));
        assertEquals(false, given.config().get("invert"));
        assertNull(new Normalization().config().get("mean"));

        // a zero variance divides by 1e-7 rather than 0, as Keras's maximum(sqrt(var), epsilon)
        Normalization flat = adapted(Tensor.of(new float[][]{{5, 1}, {5, 3}}));
        assertEquals(0f, flat.variance().value().get(0));
        float[] out = flat.apply(Tensor.of(new float[][]{{6, 2}})).toFloatArray();
        assertEquals(1e7, out[0], 1e7 * 1e-6, "(6 - 5) / 1e-7");
        assertEquals(0f, out[1], 1e-6f);
    }

    @Test
    void normalizationIsDifferentiableInItsInput() {
        Normalization n = adapted(data(10, 20, 3));
        Tensor x = Tensor.randn(new Rng(11), 4, 3).requiresGrad(true);
        GradCheck.check(xs -> n.apply(xs[0]), x);
        Normalization inv = new Normalization(new float[]{1, 2, 3}, new float[]{4, 9, 16}).invert(true);
        GradCheck.check(xs -> inv.apply(xs[0]), x);
    }

    @Test
    void fittedConstantsTravelWithTheModel(@TempDir Path dir) throws Exception {
        Tensor train = data(12, 64, 5);
        Normalization norm = adapted(train);
        Sequential model = new Sequential(new InputLayer(5), norm, new Dense(2));
        model.seed(3);
        Tensor raw = data(13, 9, 5);
        Tensor expected = model.predict(raw, 9);

        // a fresh model of the same architecture, with the weights copied over
        Sequential fresh = new Sequential(new InputLayer(5), new Normalization(), new Dense(2));
        fresh.seed(99);
        List<Parameter> from = model.weights(), to = fresh.weights();
        assertEquals(from.size(), to.size());
        var notAdapted = assertThrows(IllegalStateException.class, () -> fresh.predict(raw, 9));
        assertTrue(notAdapted.getMessage().contains("not adapted") && notAdapted.getMessage().contains("adapt("), notAdapted.getMessage());
        for (int i = 0; i < from.size(); i++) to.get(i).assign(from.get(i).value());
        assertArrayEquals(expected.toFloatArray(), fresh.predict(raw, 9).toFloatArray(), 0f);

        // and through a model file
        Path file = dir.resolve("norm.myelin");
        ModelFile.save(model, file);
        Model loaded = ModelFile.load(file);
        assertArrayEquals(expected.toFloatArray(), loaded.predict(raw, 9).toFloatArray(), 0f);
        Normalization back = (Normalization) ((Sequential) loaded).layers().get(1);
        assertArrayEquals(norm.mean().value().toFloatArray(), back.mean().value().toFloatArray(), 0f);
        assertTrue(back.isAdapted());
    }

    @Test
    void normalizationErrors() {
        Normalization n = adapted(data(14, 10, 3));
        var wrong = assertThrows(IllegalArgumentException.class, () -> n.adapt(data(15, 10, 4)));
        assertTrue(wrong.getMessage().contains("(10, 4)") && wrong.getMessage().contains("(None, 3)"), wrong.getMessage());
        var input = assertThrows(IllegalArgumentException.class, () -> n.apply(Tensor.zeros(2, 4)));
        assertTrue(input.getMessage().contains("(2, 4)") && input.getMessage().contains("(Normalization)"), input.getMessage());

        Normalization unadapted = new Normalization();
        var before = assertThrows(IllegalStateException.class, () -> unadapted.apply(Tensor.zeros(2, 3)));
        assertTrue(before.getMessage().contains("not adapted"), before.getMessage());
        assertFalse(unadapted.isAdapted());

        Normalization given = new Normalization(new float[]{0}, new float[]{1});
        assertThrows(IllegalStateException.class, () -> given.adapt(data(16, 4, 3)));
        var count = assertThrows(IllegalArgumentException.class,
                () -> new Normalization(new float[]{1, 2}, new float[]{1, 2}).apply(Tensor.zeros(2, 3)));
        assertTrue(count.getMessage().contains("1 or 3"), count.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Normalization(new float[]{1}, null));
        assertThrows(IllegalArgumentException.class, () -> new Normalization(new float[]{1, 2}, new float[]{1}));
        assertThrows(IllegalArgumentException.class, () -> new Normalization(new float[]{1}, new float[]{-1}));
        var batchAxis = assertThrows(IllegalArgumentException.class, () -> new Normalization(0).adapt(data(17, 4, 3)));
        assertTrue(batchAxis.getMessage().contains("batch axis"), batchAxis.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Normalization().adapt(List.of()));

        Map<String, Object> cfg = new Normalization(new int[]{-1}, new float[]{1, 2}, new float[]{3, 4}).invert(true).config();
        assertEquals(List.of(1.0, 2.0), cfg.get("mean"));
        Normalization back = Normalization.fromConfig(cfg);
        assertTrue(back.invert());
        assertArrayEquals(new float[]{1 + 2 * (float) Math.sqrt(3), 2 + 2 * 2},
                back.apply(Tensor.of(new float[][]{{2, 2}})).toFloatArray(), 1e-5f);
    }

    @Test
    void rescalingMultipliesAndAdds() {
        Tensor x = Tensor.of(new float[]{0, 51, 255, 127.5f}, 1, 4);
        assertArrayEquals(new float[]{0, 0.2f, 1, 0.5f}, new Rescaling(1 / 255f).apply(x).toFloatArray(), 1e-6f);
        assertArrayEquals(new float[]{-1, -0.6f, 1, 0}, new Rescaling(1 / 127.5f, -1).apply(x).toFloatArray(), 1e-6f);
        Tensor bytes = Tensor.ofBytes(new byte[]{0, (byte) 255}, dev.myelin.core.DType.UINT8, 1, 2);
        assertArrayEquals(new float[]{0, 1}, new Rescaling(1 / 255f).apply(bytes).toFloatArray(), 1e-6f);
        Map<String, Object> c = new Rescaling(0.5f, 2f).config();
        assertEquals(0.5, c.get("scale"));
        assertEquals(2.0, c.get("offset"));
        assertThrows(IllegalArgumentException.class, () -> new Rescaling(Float.NaN));
    }

    @Test
    void minMaxScalingMapsTrainingDataToTheRange() {
        Tensor x = data(18, 50, 4);
        MinMaxScaling s = new MinMaxScaling();
        s.adapt(x);
        float[] v = x.toFloatArray();
        double[] lo = new double[4], hi = new double[4];
        java.util.Arrays.fill(lo, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(hi, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < v.length; i++) {
            lo[i % 4] = Math.min(lo[i % 4], v[i]);
            hi[i % 4] = Math.max(hi[i % 4], v[i]);
        }
        for (int f = 0; f < 4; f++) {
            assertEquals(lo[f], s.dataMin().value().get(f), 0, "data_min " + f);
            assertEquals(hi[f], s.dataMax().value().get(f), 0, "data_max " + f);
        }
        Tensor y = s.apply(x);
        double[] expected = new double[v.length];
        for (int i = 0; i < v.length; i++) expected[i] = (v[i] - lo[i % 4]) / (hi[i % 4] - lo[i % 4]);
        ConvLayersTest.assertClose(expected, y, 1e-4, "min-max");
        float[] yv = y.toFloatArray();
        for (int f = 0; f < 4; f++) {
            double mn = 1, mx = 0;
            for (int r = 0; r < 50; r++) {
                mn = Math.min(mn, yv[r * 4 + f]);
                mx = Math.max(mx, yv[r * 4 + f]);
            }
            assertEquals(0, mn, 1e-3);
            assertEquals(1, mx, 1e-3);
        }

        // another range, a constant feature, and new data outside the training range
        MinMaxScaling r = new MinMaxScaling().featureRange(-1, 1);
        r.adapt(Tensor.of(new float[][]{{0, 7}, {10, 7}, {5, 7}}));
        Tensor out = r.apply(Tensor.of(new float[][]{{0, 7}, {5, 8}, {20, 6}}));
        // feature 0: -1 + (x - 0) * 2 / 10; feature 1 (constant 7): range counts as 1, so -1 + (x - 7) * 2
        assertArrayEquals(new float[]{-1, -1, 0, 1, 3, -3}, out.toFloatArray(), 1e-6f);
        assertEquals(List.of(-1.0, 1.0), r.config().get("feature_range"));
        assertArrayEquals(new float[]{-1, 1}, MinMaxScaling.fromConfig(r.config()).featureRange());

        var before = assertThrows(IllegalStateException.class, () -> new MinMaxScaling().apply(Tensor.zeros(2, 3)));
        assertTrue(before.getMessage().contains("not adapted"), before.getMessage());
        var wrong = assertThrows(IllegalArgumentException.class, () -> s.adapt(Tensor.zeros(3, 5)));
        assertTrue(wrong.getMessage().contains("(3, 5)") && wrong.getMessage().contains("(None, 4)"), wrong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MinMaxScaling().featureRange(1, 1));
    }
}
