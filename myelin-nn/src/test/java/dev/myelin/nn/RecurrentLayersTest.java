package dev.myelin.nn;

import dev.myelin.core.GradCheck;
import dev.myelin.core.Rng;
import dev.myelin.core.ShapeOps;
import dev.myelin.core.Tensor;
import dev.myelin.nn.layers.Bidirectional;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.GRU;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.LSTM;
import dev.myelin.nn.layers.RecurrentLayer;
import dev.myelin.nn.layers.SimpleRNN;
import dev.myelin.nn.layers.TimeDistributed;
import dev.myelin.nn.losses.MeanSquaredError;
import dev.myelin.nn.optimizers.Adam;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * SimpleRNN, LSTM, GRU, Bidirectional and TimeDistributed: the shared harness, forward values
 * against scalar double-precision loops written from Keras's equations, masking, states,
 * go_backwards, dropout, and gradients against finite differences.
 */
class RecurrentLayersTest {

    // ------------------------------------------------------------------ harness

    @Test
    void harnessSimpleRnn() {
        // kernel 5*3 + recurrent 3*3 + bias 3
        LayerHarness.check(() -> new SimpleRNN(3), new int[]{2, 4, 5}, 5 * 3 + 3 * 3 + 3);
        LayerHarness.check(() -> new SimpleRNN(3, "relu").returnSequences(true).goBackwards(true), new int[]{2, 4, 5}, 27);
    }

    @Test
    void harnessLstm() {
        // 4 * (units * (in + units) + units)
        LayerHarness.check(() -> new LSTM(3), new int[]{2, 4, 5}, 4 * (3 * (5 + 3) + 3));
        LayerHarness.check(() -> new LSTM(2).returnSequences(true).useBias(false), new int[]{3, 5, 4}, 4 * 2 * (4 + 2));
    }

    @Test
    void harnessGru() {
        // reset_after: 3 * units * (in + units) + 2 * 3 * units; before: one bias row
        LayerHarness.check(() -> new GRU(3), new int[]{2, 4, 5}, 3 * 3 * (5 + 3) + 2 * 3 * 3);
        LayerHarness.check(() -> new GRU(3).resetAfter(false).returnSequences(true), new int[]{2, 4, 5}, 3 * 3 * (5 + 3) + 3 * 3);
    }

    @Test
    void harnessWrappers() {
        LayerHarness.check(() -> new Bidirectional(new LSTM(3)), new int[]{2, 4, 5}, 2 * 4 * (3 * (5 + 3) + 3));
        LayerHarness.check(() -> new Bidirectional(new GRU(2).returnSequences(true), "sum"), new int[]{2, 4, 3},
                2 * (3 * 2 * (3 + 2) + 2 * 3 * 2));
        LayerHarness.check(() -> new TimeDistributed(new Dense(4, "tanh")), new int[]{2, 3, 5}, 5 * 4 + 4);
    }

    // ------------------------------------------------------------------ forward values

    /** Small fixed numbers: value k of a weight is 0.1 * sin(k + seed), so every entry differs. */
    private static float[] fixed(int n, int seed) {
        float[] v = new float[n];
        for (int k = 0; k < n; k++) v[k] = (float) (0.5 * Math.sin(1.3 * k + seed));
        return v;
    }

    private static double[][][] toDouble(Tensor t) {
        int b = t.size(0), time = t.size(1), f = t.size(2);
        float[] d = t.toFloatArray();
        double[][][] out = new double[b][time][f];
        for (int i = 0; i < b; i++) for (int j = 0; j < time; j++) for (int k = 0; k < f; k++) out[i][j][k] = d[(i * time + j) * f + k];
        return out;
    }

    private static double[][] matrix(float[] d, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) m[i][j] = d[i * cols + j];
        return m;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Row vector x (in) times W (in, n), plus the bias row b (or none). */
    private static double[] affine(double[] x, double[][] w, double[] b) {
        int n = w[0].length;
        double[] z = new double[n];
        for (int j = 0; j < n; j++) {
            double s = b == null ? 0 : b[j];
            for (int i = 0; i < x.length; i++) s += x[i] * w[i][j];
            z[j] = s;
        }
        return z;
    }

    /** Outputs of every processing step, then the final states. */
    private record Ref(double[][] outputs, double[] h, double[] c) {}

    /**
     * Keras LSTM for one sequence, gate order i, f, c, o:
     * z = x_t W + h U + b; i = sigmoid(z_i), f = sigmoid(z_f), g = tanh(z_c), o = sigmoid(z_o);
     * c = f c + i g; h = o tanh(c). A masked step keeps h and c and outputs h; going backwards
     * processes t = T-1 .. 0 and lists the outputs in that order.
     */
    private static Ref lstmRef(double[][] x, double[][] w, double[][] u, double[] b, double[] h0, double[] c0, double[] mask, boolean backwards) {
        return lstmRef(x, w, u, b, h0, c0, mask, backwards, null, null);
    }

    /**
     * The same with dropout as Keras's implementation 1: gate g sees x_t * inMask[g] through W[:, g]
     * and h * recMask[g] through U[:, g] (masks of 0 or 1/(1-rate), fixed over the sequence).
     */
    private static Ref lstmRef(double[][] x, double[][] w, double[][] u, double[] b, double[] h0, double[] c0, double[] mask, boolean backwards,
                               double[][] inMask, double[][] recMask) {
        int time = x.length, units = u.length, in = w.length;
        double[] h = h0.clone(), c = c0.clone();
        double[][] out = new double[time][];
        for (int s = 0; s < time; s++) {
            int t = backwards ? time - 1 - s : s;
            if (mask == null || mask[t] != 0) {
                double[] z = new double[4 * units];
                for (int g = 0; g < 4; g++) {
                    for (int j = 0; j < units; j++) {
                        double acc = b == null ? 0 : b[g * units + j];
                        for (int i = 0; i < in; i++) acc += x[t][i] * (inMask == null ? 1 : inMask[g][i]) * w[i][g * units + j];
                        for (int k = 0; k < units; k++) acc += h[k] * (recMask == null ? 1 : recMask[g][k]) * u[k][g * units + j];
                        z[g * units + j] = acc;
                    }
                }
                double[] hn = new double[units], cn = new double[units];
                for (int j = 0; j < units; j++) {
                    double i = sigmoid(z[j]), f = sigmoid(z[units + j]), g = Math.tanh(z[2 * units + j]), o = sigmoid(z[3 * units + j]);
                    cn[j] = f * c[j] + i * g;
                    hn[j] = o * Math.tanh(cn[j]);
                }
                h = hn;
                c = cn;
            }
            out[s] = h.clone();
        }
        return new Ref(out, h, c);
    }

    /**
     * Keras GRU for one sequence, gate order z, r, h. reset_after (bias rows bx, bh):
     * x_z,x_r,x_h = x W + bx; h_z,h_r,h_h = h U + bh; z = sigmoid(x_z + h_z); r = sigmoid(x_r + h_r);
     * hh = tanh(x_h + r * h_h); h = z h + (1 - z) hh. Reset before (one bias row bx, bh unused):
     * h_z,h_r = h U[:, :2u]; hh = tanh(x_h + (r * h) U[:, 2u:]).
     */
    private static Ref gruRef(double[][] x, double[][] w, double[][] u, double[] bx, double[] bh, boolean resetAfter, double[] h0) {
        int time = x.length, units = u.length;
        double[] h = h0.clone();
        double[][] out = new double[time][];
        for (int t = 0; t < time; t++) {
            double[] zx = affine(x[t], w, bx);
            double[] zh = affine(h, u, resetAfter ? bh : null);
            double[] hn = new double[units], r = new double[units], z = new double[units];
            for (int j = 0; j < units; j++) {
                z[j] = sigmoid(zx[j] + zh[j]);
                r[j] = sigmoid(zx[units + j] + zh[units + j]);
            }
            double[] recH = new double[units];
            if (resetAfter) {
                for (int j = 0; j < units; j++) recH[j] = r[j] * zh[2 * units + j];
            } else {
                for (int j = 0; j < units; j++) {
                    double s = 0;
                    for (int k = 0; k < units; k++) s += r[k] * h[k] * u[k][2 * units + j];
                    recH[j] = s;
                }
            }
            for (int j = 0; j < units; j++) {
                double hh = Math.tanh(zx[2 * units + j] + recH[j]);
                hn[j] = z[j] * h[j] + (1 - z[j]) * hh;
            }
            h = hn;
            out[t] = h.clone();
        }
        return new Ref(out, h, null);
    }

    /** Keras SimpleRNN: h = tanh(x W + b + h U). */
    private static Ref simpleRef(double[][] x, double[][] w, double[][] u, double[] b) {
        int units = u.length;
        double[] h = new double[units];
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double[] zx = affine(x[t], w, b), zh = affine(h, u, null);
            double[] hn = new double[units];
            for (int j = 0; j < units; j++) hn[j] = Math.tanh(zx[j] + zh[j]);
            h = hn;
            out[t] = h.clone();
        }
        return new Ref(out, h, null);
    }

    private static void assertClose(double[] expected, Tensor actual, int row, String what) {
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], actual.get(row, j), 1e-5, what + " [" + row + ", " + j + "]");
        }
    }

    @Test
    void lstmTinyCaseMatchesKerasEquations() {
        // input dim 2, units 2, T = 3, batch 1, fixed weights
        int in = 2, units = 2, time = 3;
        float[] xs = fixed(time * in, 1), w = fixed(in * 4 * units, 2), u = fixed(units * 4 * units, 3), b = fixed(4 * units, 4);
        LSTM lstm = new LSTM(units).returnSequences(true).returnState(true);
        lstm.ensureBuilt(List.of(new int[]{time, in}, new int[]{units}, new int[]{units}));
        lstm.kernel().assign(Tensor.of(w, in, 4 * units));
        lstm.recurrentKernel().assign(Tensor.of(u, units, 4 * units));
        lstm.bias().assign(Tensor.of(b, 4 * units));
        Tensor x = Tensor.of(xs, 1, time, in);
        List<Tensor> out = lstm.applyAll(List.of(x, Tensor.zeros(1, units), Tensor.zeros(1, units)), Context.inference());
        Ref ref = lstmRef(matrix(xs, time, in), matrix(w, in, 4 * units), matrix(u, units, 4 * units), toD(b),
                new double[units], new double[units], null, false);
        for (int t = 0; t < time; t++) assertClose(ref.outputs[t], out.get(0).select(1, t), 0, "h at step " + t);
        assertClose(ref.h, out.get(1), 0, "final h");
        assertClose(ref.c, out.get(2), 0, "final c");
        // Spot-check one number by hand: first step, unit 0, with h = c = 0:
        // c = sigmoid(z_i) tanh(z_c), h = sigmoid(z_o) tanh(c), z = x_0 W + b
        double zi = xs[0] * w[0] + xs[1] * w[8] + b[0];
        double zc = xs[0] * w[4] + xs[1] * w[12] + b[4];
        double zo = xs[0] * w[6] + xs[1] * w[14] + b[6];
        double c = sigmoid(zi) * Math.tanh(zc);
        assertEquals(sigmoid(zo) * Math.tanh(c), out.get(0).get(0, 0, 0), 1e-6);
    }

    private static double[] toD(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    @Test
    void lstmBatchWithMaskBackwardsAndInitialStateMatchesReference() {
        int batch = 3, in = 3, units = 4, time = 5;
        Rng rng = new Rng(9);
        Tensor x = Tensor.randn(rng, batch, time, in);
        Tensor h0 = Tensor.randn(rng, batch, units).mul(0.5f), c0 = Tensor.randn(rng, batch, units).mul(0.5f);
        float[] m = {1, 1, 1, 0, 0, /**/ 1, 1, 1, 1, 1, /**/ 0, 1, 0, 1, 1};
        Tensor mask = Tensor.of(m, batch, time);
        for (boolean backwards : new boolean[]{false, true}) {
            LSTM lstm = new LSTM(units).returnSequences(true).returnState(true).goBackwards(backwards);
            List<Tensor> out = lstm.applyAll(List.of(x, h0, c0), Context.inference().withMask(mask));
            double[][] w = matrix(lstm.kernel().value().toFloatArray(), in, 4 * units);
            double[][] u = matrix(lstm.recurrentKernel().value().toFloatArray(), units, 4 * units);
            double[] b = toD(lstm.bias().value().toFloatArray());
            double[][][] xd = toDouble(x);
            for (int i = 0; i < batch; i++) {
                double[] mi = new double[time];
                for (int t = 0; t < time; t++) mi[t] = m[i * time + t];
                Ref ref = lstmRef(xd[i], w, u, b, row(h0, i), row(c0, i), mi, backwards);
                for (int t = 0; t < time; t++) assertClose(ref.outputs[t], out.get(0).select(1, t), i, "backwards=" + backwards + " output " + t);
                assertClose(ref.h, out.get(1), i, "h");
                assertClose(ref.c, out.get(2), i, "c");
            }
        }
    }

    private static double[] row(Tensor t, int i) {
        double[] r = new double[t.size(1)];
        for (int j = 0; j < r.length; j++) r[j] = t.get(i, j);
        return r;
    }

    @Test
    void gruTinyCaseMatchesKerasEquations() {
        int in = 2, units = 2, time = 3;
        float[] xs = fixed(time * in, 5), w = fixed(in * 3 * units, 6), u = fixed(units * 3 * units, 7), b = fixed(2 * 3 * units, 8);
        for (boolean resetAfter : new boolean[]{true, false}) {
            GRU gru = new GRU(units).resetAfter(resetAfter).returnSequences(true);
            gru.ensureBuilt(new int[]{time, in});
            gru.kernel().assign(Tensor.of(w, in, 3 * units));
            gru.recurrentKernel().assign(Tensor.of(u, units, 3 * units));
            float[] bias = resetAfter ? b : java.util.Arrays.copyOf(b, 3 * units);
            gru.bias().assign(Tensor.of(bias, gru.bias().shape()));
            Tensor y = gru.apply(Tensor.of(xs, 1, time, in));
            double[] bx = toD(java.util.Arrays.copyOf(b, 3 * units)), bh = toD(java.util.Arrays.copyOfRange(b, 3 * units, 6 * units));
            Ref ref = gruRef(matrix(xs, time, in), matrix(w, in, 3 * units), matrix(u, units, 3 * units), bx, bh, resetAfter, new double[units]);
            for (int t = 0; t < time; t++) assertClose(ref.outputs[t], y.select(1, t), 0, "reset_after=" + resetAfter + " step " + t);
        }
    }

    @Test
    void simpleRnnMatchesKerasEquations() {
        int in = 3, units = 2, time = 4;
        float[] xs = fixed(time * in, 11);
        SimpleRNN rnn = new SimpleRNN(units);
        Tensor y = rnn.apply(Tensor.of(xs, 1, time, in));
        Ref ref = simpleRef(matrix(xs, time, in), matrix(rnn.kernel().value().toFloatArray(), in, units),
                matrix(rnn.recurrentKernel().value().toFloatArray(), units, units), toD(rnn.bias().value().toFloatArray()));
        assertClose(ref.h, y, 0, "last output");
    }

    @Test
    void kerasWeightLayoutAndInitialisation() {
        LSTM lstm = new LSTM(3);
        lstm.ensureBuilt(new int[]{4, 5});
        assertArrayEquals(new int[]{5, 12}, lstm.kernel().shape());
        assertArrayEquals(new int[]{3, 12}, lstm.recurrentKernel().shape());
        // unit_forget_bias: zeros, ones for the forget gate, zeros
        assertArrayEquals(new float[]{0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0}, lstm.bias().value().toFloatArray());
        // orthogonal recurrent kernel: U U^T = I for the (3, 12) matrix
        Tensor uu = lstm.recurrentKernel().value().matmul(lstm.recurrentKernel().value().t());
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) assertEquals(i == j ? 1f : 0f, uu.get(i, j), 1e-5);
        GRU gru = new GRU(3);
        gru.ensureBuilt(new int[]{4, 5});
        assertArrayEquals(new int[]{2, 9}, gru.bias().shape());
        assertEquals(List.of("kernel", "recurrent_kernel", "bias"), gru.weights().stream().map(Parameter::name).toList());
    }

    // ------------------------------------------------------------------ masking and states

    @Test
    void maskedTailKeepsTheLastRealState() {
        Rng rng = new Rng(4);
        Tensor x = Tensor.randn(rng, 2, 6, 3);
        Tensor mask = Tensor.of(new float[]{1, 1, 1, 1, 0, 0, /**/ 1, 1, 1, 1, 0, 0}, 2, 6);
        for (RecurrentLayer<?> layer : List.<RecurrentLayer<?>>of(new LSTM(4), new GRU(4), new SimpleRNN(4))) {
            layer.returnSequences(true);
            Tensor masked = layer.apply(x, Context.inference().withMask(mask));
            Tensor shorter = layer.apply(x.slice(1, 0, 4));
            for (int t = 0; t < 4; t++) {
                assertArrayEquals(shorter.select(1, t).toFloatArray(), masked.select(1, t).toFloatArray(), 1e-6f, layer + " step " + t);
            }
            // masked steps repeat the last real output (the state), as Keras
            for (int t = 4; t < 6; t++) {
                assertArrayEquals(shorter.select(1, 3).toFloatArray(), masked.select(1, t).toFloatArray(), 0f, layer + " masked step " + t);
            }
            layer.returnSequences(false);
            assertArrayEquals(shorter.select(1, 3).toFloatArray(), layer.apply(x, Context.inference().withMask(mask)).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void zeroOutputForMaskGivesZerosAtMaskedSteps() {
        Tensor x = Tensor.randn(new Rng(5), 1, 3, 2);
        Tensor mask = Tensor.of(new float[]{1, 0, 1}, 1, 3);
        LSTM lstm = new LSTM(2).returnSequences(true).zeroOutputForMask(true);
        Tensor y = lstm.apply(x, Context.inference().withMask(mask));
        assertArrayEquals(new float[]{0, 0}, y.select(1, 1).toFloatArray());
        assertNotEquals(0f, y.get(0, 2, 0));
    }

    @Test
    void returnedStatesContinueTheSequence() {
        // Running [0, 6) equals running [0, 3) then [3, 6) from the returned states.
        Rng rng = new Rng(6);
        Tensor x = Tensor.randn(rng, 2, 6, 3);
        LSTM lstm = new LSTM(4).returnSequences(true).returnState(true);
        Tensor z = Tensor.zeros(2, 4);
        List<Tensor> full = lstm.applyAll(List.of(x, z, z), Context.inference());
        List<Tensor> first = lstm.applyAll(List.of(x.slice(1, 0, 3), z, z), Context.inference());
        List<Tensor> second = lstm.applyAll(List.of(x.slice(1, 3, 6), first.get(1), first.get(2)), Context.inference());
        assertArrayEquals(full.get(1).toFloatArray(), second.get(1).toFloatArray(), 1e-6f);
        assertArrayEquals(full.get(2).toFloatArray(), second.get(2).toFloatArray(), 1e-6f);
        assertArrayEquals(full.get(0).slice(1, 3, 6).toFloatArray(), second.get(0).toFloatArray(), 1e-6f);
        // The last output is the final h.
        assertArrayEquals(full.get(0).select(1, 5).toFloatArray(), full.get(1).toFloatArray(), 0f);

        GRU gru = new GRU(4).returnState(true);
        List<Tensor> g = gru.applyAll(List.of(x, Tensor.zeros(2, 4)), Context.inference());
        assertEquals(2, g.size());
        assertArrayEquals(g.get(0).toFloatArray(), g.get(1).toFloatArray(), 0f);
        assertEquals(List.of(List.of(6, 4), List.of(4), List.of(4)),
                shapes(lstm.computeOutputShapes(List.of(new int[]{6, 3}, new int[]{4}, new int[]{4}))));
    }

    private static List<List<Integer>> shapes(List<int[]> s) {
        List<List<Integer>> out = new ArrayList<>();
        for (int[] a : s) out.add(java.util.Arrays.stream(a).boxed().toList());
        return out;
    }

    @Test
    void statesInTheFunctionalApi() {
        SymbolicTensor seq = Input.of(5, 3), h0 = Input.of(4), c0 = Input.of(4);
        List<SymbolicTensor> outs = new LSTM(4).returnState(true).applyAll(seq, h0, c0);
        assertEquals(3, outs.size());
        SymbolicTensor y = new Dense(1).apply(outs.get(0));
        Model model = Model.of(List.of(seq, h0, c0), List.of(y, outs.get(2)));
        Rng rng = new Rng(1);
        List<Tensor> r = model.predictAll(List.of(Tensor.randn(rng, 2, 5, 3), Tensor.zeros(2, 4), Tensor.zeros(2, 4)), 2);
        assertArrayEquals(new int[]{2, 1}, r.get(0).shape());
        assertArrayEquals(new int[]{2, 4}, r.get(1).shape());
    }

    @Test
    void goBackwardsReversesTheInputAndTheOutputOrder() {
        Tensor x = Tensor.randn(new Rng(8), 2, 4, 3);
        GRU fwd = new GRU(3).returnSequences(true);
        GRU bwd = new GRU(3).returnSequences(true).goBackwards(true);
        fwd.ensureBuilt(new int[]{4, 3});
        bwd.ensureBuilt(new int[]{4, 3});
        copyWeights(fwd, bwd);
        Tensor reversed = flipTime(x);
        assertArrayEquals(fwd.apply(reversed).toFloatArray(), bwd.apply(x).toFloatArray(), 1e-6f);
    }

    private static Tensor flipTime(Tensor x) {
        Tensor[] steps = new Tensor[x.size(1)];
        for (int t = 0; t < steps.length; t++) steps[t] = x.select(1, steps.length - 1 - t);
        return ShapeOps.stack(1, steps);
    }

    private static void copyWeights(Layer from, Layer to) {
        List<Parameter> a = from.weights(), b = to.weights();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) b.get(i).assign(a.get(i).value());
    }

    // ------------------------------------------------------------------ dropout

    @Test
    void dropoutOnlyInTrainingAndRepeatableForOneSeed() {
        Tensor x = Tensor.randn(new Rng(2), 3, 5, 4);
        for (RecurrentLayer<?> layer : List.<RecurrentLayer<?>>of(new LSTM(3).dropout(0.4f).recurrentDropout(0.3f),
                new GRU(3).dropout(0.4f), new GRU(3).recurrentDropout(0.5f).resetAfter(false), new SimpleRNN(3).recurrentDropout(0.5f))) {
            layer.ensureBuilt(new int[]{5, 4});
            Tensor inference = layer.apply(x);
            Tensor a = layer.apply(x, Context.training(new Rng(3)));
            Tensor b = layer.apply(x, Context.training(new Rng(3)));
            assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f, layer + ": same generator, same masks");
            assertFalse(java.util.Arrays.equals(a.toFloatArray(), inference.toFloatArray()), layer + ": dropout changes the training output");
            assertArrayEquals(inference.toFloatArray(), layer.apply(x).toFloatArray(), 0f);
        }
    }

    @Test
    void dropoutMasksFollowKerasImplementationOne() {
        // With recurrent_dropout, Keras draws one input mask and one state mask per gate, fixed over the
        // sequence. The layer draws them from the context's generator, the four input masks (batch, 1, in)
        // first, then the four state masks (batch, units); drawing the same from the same seed here gives
        // the masks to feed the scalar reference.
        int batch = 2, time = 3, in = 3, units = 2;
        float rate = 0.4f, recRate = 0.5f;
        Tensor x = Tensor.randn(new Rng(12), batch, time, in);
        LSTM lstm = new LSTM(units).dropout(rate).recurrentDropout(recRate).returnSequences(true);
        Tensor y = lstm.apply(x, Context.training(new Rng(99)));
        Rng rng = new Rng(99);
        float[][] inMasks = new float[4][], recMasks = new float[4][];
        for (int g = 0; g < 4; g++) inMasks[g] = Tensor.dropoutMask(rng, rate, batch, 1, in).toFloatArray();
        for (int g = 0; g < 4; g++) recMasks[g] = Tensor.dropoutMask(rng, recRate, batch, units).toFloatArray();
        double[][] w = matrix(lstm.kernel().value().toFloatArray(), in, 4 * units);
        double[][] u = matrix(lstm.recurrentKernel().value().toFloatArray(), units, 4 * units);
        double[] b = toD(lstm.bias().value().toFloatArray());
        double[][][] xd = toDouble(x);
        for (int i = 0; i < batch; i++) {
            double[][] im = new double[4][in], rm = new double[4][units];
            for (int g = 0; g < 4; g++) {
                for (int k = 0; k < in; k++) im[g][k] = inMasks[g][i * in + k];
                for (int k = 0; k < units; k++) rm[g][k] = recMasks[g][i * units + k];
            }
            Ref ref = lstmRef(xd[i], w, u, b, new double[units], new double[units], null, false, im, rm);
            for (int t = 0; t < time; t++) assertClose(ref.outputs[t], y.select(1, t), i, "step " + t);
        }
    }

    // ------------------------------------------------------------------ gradients

    private static Tensor flatConcat(List<Tensor> outs) {
        List<Tensor> flat = new ArrayList<>();
        for (Tensor t : outs) flat.add(t.reshape(t.size(0), -1));
        return ShapeOps.concat(1, flat);
    }

    /** Gradients of every weight, the input and the initial states, with a mask, in both directions and with dropout. */
    @Test
    void gradientsMatchFiniteDifferences() {
        int batch = 2, time = 4, in = 3, units = 3;
        Tensor mask = Tensor.of(new float[]{1, 1, 0, 1, /**/ 0, 1, 1, 1}, batch, time);
        List<RecurrentLayer<?>> layers = List.of(
                new LSTM(units), new LSTM(units).goBackwards(true).dropout(0.3f).recurrentDropout(0.3f),
                new GRU(units), new GRU(units).goBackwards(true).recurrentDropout(0.3f).dropout(0.2f),
                new GRU(units).resetAfter(false), new GRU(units).resetAfter(false).recurrentDropout(0.4f),
                new SimpleRNN(units).recurrentDropout(0.3f), new LSTM(units).zeroOutputForMask(true).dropout(0.2f));
        for (RecurrentLayer<?> layer : layers) {
            layer.returnSequences(true).returnState(true);
            Rng rng = new Rng(21);
            Tensor x = Tensor.randn(rng, batch, time, in).requiresGrad(true);
            List<Tensor> inputs = new ArrayList<>(List.of(x));
            for (int s = 0; s < layer.stateCount(); s++) inputs.add(Tensor.randn(rng, batch, units).mul(0.5f).detach().requiresGrad(true));
            layer.ensureBuilt(inputs.stream().map(t -> java.util.Arrays.copyOfRange(t.shape(), 1, t.rank())).toList());
            List<Tensor> all = new ArrayList<>(inputs);
            for (Parameter p : layer.weights()) all.add(p.value());
            int nIn = inputs.size();
            // tighter than GradCheck's defaults: a 1% error in one term of the backward must show
            GradCheck.check(xs -> {
                Context ctx = Context.training(new Rng(77)).withMask(mask); // the same dropout masks on every call
                return flatConcat(layer.applyAll(java.util.Arrays.asList(xs).subList(0, nIn), ctx));
            }, 1e-2, 3e-3, 3e-4, all.toArray(new Tensor[0]));
        }
    }

    // ------------------------------------------------------------------ wrappers

    @Test
    void bidirectionalConcatEqualsForwardAndReversedBackward() {
        Tensor x = Tensor.randn(new Rng(13), 2, 5, 3);
        Tensor mask = Tensor.of(new float[]{1, 1, 1, 1, 1, /**/ 1, 1, 1, 0, 0}, 2, 5);
        Bidirectional bi = new Bidirectional(new LSTM(4).returnSequences(true));
        Tensor y = bi.apply(x, Context.inference().withMask(mask));
        assertArrayEquals(new int[]{2, 5, 8}, y.shape());
        assertEquals("forward_lstm", bi.forwardLayer().name());
        assertEquals("backward_lstm", bi.backwardLayer().name());
        assertTrue(bi.backwardLayer().goBackwards());

        LSTM f = new LSTM(4).returnSequences(true).zeroOutputForMask(true);
        LSTM b = new LSTM(4).returnSequences(true).zeroOutputForMask(true).goBackwards(true);
        f.ensureBuilt(new int[]{5, 3});
        b.ensureBuilt(new int[]{5, 3});
        copyWeights(bi.forwardLayer(), f);
        copyWeights(bi.backwardLayer(), b);
        assertFalse(java.util.Arrays.equals(f.kernel().value().toFloatArray(), b.kernel().value().toFloatArray()),
                "the two directions start from different weights");
        Tensor yf = f.apply(x, Context.inference().withMask(mask));
        Tensor yb = flipTime(b.apply(x, Context.inference().withMask(mask)));
        Tensor expected = ShapeOps.concat(-1, yf, yb);
        assertArrayEquals(expected.toFloatArray(), y.toFloatArray(), 1e-6f);
        // masked steps are zeros in both halves (Bidirectional sets zero_output_for_mask when returning sequences)
        assertArrayEquals(new float[8], y.select(0, 1).select(0, 4).toFloatArray(), 0f);

        // last outputs, merged by sum / ave / mul
        for (String mode : new String[]{"sum", "ave", "mul"}) {
            Bidirectional last = new Bidirectional(new GRU(3), mode);
            Tensor out = last.apply(x);
            GRU lf = new GRU(3), lb = new GRU(3).goBackwards(true);
            lf.ensureBuilt(new int[]{5, 3});
            lb.ensureBuilt(new int[]{5, 3});
            copyWeights(last.forwardLayer(), lf);
            copyWeights(last.backwardLayer(), lb);
            Tensor a = lf.apply(x), c = lb.apply(x);
            Tensor want = switch (mode) {
                case "sum" -> a.add(c);
                case "ave" -> a.add(c).div(2f);
                default -> a.mul(c);
            };
            assertArrayEquals(want.toFloatArray(), out.toFloatArray(), 1e-6f, mode);
        }
    }

    @Test
    void bidirectionalStatesAndSplitOutputs() {
        Tensor x = Tensor.randn(new Rng(14), 2, 3, 2);
        Bidirectional bi = new Bidirectional(new LSTM(2).returnState(true));
        Tensor z = Tensor.zeros(2, 2);
        List<Tensor> out = bi.applyAll(List.of(x, z, z, z, z), Context.inference());
        assertEquals(5, out.size()); // output, forward h, c, backward h, c
        assertArrayEquals(new int[]{2, 4}, out.get(0).shape());
        assertArrayEquals(out.get(0).slice(1, 0, 2).toFloatArray(), out.get(1).toFloatArray(), 0f);
        assertArrayEquals(out.get(0).slice(1, 2, 4).toFloatArray(), out.get(3).toFloatArray(), 0f);

        Bidirectional split = new Bidirectional(new GRU(2).returnSequences(true), null);
        // (two outputs need several inputs until Layer.applyAll routes single inputs through call(List))
        List<Tensor> two = split.applyAll(List.of(x, z, z), Context.inference());
        assertEquals(2, two.size());
        assertEquals(2, split.computeOutputShapes(List.of(new int[]{3, 2})).size());
    }

    @Test
    void bidirectionalConfigRoundTrip() {
        Bidirectional bi = new Bidirectional(new LSTM(3).returnSequences(true).dropout(0.1f), "ave");
        Map<String, Object> cfg = Layers.toConfig(bi);
        Layer copy = Layers.fromConfig(cfg);
        assertEquals(cfg, Layers.toConfig(copy));
        assertEquals("ave", ((Bidirectional) copy).mergeMode());
    }

    @Test
    void timeDistributedDenseEqualsDenseOnEachStep() {
        Tensor x = Tensor.randn(new Rng(15), 2, 4, 3);
        Dense dense = new Dense(5, "relu");
        TimeDistributed td = new TimeDistributed(dense);
        Tensor y = td.apply(x);
        assertArrayEquals(new int[]{2, 4, 5}, y.shape());
        for (int t = 0; t < 4; t++) {
            assertArrayEquals(dense.apply(x.select(1, t)).toFloatArray(), y.select(1, t).toFloatArray(), 1e-6f);
        }
        assertArrayEquals(new int[]{-1, 5}, td.computeOutputShape(new int[]{-1, 3}));
        // wraps any layer, here a recurrent one over (batch, outer time, inner time, features)
        TimeDistributed tdRnn = new TimeDistributed(new GRU(2));
        assertArrayEquals(new int[]{2, 3, 2}, tdRnn.apply(Tensor.randn(new Rng(1), 2, 3, 4, 5)).shape());
    }

    // ------------------------------------------------------------------ training

    @Test
    void stackedBidirectionalLstmLearnsTheSignOfASum() {
        // Label: is the sum of the sequence positive? A recurrent model must integrate over time.
        Rng rng = new Rng(31);
        int n = 128, time = 6;
        Tensor x = Tensor.randn(rng, n, time, 1);
        float[] y = new float[n];
        float[] xd = x.toFloatArray();
        for (int i = 0; i < n; i++) {
            float s = 0;
            for (int t = 0; t < time; t++) s += xd[i * time + t];
            y[i] = s > 0 ? 1f : -1f;
        }
        Tensor target = Tensor.of(y, n, 1);
        Sequential model = new Sequential(new InputLayer(time, 1),
                new Bidirectional(new LSTM(8).returnSequences(true)), new GRU(8), new Dense(1, "tanh"));
        model.seed(3);
        model.compile(new Adam(0.02f), new MeanSquaredError());
        double before = model.evaluate(x, target, 32).get("loss");
        model.fit(x, target, new FitOptions().epochs(15).batchSize(32).verbose(0));
        double after = model.evaluate(x, target, 32).get("loss");
        assertTrue(after < 0.35 * before, "loss " + before + " -> " + after);
        assertTrue(model.summary().contains("bidirectional (Bidirectional)"), model.summary());
    }
}
