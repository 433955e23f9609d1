package dev.myelin.compress;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Context;
import dev.myelin.nn.FitOptions;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.optimizers.Adam;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fake quantization and quantization-aware training. The straight-through estimator is not the
 * derivative of the rounded function (which is 0 almost everywhere), so finite differences cannot
 * check it; the tests check the rule itself, gradient = upstream gradient where the value lies in
 * the clip range [-127 s, 127 s] and 0 beyond, on every element, through composed ops. Outside
 * the clip range the function is flat, so there the rule is the true derivative and finite
 * differences (which give 0) agree.
 */
class QuantizationAwareTest {

    @Test
    void fakeQuantForwardRoundsToTheGridAndClips() {
        float s = 0.1f;
        Tensor x = Tensor.of(new float[]{0.04f, 0.06f, -0.26f, 12.6f, 13f, -20f, 0f});
        float[] y = FakeQuantOps.perTensor(x, s).toFloatArray();
        assertArrayEquals(new float[]{0f, s, -3 * s, 126 * s, 127 * s, -127 * s, 0f}, y, 1e-6f);
    }

    @Test
    void straightThroughGradientIsOneInsideTheClipRangeAndZeroOutside() {
        Rng rng = new Rng(1);
        float s = 0.01f;   // clip range [-1.27, 1.27]
        Tensor x = Tensor.randn(rng, 5, 7).mul(1.5f).requiresGrad(true);
        Tensor up = Tensor.randn(rng, 5, 7);
        // loss = sum(fq(x) * up) + sum(x^2): the fake quantization's gradient composes with other ops
        FakeQuantOps.perTensor(x, s).mul(up).sum().add(x.square().sum()).backward();
        float[] xd = x.toFloatArray(), g = x.grad().toFloatArray(), u = up.toFloatArray();
        int inside = 0, outside = 0;
        for (int i = 0; i < xd.length; i++) {
            boolean in = Math.abs(xd[i]) <= 127 * s;
            float want = (in ? u[i] : 0f) + 2 * xd[i];
            assertEquals(want, g[i], 1e-5f, "element " + i + " at x = " + xd[i]);
            if (in) inside++;
            else outside++;
        }
        assertTrue(inside > 5 && outside > 5, "both regions are exercised: " + inside + " inside, " + outside + " outside");
        // beyond the clip range the function is flat: finite differences give 0 there too
        for (int i = 0; i < xd.length; i++) {
            if (Math.abs(xd[i]) <= 127 * s + 1e-3f) continue;
            float[] plus = xd.clone(), minus = xd.clone();
            plus[i] += 1e-3f;
            minus[i] -= 1e-3f;
            float fp = FakeQuantOps.perTensor(Tensor.wrap(plus, 5, 7), s).toFloatArray()[i];
            float fm = FakeQuantOps.perTensor(Tensor.wrap(minus, 5, 7), s).toFloatArray()[i];
            assertEquals(0f, (fp - fm) / 2e-3f, 0f, "flat beyond the range at element " + i);
        }
    }

    @Test
    void perChannelAndMaxAbsScalesPassEveryGradient() {
        Rng rng = new Rng(2);
        Tensor w = Tensor.randn(rng, 17, 3).requiresGrad(true);
        FakeQuantOps.perChannel(w).sum().backward();
        assertArrayEquals(Tensor.ones(17, 3).toFloatArray(), w.grad().toFloatArray());
        Tensor x = Tensor.randn(rng, 4, 33).requiresGrad(true);
        Tensor up = Tensor.randn(rng, 4, 33);
        FakeQuantOps.perRow(x).mul(up).sum().backward();
        assertArrayEquals(up.toFloatArray(), x.grad().toFloatArray());
        // given per-channel scales clip per channel
        Tensor v = Tensor.of(new float[]{1f, 1f, 3f, 3f}, 2, 2).requiresGrad(true);
        FakeQuantOps.perChannel(v, new float[]{0.01f, 0.1f}).sum().backward();
        assertArrayEquals(new float[]{1f, 1f, 0f, 1f}, v.grad().toFloatArray());
    }

    @Test
    void fakeQuantizedValuesAreExactlyWhatQTensorStores() {
        Tensor w = Tensor.randn(new Rng(3), 33, 17);   // (in, units): channels on the last axis
        float[] fq = FakeQuantOps.perChannel(w).toFloatArray();
        QTensor q = QTensor.quantize(w.t());           // (units, in)
        for (int i = 0; i < 33; i++) for (int j = 0; j < 17; j++) assertEquals(q.scale(j) * q.value(j, i), fq[i * 17 + j], 0f);
    }

    @Test
    void fakeQuantLayerTracksTheRange() {
        FakeQuant f = new FakeQuant().momentum(0.5f);
        Tensor a = Tensor.of(new float[]{1f, -2f}, 1, 2), b = Tensor.of(new float[]{4f, 0f}, 1, 2);
        assertArrayEquals(a.toFloatArray(), f.apply(a).toFloatArray(), "passes through before training");
        f.apply(a, Context.training(new Rng(1)));
        assertEquals(2f, f.range());
        f.apply(b, Context.training(new Rng(1)));
        assertEquals(3f, f.range());   // 0.5 * 2 + 0.5 * 4
        assertArrayEquals(new float[]{3f, 0f}, f.apply(b).toFloatArray(), 1e-6f, "inference clips at the stored range");
    }

    @Test
    void qatDenseComputesWhatTheInt8LayerWill() {
        Rng rng = new Rng(4);
        Dense d = new Dense(17, "relu");
        Tensor x = Tensor.randn(rng, 6, 33);
        d.apply(x);
        d.bias().assign(Tensor.randn(rng, 17));
        QatDense qat = QatDense.from(d);
        QuantizedDense q = QuantizedDense.from(d);
        // same quantized operands: only float versus int32 accumulation differs
        assertArrayEquals(qat.apply(x).toFloatArray(), q.apply(x).toFloatArray(), 1e-4f);
    }

    @Test
    void qatConv2dComputesWhatTheInt8LayerWill() {
        Rng rng = new Rng(5);
        Conv2D c = new Conv2D(5, 3).padding("same").strides(2);
        Tensor x = Tensor.randn(rng, 2, 9, 7, 3);
        c.apply(x);
        assertArrayEquals(QatConv2D.from(c).apply(x).toFloatArray(), QuantizedConv2D.from(c).apply(x).toFloatArray(), 1e-4f);
    }

    @Test
    void prepareFineTuneThenQuantize() {
        Sequential m = new Sequential(new InputLayer(6, 6, 2), new Conv2D(4, 3, "relu"), new Flatten(), new Dense(16, "relu"), new Dense(3));
        Model qat = QuantizationAware.prepare(m, QuantizeOptions.defaults());
        List<String> cls = new ArrayList<>();
        for (Layer l : qat.layers()) cls.add(l.className());
        assertEquals(List.of("InputLayer", "QatConv2D", "Flatten", "QatDense", "Dense"), cls);
        Rng rng = new Rng(6);
        Tensor x = Tensor.randn(rng, 32, 6, 6, 2), y = Tensor.randn(rng, 32, 3);
        qat.compile(new Adam(1e-2f), "mse");
        double before = qat.evaluate(x, y, 32).get("loss");
        qat.fit(x, y, new FitOptions().epochs(15).batchSize(8).verbose(0));
        double after = qat.evaluate(x, y, 32).get("loss");
        assertTrue(after < before, "fine-tuning through fake quantization lowers the loss: " + before + " -> " + after);
        Model int8 = Quantizer.dynamic(qat);
        assertInstanceOf(QuantizedConv2D.class, int8.layer("conv2d"));
        assertInstanceOf(QuantizedDense.class, int8.layer("dense"));
        assertInstanceOf(Dense.class, int8.layer("dense_1"));
        assertArrayEquals(qat.predict(x).toFloatArray(), int8.predict(x).toFloatArray(), 1e-3f);
    }
}
