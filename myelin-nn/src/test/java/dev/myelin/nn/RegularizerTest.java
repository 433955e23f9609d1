package dev.myelin.nn;

import dev.myelin.core.GradMode;
import dev.myelin.core.Tensor;
import dev.myelin.nn.callbacks.Callback;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.losses.MeanSquaredError;
import dev.myelin.nn.optimizers.SGD;
import dev.myelin.nn.regularizers.Regularizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** L1, L2 and L1L2 penalties, their gradients, and their effect on training through Model. */
class RegularizerTest {

    static final float[] W = {1f, -2f, 3f, 0.5f};

    @Test
    void penaltyValues() {
        Tensor w = Tensor.of(W, 2, 2);
        // l1: 0.1 * (1 + 2 + 3 + 0.5) = 0.65
        assertEquals(0.65f, Regularizer.l1(0.1f).penalty(w).item(), 1e-6f);
        // l2: 0.01 * (1 + 4 + 9 + 0.25) = 0.1425 (no 1/2, as Keras)
        assertEquals(0.1425f, Regularizer.l2(0.01f).penalty(w).item(), 1e-6f);
        assertEquals(0.65f + 0.1425f, Regularizer.l1l2(0.1f, 0.01f).penalty(w).item(), 1e-6f);
        assertEquals(0f, new Regularizer(0f, 0f).penalty(w).item());
    }

    @Test
    void penaltyGradients() {
        Tensor w = Tensor.of(W.clone(), 4).requiresGrad(true);
        Regularizer.l1l2(0.1f, 0.01f).penalty(w).backward();
        // d/dw = 0.1 * sign(w) + 2 * 0.01 * w
        float[] expected = new float[4];
        for (int i = 0; i < 4; i++) expected[i] = 0.1f * Math.signum(W[i]) + 0.02f * W[i];
        assertArrayEquals(expected, w.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void configRoundTripAndBadFactors() {
        Regularizer r = Regularizer.l1l2(0.1f, 0.01f);
        assertEquals(r, Regularizer.fromConfig(r.config()));
        assertNull(Regularizer.fromConfig(null));
        var e = assertThrows(IllegalArgumentException.class, () -> Regularizer.l2(-0.1f));
        assertTrue(e.getMessage().contains("must be finite numbers >= 0, got l1=0.0, l2=-0.1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Regularizer.l1(Float.NaN));
    }

    /** One Dense(2) on 3 inputs, fixed kernel, trained one epoch of one batch with plain SGD. */
    static Sequential model(Regularizer r) {
        Dense d = new Dense(2).kernelInitializer(Initializer.constant(0.5f)).kernelRegularizer(r);
        return new Sequential(new InputLayer(3), d);
    }

    @Test
    void denseKernelRegularizerAddsToTheLossAndTheUpdate() {
        Tensor x = Tensor.of(new float[]{1, 2, 3, -1, 0, 2}, 2, 3);
        Tensor y = Tensor.of(new float[]{1, 0, 0, 1}, 2, 2);
        float lr = 0.1f, l2 = 0.05f;
        Sequential plain = model(null), reg = model(Regularizer.l2(l2));
        List<Double> losses = new ArrayList<>();
        for (Sequential m : List.of(plain, reg)) {
            m.compile(new SGD(lr), new MeanSquaredError());
            m.fit(x, y, new FitOptions().epochs(1).batchSize(2).shuffle(false).verbose(0).callbacks(new Callback() {
                @Override
                public void onBatchEnd(int batch, Map<String, Double> logs) {
                    losses.add(logs.get("loss"));
                }
            }));
        }
        // kernel (3, 2) all 0.5: penalty 0.05 * 6 * 0.25 = 0.075 on top of the same data loss
        assertEquals(0.075, losses.get(1) - losses.get(0), 1e-6);
        // SGD: the penalty's gradient 2 * l2 * w adds -lr * 2 * l2 * 0.5 = -0.005 to every kernel entry
        float[] kPlain = ((Dense) plain.layers().get(plain.layers().size() - 1)).kernel().value().toFloatArray();
        float[] kReg = ((Dense) reg.layers().get(reg.layers().size() - 1)).kernel().value().toFloatArray();
        for (int i = 0; i < kPlain.length; i++) assertEquals(-lr * 2 * l2 * 0.5f, kReg[i] - kPlain[i], 1e-6f, "kernel entry " + i);
        // the bias has no regularizer: identical in both
        try (var ignored = GradMode.noGrad()) {
            assertArrayEquals(((Dense) plain.layers().get(plain.layers().size() - 1)).bias().value().toFloatArray(),
                    ((Dense) reg.layers().get(reg.layers().size() - 1)).bias().value().toFloatArray(), 0f);
        }
    }
}
