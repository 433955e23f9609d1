package dev.myelin.nn;

import dev.myelin.core.Tensor;
import dev.myelin.nn.optimizers.Adadelta;
import dev.myelin.nn.optimizers.Adagrad;
import dev.myelin.nn.optimizers.Adam;
import dev.myelin.nn.optimizers.AdamW;
import dev.myelin.nn.optimizers.Nadam;
import dev.myelin.nn.optimizers.Optimizer;
import dev.myelin.nn.optimizers.Optimizers;
import dev.myelin.nn.optimizers.RMSprop;
import dev.myelin.nn.optimizers.SGD;
import dev.myelin.nn.optimizers.schedules.CosineDecay;
import dev.myelin.nn.optimizers.schedules.ExponentialDecay;
import dev.myelin.nn.optimizers.schedules.PiecewiseConstantDecay;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each optimizer against its update rule evaluated in double here (from Keras 3's source
 * formulas), against the golden values in Keras's own tests, on a quadratic, and through its config.
 */
class OptimizerTest {

    static final float[] W0 = {1f, -2f, 0.5f, 3f, 0f};
    /** One gradient per step; signs flip and one entry is 0 at times, so every state path is used. */
    static final float[][] G = {
            {0.1f, -0.2f, 0.3f, 0f, 1.5f},
            {-0.4f, 0.25f, 0.3f, 0.05f, -1f},
            {0.2f, 0.2f, -0.6f, 0.1f, 0.5f},
            {1f, -1f, 0.01f, -0.3f, 0f},
            {0.05f, 0.5f, -0.2f, 2f, -0.7f},
            {-0.3f, 0.1f, 0.4f, -0.5f, 0.2f},
    };

    /** The reference: one update of the weights w (in place, double) with gradient g at step t (from 1). */
    interface Rule {
        void step(double[] w, double[] g, int t);
    }

    static Parameter param(float[] w) {
        return new Parameter("w", Tensor.of(w.clone(), w.length), true, null);
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** Runs the optimizer and the rule side by side over the gradients G, comparing after every step. */
    static void assertFollows(Optimizer opt, Rule rule) {
        Parameter p = param(W0);
        double[] w = toDouble(W0);
        for (int s = 0; s < G.length; s++) {
            p.value().setGrad(Tensor.of(G[s].clone(), G[s].length));
            opt.step(List.of(p));
            rule.step(w, toDouble(G[s]), s + 1);
            float[] got = p.value().toFloatArray();
            for (int i = 0; i < w.length; i++) {
                double tol = 1e-6 * Math.max(1, Math.abs(w[i]));
                assertEquals(w[i], got[i], tol, opt.name() + " step " + (s + 1) + " element " + i);
            }
        }
        assertEquals(G.length, opt.iterations());
    }

    // ------------------------------------------------------------------ each rule, in double

    @Test
    void sgdPlain() {
        double lr = 0.1f;
        assertFollows(new SGD(0.1f), (w, g, t) -> {
            for (int i = 0; i < w.length; i++) w[i] -= lr * g[i];
        });
    }

    @Test
    void sgdMomentum() {
        double lr = 0.1f, mu = 0.9f;
        double[] v = new double[W0.length];
        assertFollows(new SGD(0.1f, 0.9f, false), (w, g, t) -> {
            for (int i = 0; i < w.length; i++) {
                v[i] = mu * v[i] - lr * g[i];
                w[i] += v[i];
            }
        });
    }

    @Test
    void sgdNesterov() {
        double lr = 0.05f, mu = 0.8f;
        double[] v = new double[W0.length];
        assertFollows(new SGD(0.05f, 0.8f, true), (w, g, t) -> {
            for (int i = 0; i < w.length; i++) {
                v[i] = mu * v[i] - lr * g[i];
                w[i] += mu * v[i] - lr * g[i];
            }
        });
    }

    /** Adam as Keras: alpha = lr sqrt(1 - b2^t) / (1 - b1^t); w -= alpha m / (sqrt(v) + eps); amsgrad uses max(vhat, v). */
    static Rule adamRule(double lr, double b1, double b2, double eps, boolean amsgrad, double weightDecay) {
        double[] m = new double[W0.length], v = new double[W0.length], vh = new double[W0.length];
        return (w, g, t) -> {
            double alpha = lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
            for (int i = 0; i < w.length; i++) {
                w[i] -= w[i] * weightDecay * lr;
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                vh[i] = Math.max(vh[i], v[i]);
                w[i] -= alpha * m[i] / (Math.sqrt(amsgrad ? vh[i] : v[i]) + eps);
            }
        };
    }

    @Test
    void adam() {
        assertFollows(new Adam(0.01f), adamRule(0.01f, 0.9f, 0.999f, 1e-7f, false, 0));
        assertFollows(new Adam(0.02f, 0.8f, 0.99f, 1e-3f), adamRule(0.02f, 0.8f, 0.99f, 1e-3f, false, 0));
    }

    @Test
    void adamAmsgrad() {
        assertFollows(new Adam(0.01f, 0.9f, 0.99f, 1e-7f, true), adamRule(0.01f, 0.9f, 0.99f, 1e-7f, true, 0));
    }

    @Test
    void adamW() {
        // decoupled decay first, w -= w * wd * lr, then the Adam step
        assertFollows(new AdamW(0.01f, 0.1f), adamRule(0.01f, 0.9f, 0.999f, 1e-7f, false, 0.1f));
        assertEquals(0.004f, new AdamW().weightDecay());
        assertEquals(0.001f, new AdamW().learningRate());
    }

    static Rule rmspropRule(double lr, double rho, double mu, double eps, boolean centered) {
        double[] v = new double[W0.length], a = new double[W0.length], mom = new double[W0.length];
        return (w, g, t) -> {
            for (int i = 0; i < w.length; i++) {
                v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
                double denom = v[i] + eps;
                if (centered) {
                    a[i] = rho * a[i] + (1 - rho) * g[i];
                    denom = v[i] - a[i] * a[i] + eps;
                }
                double inc = lr * g[i] / Math.sqrt(denom);
                if (mu > 0) {
                    mom[i] = mu * mom[i] + inc;
                    w[i] -= mom[i];
                } else {
                    w[i] -= inc;
                }
            }
        };
    }

    @Test
    void rmsprop() {
        assertFollows(new RMSprop(0.01f), rmspropRule(0.01f, 0.9f, 0, 1e-7f, false));
        assertFollows(new RMSprop(0.01f, 0.8f, 0.5f, 1e-6f, false), rmspropRule(0.01f, 0.8f, 0.5f, 1e-6f, false));
        assertFollows(new RMSprop(0.01f, 0.9f, 0f, 1e-6f, true), rmspropRule(0.01f, 0.9f, 0, 1e-6f, true));
        assertFollows(new RMSprop(0.01f, 0.9f, 0.3f, 1e-6f, true), rmspropRule(0.01f, 0.9f, 0.3f, 1e-6f, true));
    }

    @Test
    void adagrad() {
        double lr = 0.1f, init = 0.1f, eps = 1e-7f;
        double[] acc = {init, init, init, init, init};
        assertFollows(new Adagrad(0.1f), (w, g, t) -> {
            for (int i = 0; i < w.length; i++) {
                acc[i] += g[i] * g[i];
                w[i] -= lr * g[i] / Math.sqrt(acc[i] + eps);
            }
        });
    }

    @Test
    void adadelta() {
        double lr = 1f, rho = 0.95f, eps = 1e-7f;
        double[] ag = new double[W0.length], ad = new double[W0.length];
        assertFollows(new Adadelta(1f), (w, g, t) -> {
            for (int i = 0; i < w.length; i++) {
                ag[i] = rho * ag[i] + (1 - rho) * g[i] * g[i];
                double d = -Math.sqrt(ad[i] + eps) / Math.sqrt(ag[i] + eps) * g[i];
                ad[i] = rho * ad[i] + (1 - rho) * d * d;
                w[i] += lr * d;
            }
        });
    }

    @Test
    void nadam() {
        double lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-7f;
        double[] m = new double[W0.length], v = new double[W0.length];
        double[] uProduct = {1};
        assertFollows(new Nadam(0.01f), (w, g, t) -> {
            double ut = b1 * (1 - 0.5 * Math.pow(0.96, t)), ut1 = b1 * (1 - 0.5 * Math.pow(0.96, t + 1));
            uProduct[0] *= ut; // U_t = u_1 ... u_t
            double uProductNext = uProduct[0] * ut1;
            for (int i = 0; i < w.length; i++) {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double mHat = ut1 * m[i] / (1 - uProductNext) + (1 - ut) * g[i] / (1 - uProduct[0]);
                double vHat = v[i] / (1 - Math.pow(b2, t));
                w[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
        });
    }

    // ------------------------------------------------------------------ Keras's own golden values

    /** Keras's test_single_step: vars [1, 2, 3, 4], grads [1, 6, 7, 2], one update at lr 0.5. */
    static float[] singleStep(Optimizer opt) {
        Parameter p = param(new float[]{1, 2, 3, 4});
        p.value().setGrad(Tensor.of(new float[]{1, 6, 7, 2}, 4));
        opt.step(List.of(p));
        return p.value().toFloatArray();
    }

    @Test
    void kerasSingleStepValues() {
        float tol = 1e-4f; // Keras's own rtol/atol for these four-digit values
        assertArrayEquals(new float[]{0.5f, -1f, -0.5f, 3f}, singleStep(new SGD(0.5f)), tol);
        assertArrayEquals(new float[]{0.5f, 1.5f, 2.5f, 3.5f}, singleStep(new Adam(0.5f)), tol);
        assertArrayEquals(new float[]{0.4980f, 1.4960f, 2.494f, 3.492f}, singleStep(new AdamW(0.5f)), tol);
        assertArrayEquals(new float[]{-0.5811f, 0.4189f, 1.4189f, 2.4189f}, singleStep(new RMSprop(0.5f)), tol);
        assertArrayEquals(new float[]{0.5233f, 1.5007f, 2.5005f, 3.5061f}, singleStep(new Adagrad(0.5f)), tol);
        assertArrayEquals(new float[]{0.9993f, 1.9993f, 2.9993f, 3.9993f}, singleStep(new Adadelta(0.5f)), tol);
        assertArrayEquals(new float[]{0.4686f, 1.4686f, 2.4686f, 3.4686f}, singleStep(new Nadam(0.5f)), tol);
    }

    /**
     * Keras's test_correctness_with_golden: x = ones(10); one step with gradient 0.01 everywhere,
     * then steps with gradient (0.1, 0.2, ..., 1.0); golden[i] is x after the i-th of those.
     */
    static void assertGolden(Optimizer opt, double[][] golden) {
        float[] ones = new float[10], first = new float[10], ramp = new float[10];
        for (int i = 0; i < 10; i++) {
            ones[i] = 1f;
            first[i] = 0.01f;
            ramp[i] = 0.1f * (i + 1);
        }
        Parameter p = param(ones);
        p.value().setGrad(Tensor.of(first, 10));
        opt.step(List.of(p));
        for (double[] row : golden) {
            float[] x = p.value().toFloatArray();
            for (int i = 0; i < 10; i++) {
                double want = row.length == 1 ? row[0] : row[i];
                assertEquals(want, x[i], 5e-4 + 5e-4 * Math.abs(want), opt.name() + " golden element " + i);
            }
            p.value().setGrad(Tensor.of(ramp.clone(), 10));
            opt.step(List.of(p));
        }
    }

    @Test
    void kerasGoldenValues() {
        assertGolden(new SGD(0.01f, 0f, true), new double[][]{
                {0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999},
                {0.9989, 0.9979, 0.9969, 0.9959, 0.9949, 0.9939, 0.9929, 0.9919, 0.9909, 0.9899},
                {0.9979, 0.9959, 0.9939, 0.9919, 0.9899, 0.9879, 0.9859, 0.9839, 0.9819, 0.9799},
                {0.9969, 0.9939, 0.9909, 0.9879, 0.9849, 0.9819, 0.9789, 0.9759, 0.9729, 0.9699},
                {0.9959, 0.9919, 0.9879, 0.9839, 0.9799, 0.9759, 0.9719, 0.9679, 0.9639, 0.9599}});
        assertGolden(new Adam(0.001f, 0.9f, 0.999f, 1e-7f, true), new double[][]{{0.999}, {0.9982}, {0.9974}, {0.9965}, {0.9955}});
        assertGolden(new AdamW(1f, 0.5f, 0.9f, 0.999f, 2f, false), new double[][]{
                {0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998},
                {0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382},
                {0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051, 0.1027, 0.1003},
                {0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033, 0.0294, 0.0258},
                {0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067, -0.0113, -0.0159}});
        assertGolden(new RMSprop(0.001f, 0.9f, 0f, 1e-7f, true), new double[][]{{0.9967}, {0.9933}, {0.9908}, {0.9885}, {0.9864}});
        assertGolden(new Adagrad(0.2f, 0.3f, 1e-6f), new double[][]{
                {0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963},
                {0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209},
                {0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891},
                {0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579},
                {0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825}});
        assertGolden(new Adadelta(1f, 0.8f, 1e-6f), new double[][]{{0.9978}, {0.9947}, {0.9915}, {0.9882}, {0.9849}});
        assertGolden(new Nadam(0.5f, 0.5f, 0.67f, 1e-5f), new double[][]{
                {0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281},
                {-0.1738, -0.1731, -0.1726, -0.1723, -0.1721, -0.172, -0.1719, -0.1718, -0.1718, -0.1717},
                {-0.7115, -0.7103, -0.7096, -0.7092, -0.709, -0.7088, -0.7086, -0.7085, -0.7085, -0.7084},
                {-1.2335, -1.2322, -1.2313, -1.2309, -1.2306, -1.2304, -1.2302, -1.2301, -1.23, -1.2299},
                {-1.7492, -1.7478, -1.7469, -1.7464, -1.7461, -1.7459, -1.7457, -1.7456, -1.7455, -1.7454}});
    }

    // ------------------------------------------------------------------ weight decay

    @Test
    void weightDecayIsDecoupledAndCanExcludeWeights() {
        // Keras's test_weight_decay: w = 2, zero gradient, lr 1, decay 0.004, applied by three optimizers
        // in turn: 2 * 0.996^3 = 1.9760959; "exclude" is skipped by name.
        for (Supplier<Optimizer> make : List.<Supplier<Optimizer>>of(() -> new SGD(1f), () -> new Adam(1f), () -> new RMSprop(1f),
                () -> new Adagrad(1f), () -> new Adadelta(1f), () -> new Nadam(1f), () -> new AdamW(1f))) {
            Parameter w1 = new Parameter("w1", Tensor.scalar(2f), true, null);
            Parameter w2 = new Parameter("exclude", Tensor.scalar(2f), true, null);
            w1.value().setGrad(Tensor.scalar(0f));
            w2.value().setGrad(Tensor.scalar(0f));
            make.get().weightDecay(0.004f).step(List.of(w1));
            make.get().weightDecay(0.004f).excludeFromWeightDecay("exclude").step(List.of(w1, w2));
            make.get().weightDecay(0.004f).step(List.of(w1));
            assertEquals(1.9760959f, w1.value().item(), 1e-6f, make.get().name());
            assertEquals(2f, w2.value().item(), 0f, make.get().name());
        }
    }

    // ------------------------------------------------------------------ clipping

    static Parameter withGrad(float[] w, float[] g) {
        Parameter p = param(w);
        p.value().setGrad(Tensor.of(g.clone(), g.length));
        return p;
    }

    @Test
    void clipValueClipsEachElement() {
        // SGD at lr 1 moves w by minus the clipped gradient: clip(3, -0.5, -7) to [-1, 1] = (1, -0.5, -1)
        Parameter p = withGrad(new float[]{0, 0, 0}, new float[]{3f, -0.5f, -7f});
        new SGD(1f).clipValue(1f).step(List.of(p));
        assertArrayEquals(new float[]{-1f, 0.5f, 1f}, p.value().toFloatArray(), 1e-7f);
    }

    @Test
    void clipNormClipsEachWeightOnItsOwn() {
        // (3, 4) has norm 5 > 1: scaled to (0.6, 0.8); (0.3, 0.4) has norm 0.5 <= 1: kept
        Parameter a = withGrad(new float[]{0, 0}, new float[]{3f, 4f});
        Parameter b = withGrad(new float[]{0, 0}, new float[]{0.3f, 0.4f});
        new SGD(1f).clipNorm(1f).step(List.of(a, b));
        assertArrayEquals(new float[]{-0.6f, -0.8f}, a.value().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[]{-0.3f, -0.4f}, b.value().toFloatArray(), 1e-7f);
        // Keras's test_clip_norm: (100, 100) with clipnorm 1 becomes (sqrt(2)/2, sqrt(2)/2)
        Parameter c = withGrad(new float[]{0, 0}, new float[]{100f, 100f});
        new SGD(1f).clipNorm(1f).step(List.of(c));
        assertArrayEquals(new float[]{-0.70710678f, -0.70710678f}, c.value().toFloatArray(), 1e-6f);
    }

    @Test
    void globalClipNormScalesAllWeightsTogether() {
        // joint norm sqrt(3^2 + 4^2 + 12^2) = 13 > 2.6: every gradient times 0.2 -> (0.6, 0.8) and (0, 2.4)
        Parameter a = withGrad(new float[]{0, 0}, new float[]{3f, 4f});
        Parameter b = withGrad(new float[]{0, 0}, new float[]{0f, 12f});
        new SGD(1f).globalClipNorm(2.6f).step(List.of(a, b));
        assertArrayEquals(new float[]{-0.6f, -0.8f}, a.value().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[]{0f, -2.4f}, b.value().toFloatArray(), 1e-6f);
        // under the limit nothing changes, although one weight alone is above it
        Parameter c = withGrad(new float[]{0, 0}, new float[]{3f, 4f});
        Parameter d = withGrad(new float[]{0}, new float[]{12f});
        new SGD(1f).globalClipNorm(13.5f).step(List.of(c, d));
        assertArrayEquals(new float[]{-3f, -4f}, c.value().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[]{-12f}, d.value().toFloatArray(), 1e-6f);
    }

    @Test
    void onlyOneKindOfClippingAsKeras() {
        var e = assertThrows(IllegalArgumentException.class, () -> new SGD(0.1f).clipNorm(1f).globalClipNorm(1f));
        assertTrue(e.getMessage().contains("only one of clipnorm, clipvalue and global_clipnorm"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Adam().clipValue(1f).clipNorm(1f));
        var z = assertThrows(IllegalArgumentException.class, () -> new Adam().clipNorm(0f));
        assertTrue(z.getMessage().contains("clipnorm must be a finite number > 0, got 0.0"), z.getMessage());
    }

    @Test
    void nonContiguousGradientGivesTheSameUpdate() {
        float[] w = {1, 2, 3, 4, 5, 6};
        float[] gT = {0.1f, 0.4f, 0.2f, 0.5f, 0.3f, 0.6f}; // (3, 2); its transpose is (2, 3) rows (.1 .2 .3) (.4 .5 .6)
        for (Supplier<Optimizer> make : List.<Supplier<Optimizer>>of(() -> new SGD(0.1f, 0.9f, true), Adam::new, () -> new AdamW(0.01f),
                RMSprop::new, Adagrad::new, Adadelta::new, Nadam::new)) {
            Parameter a = new Parameter("a", Tensor.of(w.clone(), 2, 3), true, null);
            Parameter b = new Parameter("b", Tensor.of(w.clone(), 2, 3), true, null);
            Tensor strided = Tensor.of(gT.clone(), 3, 2).t();
            assertFalse(strided.isContiguous());
            Optimizer oa = make.get(), ob = make.get();
            for (int s = 0; s < 3; s++) {
                a.value().setGrad(strided);
                b.value().setGrad(strided.contiguous());
                oa.step(List.of(a));
                ob.step(List.of(b));
            }
            assertArrayEquals(b.value().toFloatArray(), a.value().toFloatArray(), 0f, oa.name());
        }
    }

    // ------------------------------------------------------------------ schedules

    @Test
    void scheduleIsReadAtTheNumberOfStepsTaken() {
        // Keras evaluates the schedule at `iterations` before counting the step: rates 0.1, 0.05, 0.025
        SGD opt = new SGD(1f);
        opt.schedule(new ExponentialDecay(0.1, 1, 0.5));
        assertEquals(0.1f, opt.currentLearningRate(), 1e-9f);
        Parameter p = withGrad(new float[]{0}, new float[]{1f});
        float[] expected = {-0.1f, -0.15f, -0.175f};
        for (float e : expected) {
            p.value().setGrad(Tensor.of(new float[]{1f}, 1));
            opt.step(List.of(p));
            assertEquals(e, p.value().item(), 1e-7f);
        }
        assertEquals(0.0125f, opt.currentLearningRate(), 1e-9f);
        var e = assertThrows(IllegalStateException.class, () -> opt.setLearningRate(0.5f));
        assertTrue(e.getMessage().contains("ExponentialDecay"), e.getMessage());

        SGD lambda = new SGD(1f);
        lambda.schedule(step -> 0.1 / (step + 1)); // 0.1, 0.05
        Parameter q = withGrad(new float[]{0}, new float[]{1f});
        lambda.step(List.of(q));
        q.value().setGrad(Tensor.of(new float[]{1f}, 1));
        lambda.step(List.of(q));
        assertEquals(-0.15f, q.value().item(), 1e-7f);
    }

    @Test
    void setLearningRateChangesLaterSteps() {
        SGD opt = new SGD(0.1f);
        Parameter p = withGrad(new float[]{0}, new float[]{1f});
        opt.step(List.of(p));
        opt.setLearningRate(0.01f);
        assertEquals(0.01f, opt.currentLearningRate());
        p.value().setGrad(Tensor.of(new float[]{1f}, 1));
        opt.step(List.of(p));
        assertEquals(-0.11f, p.value().item(), 1e-7f);
        assertThrows(IllegalArgumentException.class, () -> opt.setLearningRate(-1f));
    }

    // ------------------------------------------------------------------ state and resume

    @Test
    void resumingFromSlotsAndIterationsContinuesExactly() {
        for (Supplier<Optimizer> make : List.<Supplier<Optimizer>>of(() -> new SGD(0.1f, 0.9f, false), () -> new Adam(0.01f, 0.9f, 0.99f, 1e-7f, true),
                () -> new RMSprop(0.01f, 0.9f, 0.5f, 1e-7f, true), Adagrad::new, Adadelta::new, () -> new Nadam(0.01f))) {
            Optimizer straight = make.get();
            Parameter a = param(W0);
            for (float[] g : G) {
                a.value().setGrad(Tensor.of(g.clone(), g.length));
                straight.step(List.of(a));
            }
            Optimizer first = make.get();
            Parameter b = param(W0);
            for (int s = 0; s < 3; s++) {
                b.value().setGrad(Tensor.of(G[s].clone(), G[s].length));
                first.step(List.of(b));
            }
            Optimizer resumed = make.get(); // as if loaded from a checkpoint
            resumed.setIterations(first.iterations());
            for (var e : first.slots().entrySet()) {
                Map<String, Tensor> copy = new LinkedHashMap<>();
                for (var s : e.getValue().entrySet()) copy.put(s.getKey(), s.getValue().copy().detach());
                resumed.slots().put(e.getKey(), copy);
            }
            for (int s = 3; s < G.length; s++) {
                b.value().setGrad(Tensor.of(G[s].clone(), G[s].length));
                resumed.step(List.of(b));
            }
            assertArrayEquals(a.value().toFloatArray(), b.value().toFloatArray(), 0f, straight.name());
        }
    }

    @Test
    void slotsUseKerasNames() {
        Parameter p = withGrad(new float[]{1, 2}, new float[]{0.1f, 0.2f});
        Map<String, List<String>> expected = new HashMap<>();
        Optimizer[] opts = {new SGD(0.1f, 0.9f, false), new Adam(0.1f, 0.9f, 0.99f, 1e-7f, true), new RMSprop(0.1f, 0.9f, 0.5f, 1e-7f, true),
                new Adagrad(), new Adadelta(), new Nadam()};
        expected.put("sgd", List.of("momentum"));
        expected.put("adam", List.of("momentum", "velocity", "velocity_hat"));
        expected.put("rmsprop", List.of("velocity", "momentum", "average_gradient"));
        expected.put("adagrad", List.of("accumulator"));
        expected.put("adadelta", List.of("accumulated_grad", "accumulated_delta_var"));
        expected.put("nadam", List.of("momentum", "velocity"));
        for (Optimizer o : opts) {
            o.step(List.of(p));
            assertEquals(expected.get(o.name()), List.copyOf(o.slots().get(p).keySet()), o.name());
        }
        Parameter q = withGrad(new float[]{1}, new float[]{0f});
        Adagrad ag = new Adagrad(0.1f, 0.25f, 1e-7f);
        ag.step(List.of(q));
        assertEquals(0.25f, ag.slots().get(q).get("accumulator").item()); // initial_accumulator_value, plus 0^2
        assertTrue(new SGD(0.1f).slots().isEmpty());
    }

    @Test
    void weightsWithoutGradientAreLeftAlone() {
        Parameter p = param(new float[]{1, 2});
        Parameter q = withGrad(new float[]{1}, new float[]{1f});
        Adam opt = new Adam(0.1f);
        opt.weightDecay(0.5f);
        opt.step(List.of(p, q));
        assertArrayEquals(new float[]{1, 2}, p.value().toFloatArray());
        assertNull(opt.slots().get(p));
        assertEquals(1, opt.iterations());
    }

    // ------------------------------------------------------------------ a quadratic

    @Test
    void everyOptimizerDescendsAQuadratic() {
        // loss = sum (w - target)^2 from w0; Adadelta takes lr 1 (the paper's form), Adagrad 0.5
        // (its steps shrink as 1/sqrt(t)), the others 0.05
        float[] target = {0.5f, -1f, 2f, 0f};
        Tensor tgt = Tensor.of(target, 4);
        for (String name : Optimizers.names()) {
            Map<String, Object> c = new LinkedHashMap<>(Optimizers.get(name).config());
            c.put("learning_rate", switch (name) {
                case "adadelta" -> 1.0;
                case "adagrad" -> 0.5;
                default -> 0.05;
            });
            Optimizer opt = Optimizers.fromConfig(c);
            Parameter p = param(new float[]{3f, 2f, -1f, 1f});
            double first = 0, last = 0;
            int steps = name.equals("adadelta") ? 1000 : 200; // Adadelta's steps start at sqrt(eps) and grow
            for (int s = 0; s < steps; s++) {
                p.value().zeroGrad();
                Tensor loss = p.value().sub(tgt).square().sum();
                if (s == 0) first = loss.item();
                last = loss.item();
                loss.backward();
                opt.step(List.of(p));
            }
            assertTrue(first > 20, "initial loss " + first);
            double factor = name.equals("adadelta") ? 0.25 : 1e-3;
            assertTrue(last < factor * first, name + ": loss went from " + first + " to " + last);
        }
    }

    // ------------------------------------------------------------------ registry and config

    @Test
    void registryHasKerasDefaults() {
        assertEquals(0.01f, Optimizers.get("sgd").learningRate());
        for (String n : List.of("adam", "adamw", "rmsprop", "adagrad", "adadelta", "nadam")) {
            Optimizer o = Optimizers.get(n);
            assertEquals(n, o.name());
            assertEquals(0.001f, o.learningRate(), n);
        }
        assertInstanceOf(AdamW.class, Optimizers.get("AdamW"));
        assertInstanceOf(RMSprop.class, Optimizers.get("RMSprop"));
        RMSprop r = (RMSprop) Optimizers.get("rmsprop");
        assertEquals(0.9f, r.rho());
        assertEquals(1e-7f, r.epsilon());
        assertEquals(0.1f, ((Adagrad) Optimizers.get("adagrad")).initialAccumulatorValue());
        assertEquals(0.95f, ((Adadelta) Optimizers.get("adadelta")).rho());
        var e = assertThrows(IllegalArgumentException.class, () -> Optimizers.get("adamax"));
        assertTrue(e.getMessage().contains("unknown optimizer 'adamax'") && e.getMessage().contains("nadam"), e.getMessage());
    }

    @Test
    void configRoundTripsEverySetting() {
        List<Optimizer> opts = List.of(
                new SGD(0.5f, 0.06f, true).weightDecay(0.004f),
                new Adam(0.5f, 0.5f, 0.67f, 1e-5f, true).clipNorm(1f),
                new AdamW(0.5f, 0.008f, 0.5f, 0.67f, 1e-5f, true).excludeFromWeightDecay("bias", "gamma"),
                new RMSprop(0.5f, 0.8f, 0.05f, 1e-6f, true).globalClipNorm(2f),
                new Adagrad(0.5f, 0.2f, 1e-5f).clipValue(0.5f),
                new Adadelta(0.5f, 0.9f, 1e-5f),
                new Nadam(0.5f, 0.5f, 0.67f, 1e-5f).schedule(new CosineDecay(0.0, 100, 0.1, 0.5, 10)),
                new SGD(0.1f).schedule(new PiecewiseConstantDecay(new long[]{10, 20}, new double[]{0.1, 0.01, 0.001})));
        for (Optimizer o : opts) {
            Map<String, Object> c = o.config();
            Optimizer back = Optimizers.fromConfig(c);
            assertEquals(o.getClass(), back.getClass());
            assertEquals(c, back.config());
            // and it behaves the same
            Parameter a = param(W0), b = param(W0);
            for (float[] g : G) {
                a.value().setGrad(Tensor.of(g.clone(), g.length));
                b.value().setGrad(Tensor.of(g.clone(), g.length));
                o.step(List.of(a));
                back.step(List.of(b));
            }
            assertArrayEquals(a.value().toFloatArray(), b.value().toFloatArray(), 0f, o.name());
        }
        Map<String, Object> c = new SGD(0.5f, 0.9f, false).config();
        assertEquals(0.9, c.get("momentum")); // written as the decimal, not 0.8999999761581421
        assertEquals(0.5, c.get("learning_rate"));
        Map<String, Object> s = new Nadam().schedule(new ExponentialDecay(0.1, 10, 0.5)).config();
        assertEquals(Map.of("class_name", "ExponentialDecay", "config",
                Map.of("initial_learning_rate", 0.1, "decay_steps", 10L, "decay_rate", 0.5, "staircase", false)), s.get("learning_rate"));
    }

    @Test
    void badSettingsAreRefusedClearly() {
        assertMessage("learning rate must be a finite number > 0, got -0.1", () -> new Adam(-0.1f));
        assertMessage("SGD momentum must be in [0.0, 1.0], got 1.5", () -> new SGD(0.1f, 1.5f, false));
        assertMessage("adam beta_1 must be in [0.0, 1.0), got 1.0", () -> new Adam(0.1f, 1f, 0.999f, 1e-7f));
        assertMessage("RMSprop rho must be in [0.0, 1.0], got -0.1", () -> new RMSprop(0.1f, -0.1f, 0f, 1e-7f, false));
        assertMessage("Adagrad epsilon must be a finite number > 0, got 0.0", () -> new Adagrad(0.1f, 0.1f, 0f));
        assertMessage("weight_decay must be a finite number >= 0, got -1.0", () -> new Adam().weightDecay(-1f));
        Map<String, Object> c = new LinkedHashMap<>(new Adam().config());
        c.put("beta1", 0.8);
        assertMessage("adam config: unknown key 'beta1'", () -> Optimizers.fromConfig(c));
        Map<String, Object> d = new LinkedHashMap<>(new Adam().config());
        d.put("learning_rate", "fast");
        assertMessage("'learning_rate' must be a number, got fast", () -> Optimizers.fromConfig(d));
        assertMessage("iterations must be >= 0, got -1", () -> new Adam().setIterations(-1));
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable run) {
        var e = assertThrows(IllegalArgumentException.class, run);
        assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
    }

    @Test
    void adamVectorLoopIsBitIdenticalToTheScalarFormula() {
        // 37 weights: whole vectors plus a scalar tail on every vector width
        int n = 37;
        dev.myelin.core.Rng rng = new dev.myelin.core.Rng(3);
        float[] w = Tensor.uniform(rng, -1f, 1f, n).toFloatArray(), m = new float[n], v = new float[n];
        Parameter p = param(w);
        Adam opt = new Adam(0.01f);
        for (int t = 1; t <= 3; t++) {
            float[] g = Tensor.uniform(rng, -1f, 1f, n).toFloatArray();
            p.value().setGrad(Tensor.of(g.clone(), n));
            opt.step(List.of(p));
            float a = (float) (0.01f * Math.sqrt(1 - Math.pow(0.999f, t)) / (1 - Math.pow(0.9f, t)));
            float c1 = 1 - 0.9f, c2 = 1 - 0.999f;
            for (int i = 0; i < n; i++) {
                m[i] = m[i] + (g[i] - m[i]) * c1;
                v[i] = v[i] + (g[i] * g[i] - v[i]) * c2;
                w[i] -= m[i] * a / ((float) Math.sqrt(v[i]) + 1e-7f);
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(w, p.value().toFloatArray(), "step " + t);
        }
    }
}
