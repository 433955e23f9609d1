package dev.myelin.compress;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Input;
import dev.myelin.nn.Layers;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.InputLayer;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Static quantization: one calibrated input scale per layer. With max calibration on the data
 * later fed, nothing saturates and the per-output bound of the dynamic case holds with the static
 * scale in place of the row's own: |err| <= 311 s sw sqrt(K) (see Int8KernelTest).
 */
class StaticQuantizationTest {

    @Test
    void fixedScaleQuantizationVectorEqualsReferenceAndSaturates() {
        Rng rng = new Rng(1);
        for (int n : new int[]{1, 3, 17, 33, 255}) {
            float[] x = Tensor.randn(rng, n).mul(4f).toFloatArray();
            byte[] want = new byte[n], got = new byte[n];
            QTensor.quantizeRowWithScaleReference(x, 0, n, 0.02f, want, 0);
            QTensor.quantizeRowWithScale(x, 0, n, 0.02f, got, 0);
            assertArrayEquals(want, got, "n=" + n);
            for (int i = 0; i < n; i++) {
                float clipped = Math.max(-127 * 0.02f, Math.min(127 * 0.02f, x[i]));
                assertTrue(Math.abs(clipped - 0.02f * got[i]) <= 0.01f * 1.0001f, "n=" + n + " i=" + i);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> QTensor.quantizeRowWithScale(new float[1], 0, 1, 0f, new byte[1], 0));
    }

    @Test
    void maxCalibratedDenseStaysWithinTheBound() {
        Rng rng = new Rng(2);
        Sequential m = new Sequential(new InputLayer(33), new Dense(17, "relu"), new Dense(5));
        Tensor x = Tensor.randn(rng, 40, 33);
        Model q = Quantizer.staticInt8(m, QuantizeOptions.defaults(), x, Calibration.max());
        QuantizedDense qd = (QuantizedDense) q.layer("dense");
        assertEquals("static", qd.config().get("input_quantization"));
        float range = x.abs().max().item(), s = range / 127;
        Tensor want = m.layer("dense").apply(x), got = qd.apply(x);
        float[] w = want.toFloatArray(), g = got.toFloatArray();
        for (int i = 0; i < w.length; i++) {
            double bound = 311 * s * qd.kernel().scale(i % 17) * Math.sqrt(33) + 1e-5;
            assertTrue(Math.abs(w[i] - g[i]) <= bound, "output " + i + ": " + g[i] + " vs " + w[i]);
        }
        assertTrue(relative(m.predict(x), q.predict(x)) < 0.03);
    }

    @Test
    void percentileCalibrationIgnoresRareOutliers() {
        Rng rng = new Rng(3);
        Sequential m = new Sequential(new InputLayer(10), new Dense(4), new Dense(2));
        float[] d = Tensor.randn(rng, 100, 10).toFloatArray();
        d[17] = 500f;                                    // one outlier among 1000 values
        Tensor x = Tensor.wrap(d, 100, 10);
        Map<String, Float> ranges = Quantizer.calibrate(m, Set.of("dense"), x, Calibration.percentile(99.9));
        float[] mags = new float[d.length];
        for (int i = 0; i < d.length; i++) mags[i] = Math.abs(d[i]);
        java.util.Arrays.sort(mags);
        assertEquals(mags[998], ranges.get("dense"), "nearest rank: the 999th of 1000 magnitudes");
        assertEquals(500f, Quantizer.calibrate(m, Set.of("dense"), x, Calibration.max()).get("dense"));
        Model q = Quantizer.staticInt8(m, QuantizeOptions.defaults(), x, Calibration.percentile(99.9));
        Tensor normal = x.slice(0, 2, 100);             // rows without the outlier quantize finely
        assertTrue(relative(m.predict(normal), q.predict(normal)) < 0.03);
    }

    /**
     * Entropy calibration on Gaussian magnitudes with one huge outlier: the clip lands well inside
     * the bulk's tail (between 2.5 and 6 standard deviations, where TensorRT's calibrator puts it for
     * a normal distribution) instead of at the outlier, and never beyond the largest value.
     */
    @Test
    void entropyCalibrationClipsTheTailNotTheBulk() {
        Rng rng = new Rng(8);
        float[] mags = new float[20_000];
        for (int i = 0; i < mags.length; i++) mags[i] = (float) Math.abs(rng.nextGaussian());
        mags[5] = 40f;
        float r = Calibration.entropy().range(mags.clone(), mags.length);
        assertTrue(r > 2.5f && r < 6f, "entropy range " + r);
        float[] small = {0.5f, 0.25f, 0f};
        assertTrue(Calibration.entropy().range(small, 3) <= 0.5f);
        assertEquals(0f, Calibration.entropy().range(new float[]{0, 0}, 2));

        // ReLU outputs: mostly exact zeros, which quantize exactly at any scale and must not pull the clip down
        float[] relu = new float[20_000];
        for (int i = 0; i < relu.length; i++) relu[i] = i % 10 < 7 ? 0f : (float) Math.abs(rng.nextGaussian());
        float rr = Calibration.entropy().range(relu.clone(), relu.length);
        assertTrue(rr > 2f && rr < 6f, "entropy range of ReLU-like magnitudes " + rr);
        // images: a spike of saturated pixels at the maximum, which a clip below it would flatten
        float[] pixels = new float[20_000];
        for (int i = 0; i < pixels.length; i++) pixels[i] = i % 5 == 0 ? 1f : i % 5 == 1 ? rng.nextFloat() : 0f;
        assertTrue(Calibration.entropy().range(pixels.clone(), pixels.length) > 0.95f, "the saturated pixels keep the clip at the top");

        Sequential m = new Sequential(new InputLayer(10), new Dense(4), new Dense(2));
        Tensor x = Tensor.randn(rng, 200, 10);
        Model q = Quantizer.staticInt8(m, QuantizeOptions.defaults(), x, Calibration.entropy());
        assertTrue(relative(m.predict(x), q.predict(x)) < 0.05, "entropy-calibrated int8 stays close to float");
    }

    @Test
    void staticConvModelsRoundTripTheirConfigs() {
        Rng rng = new Rng(4);
        Sequential m = new Sequential(new InputLayer(8, 8, 3), new Conv2D(6, 3, "relu"), new Flatten(), new Dense(3));
        Tensor x = Tensor.randn(rng, 16, 8, 8, 3);
        Model q = Quantizer.staticInt8(m, QuantizeOptions.defaults(), x, Calibration.max());
        assertTrue(relative(m.predict(x), q.predict(x)) < 0.03);
        Model back = (Model) Layers.fromConfig(Layers.toConfig(q));
        assertEquals(Layers.toConfig(q), Layers.toConfig(back));
        assertThrows(IllegalArgumentException.class,
                () -> Quantizer.staticInt8(Model.of(Input.of(3), new Dense(2).apply(Input.of(3))), QuantizeOptions.defaults(), x, Calibration.max()));
    }

    private static double relative(Tensor a, Tensor b) {
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        double worst = 0, scale = 1e-12;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
            scale = Math.max(scale, Math.abs(x[i]));
        }
        return worst / scale;
    }
}
