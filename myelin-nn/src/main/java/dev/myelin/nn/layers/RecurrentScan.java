package dev.myelin.nn.layers;

import dev.myelin.backend.Backend;
import dev.myelin.backend.Backends;
import dev.myelin.backend.UnaryOp;
import dev.myelin.core.Tensor;

import java.util.Locale;

/**
 * The time loop of {@link SimpleRNN}, {@link LSTM} and {@link GRU} as one autograd op, forward and
 * backward (back-propagation through time) side by side, like cuDNN's RNN kernels.
 *
 * <p>Why one op and not a chain of tensor ops per step: taking step t out of the (batch, time, 4u)
 * input projection as a slice costs, in backward, a zero tensor of the whole projection per step
 * (O(T^2) work), and each step would add a dozen graph nodes. Here the input projection
 * x W + b is computed by the caller in one matmul; this op runs, per step, one (batch, units) x
 * (units, G units) product and the gates in bulk, saves the activated gates and states, and its
 * backward runs the steps in reverse with one product per step, then forms the recurrent kernel's
 * gradient in one (units, T batch) x (T batch, G units) product.
 *
 * <p>Masking follows Keras (JAX, NumPy and MLX backends): at a masked step every state keeps its
 * previous value and the output repeats the previous state h, or is zero with
 * {@code zeroOutputForMask} (what {@link Bidirectional} sets when it returns sequences).
 */
final class RecurrentScan {
    private RecurrentScan() {}

    /** The cell: its number of gates G (blocks of {@code units} columns in the kernels) and of states. */
    enum Cell {
        SIMPLE(1, 1), LSTM(4, 2), GRU(3, 1);

        final int gates, states;

        Cell(int gates, int states) {
            this.gates = gates;
            this.states = states;
        }
    }

    /** Activations whose derivative is a function of their output, so backward needs only the saved gates. */
    enum Act {
        LINEAR("linear", UnaryOp.IDENTITY),
        TANH("tanh", UnaryOp.TANH),
        SIGMOID("sigmoid", UnaryOp.SIGMOID),
        HARD_SIGMOID("hard_sigmoid", UnaryOp.HARD_SIGMOID),
        RELU("relu", UnaryOp.RELU);

        static final String NAMES = "tanh, sigmoid, hard_sigmoid, relu, linear";

        final String keras;
        private final UnaryOp op;

        Act(String keras, UnaryOp op) {
            this.keras = keras;
            this.op = op;
        }

        /** x[off .. off+n) = f(x), in place. */
        void apply(Backend be, float[] x, int off, int n) {
            if (this != LINEAR) be.unary(op, 0f, x, off, x, off, n);
        }

        /** f'(x) written with y = f(x). */
        float slope(float y) {
            return switch (this) {
                case LINEAR -> 1f;
                case TANH -> 1f - y * y;
                case SIGMOID -> y * (1f - y);
                case HARD_SIGMOID -> y > 0f && y < 1f ? 1f / 6f : 0f; // y = clamp(x / 6 + 1/2, 0, 1)
                case RELU -> y > 0f ? 1f : 0f;
            };
        }

        static Act of(String name, String what) {
            String n = name == null ? "linear" : name.toLowerCase(Locale.ROOT);
            for (Act a : values()) if (a.keras.equals(n)) return a;
            throw new IllegalArgumentException(what + " '" + name + "' is not supported by the recurrent layers: expected one of " + NAMES);
        }
    }

    /** What the loop computes: cell, units, activations and the Keras options that change the loop. */
    record Spec(Cell cell, int units, Act activation, Act recurrentActivation, boolean resetAfter,
                boolean goBackwards, boolean zeroOutputForMask) {}

    /**
     * Runs the loop. Shapes: xp (B, T, G u) is x W + input bias for every step, in input order;
     * kernel (u, G u) is the recurrent kernel; recBias (G u) is a reset-after GRU's recurrent bias,
     * else null; h0, c0 (B, u), null for zeros (c0 for LSTM only); mask (B T) with 1 for real steps
     * and 0 for padding, or null; recDrop (G, B, u) recurrent-dropout masks (one per gate, as Keras's
     * implementation 1), or null.
     *
     * @return Y (B, T + states, u): Y[:, t] is the output of processing step t (reversed time when
     *     going backwards), Y[:, T] the final h, Y[:, T + 1] the final c of an LSTM
     */
    static Tensor run(Spec s, Tensor xp, Tensor kernel, Tensor recBias, Tensor h0, Tensor c0, float[] mask, float[] recDrop) {
        int batch = xp.size(0), time = xp.size(1), u = s.units, gates = s.cell.gates, n = gates * u;
        int states = s.cell.states, rows = time + states;
        Tensor xc = xp.contiguous();
        float[] x = xc.floatData();
        int xOff = xc.offset();
        float[] w = kernel.toFloatArray();
        float[] rb = recBias == null ? null : recBias.toFloatArray();
        boolean lstm = s.cell == Cell.LSTM, gru = s.cell == Cell.GRU, resetAfter = gru && s.resetAfter;
        int bu = batch * u;
        Backend be = Backends.current();

        float[] g = new float[time * batch * n];                // activated gates, (T, B, G u)
        float[] hs = new float[(time + 1) * bu];                // h before step t at hs[t], (T + 1, B, u)
        float[] cs = lstm ? new float[(time + 1) * bu] : null;  // c likewise
        float[] actC = lstm ? new float[time * bu] : null;      // activation(c) after step t
        float[] rh = resetAfter ? new float[time * bu] : null;  // GRU: h U_h + b_rh, before the reset gate
        float[] inner = resetAfter ? new float[batch * n] : null;
        float[] hu = new float[bu];                             // scratch: h * recurrent-dropout mask, or r * h
        if (h0 != null) System.arraycopy(h0.toFloatArray(), 0, hs, 0, bu);
        if (lstm && c0 != null) System.arraycopy(c0.toFloatArray(), 0, cs, 0, bu);
        float[] y = new float[batch * rows * u];

        for (int t = 0; t < time; t++) {
            int tau = s.goBackwards ? time - 1 - t : t;
            int g0 = t * batch * n, hPrev = t * bu, hNext = (t + 1) * bu;
            for (int b = 0; b < batch; b++) System.arraycopy(x, xOff + (b * time + tau) * n, g, g0 + b * n, n);

            // Recurrent part of the pre-activations: z[:, gate] += (h * recDrop[gate]) U[:, gate].
            if (resetAfter) {
                recurrentProduct(be, hs, hPrev, recDrop, w, batch, u, n, 3, 0f, inner, 0, n, hu);
                for (int b = 0; b < batch; b++) {
                    int r = b * n;
                    if (rb != null) for (int j = 0; j < n; j++) inner[r + j] += rb[j];
                    for (int j = 0; j < 2 * u; j++) g[g0 + r + j] += inner[r + j];
                    System.arraycopy(inner, r + 2 * u, rh, t * bu + b * u, u);
                }
            } else {
                recurrentProduct(be, hs, hPrev, recDrop, w, batch, u, n, gru ? 2 : gates, 1f, g, g0, n, hu);
            }

            for (int b = 0; b < batch; b++) {
                int r = g0 + b * n, o = b * u;
                switch (s.cell) {
                    case SIMPLE -> {
                        s.activation.apply(be, g, r, u);
                        System.arraycopy(g, r, hs, hNext + o, u);
                    }
                    case LSTM -> {
                        // i, f, c~, o = ra(z_i), ra(z_f), a(z_c), ra(z_o); c = f c_prev + i c~; h = o a(c)
                        s.recurrentActivation.apply(be, g, r, 2 * u);
                        s.activation.apply(be, g, r + 2 * u, u);
                        s.recurrentActivation.apply(be, g, r + 3 * u, u);
                        for (int j = 0; j < u; j++) {
                            cs[hNext + o + j] = g[r + u + j] * cs[hPrev + o + j] + g[r + j] * g[r + 2 * u + j];
                        }
                        System.arraycopy(cs, hNext + o, actC, t * bu + o, u);
                        s.activation.apply(be, actC, t * bu + o, u);
                        for (int j = 0; j < u; j++) hs[hNext + o + j] = g[r + 3 * u + j] * actC[t * bu + o + j];
                    }
                    case GRU -> {
                        s.recurrentActivation.apply(be, g, r, 2 * u);
                        if (resetAfter) {
                            // hh = a(x_h + r (h U_h + b_rh))
                            for (int j = 0; j < u; j++) g[r + 2 * u + j] += g[r + u + j] * rh[t * bu + o + j];
                            s.activation.apply(be, g, r + 2 * u, u);
                        }
                    }
                }
            }
            if (gru && !resetAfter) {
                // hh = a(x_h + (r * h) U_h), with h under the third recurrent-dropout mask
                for (int b = 0; b < batch; b++) {
                    int r = g0 + b * n, o = b * u;
                    for (int j = 0; j < u; j++) {
                        float hv = hs[hPrev + o + j] * (recDrop == null ? 1f : recDrop[2 * bu + o + j]);
                        hu[o + j] = g[r + u + j] * hv;
                    }
                }
                be.gemm(false, false, batch, u, u, hu, 0, u, w, 2 * u, n, 1f, g, g0 + 2 * u, n);
                for (int b = 0; b < batch; b++) s.activation.apply(be, g, g0 + b * n + 2 * u, u);
            }
            if (gru) {
                // h = z h_prev + (1 - z) hh
                for (int b = 0; b < batch; b++) {
                    int r = g0 + b * n, o = b * u;
                    for (int j = 0; j < u; j++) {
                        float z = g[r + j];
                        hs[hNext + o + j] = z * hs[hPrev + o + j] + (1f - z) * g[r + 2 * u + j];
                    }
                }
            }
            for (int b = 0; b < batch; b++) {
                int o = b * u, yo = (b * rows + t) * u;
                boolean real = mask == null || mask[b * time + tau] != 0f;
                if (!real) {
                    System.arraycopy(hs, hPrev + o, hs, hNext + o, u);
                    if (lstm) System.arraycopy(cs, hPrev + o, cs, hNext + o, u);
                }
                if (real || !s.zeroOutputForMask) System.arraycopy(hs, hNext + o, y, yo, u);
            }
        }
        for (int b = 0; b < batch; b++) {
            System.arraycopy(hs, time * bu + b * u, y, (b * rows + time) * u, u);
            if (lstm) System.arraycopy(cs, time * bu + b * u, y, (b * rows + time + 1) * u, u);
        }

        Saved saved = new Saved(s, batch, time, w, g, hs, cs, actC, rh, mask, recDrop);
        Tensor[] inputs = {xp, kernel, recBias, h0, lstm ? c0 : null};
        Tensor[] keep = nonNull(kernel, recBias, h0, lstm ? c0 : null);
        return Tensor.fromOp(opName(s), y, new int[]{batch, rows, u}, inputs, keep, grad -> backward(saved, grad, inputs));
    }

    /**
     * C[:, gate] = (h * recDrop[gate]) U[:, gate] + beta C[:, gate] for the first {@code count} gates:
     * one product over all of them when there is no recurrent dropout, else one per gate.
     */
    private static void recurrentProduct(Backend be, float[] hs, int hOff, float[] recDrop, float[] w, int batch, int u, int n,
                                         int count, float beta, float[] c, int cOff, int ldc, float[] hu) {
        if (recDrop == null) {
            be.gemm(false, false, batch, count * u, u, hs, hOff, u, w, 0, n, beta, c, cOff, ldc);
            return;
        }
        int bu = batch * u;
        for (int gate = 0; gate < count; gate++) {
            for (int i = 0; i < bu; i++) hu[i] = hs[hOff + i] * recDrop[gate * bu + i];
            be.gemm(false, false, batch, u, u, hu, 0, u, w, gate * u, n, beta, c, cOff + gate * u, ldc);
        }
    }

    private static String opName(Spec s) {
        return switch (s.cell) {
            case SIMPLE -> "simpleRnn";
            case LSTM -> "lstm";
            case GRU -> "gru";
        };
    }

    private static Tensor[] nonNull(Tensor... ts) {
        return java.util.Arrays.stream(ts).filter(java.util.Objects::nonNull).toArray(Tensor[]::new);
    }

    /** What the forward pass keeps for backward. */
    private record Saved(Spec s, int batch, int time, float[] w, float[] g, float[] hs, float[] cs, float[] actC,
                         float[] rh, float[] mask, float[] recDrop) {}

    /**
     * Back-propagation through time. With dh, dc the gradients reaching the states after step t and
     * dz the gradient of a gate's pre-activation (z = x W + b + h_prev U):
     * <pre>
     * SimpleRNN: dz = dh a'(h)
     * LSTM:      dc_t = dc + dh o a'(a(c));  dz_i = dc_t c~ ra'(i);  dz_f = dc_t c_prev ra'(f);
     *            dz_c = dc_t i a'(c~);  dz_o = dh a(c) ra'(o);  dc_prev = dc_t f
     * GRU:       dz_z = dh (h_prev - hh) ra'(z);  dz_h = dh (1 - z) a'(hh);  dh_prev = dh z + ...
     *            reset after:  d(rh) = dz_h r,  dz_r = dz_h rh ra'(r)
     *            reset before: d(r h) = dz_h U_h^T,  dz_r = d(r h) h ra'(r),  dh_prev += d(r h) r
     * then dh_prev += sum over gates (dz_gate U_gate^T) * recDrop[gate], and dU = sum over t of h_prev^T dz.
     * </pre>
     * A masked step passes dh and dc through unchanged and its dz is zero.
     */
    private static Tensor[] backward(Saved sv, Tensor grad, Tensor[] inputs) {
        Spec s = sv.s;
        int batch = sv.batch, time = sv.time, u = s.units, n = s.cell.gates * u, rows = time + s.cell.states;
        int bu = batch * u;
        boolean lstm = s.cell == Cell.LSTM, gru = s.cell == Cell.GRU, resetAfter = gru && s.resetAfter;
        float[] gy = grad.toFloatArray(), w = sv.w, g = sv.g, hs = sv.hs, cs = sv.cs, recDrop = sv.recDrop, mask = sv.mask;
        Backend be = Backends.current();

        float[] dh = new float[bu], dc = lstm ? new float[bu] : null;
        for (int b = 0; b < batch; b++) {
            System.arraycopy(gy, (b * rows + time) * u, dh, b * u, u);
            if (lstm) System.arraycopy(gy, (b * rows + time + 1) * u, dc, b * u, u);
        }
        float[] dz = new float[time * batch * n];               // d(pre-activation), (T, B, G u)
        float[] dRh = resetAfter ? new float[time * bu] : null; // GRU: d(h U_h + b_rh)
        float[] dhNew = new float[bu], direct = new float[bu], tmp = new float[bu];
        boolean[] real = new boolean[batch];

        for (int t = time - 1; t >= 0; t--) {
            int tau = s.goBackwards ? time - 1 - t : t;
            int g0 = t * batch * n, hPrev = t * bu, hNext = (t + 1) * bu;
            for (int b = 0; b < batch; b++) {
                int o = b * u;
                real[b] = mask == null || mask[b * time + tau] != 0f;
                boolean outputs = real[b] || !s.zeroOutputForMask;
                for (int j = 0; j < u; j++) dhNew[o + j] = dh[o + j] + (outputs ? gy[(b * rows + t) * u + j] : 0f);
                if (!real[b]) {
                    System.arraycopy(dhNew, o, direct, o, u); // the state passed through: dh_prev = dh, dc_prev = dc
                    continue;
                }
                int r = g0 + b * n;
                switch (s.cell) {
                    case SIMPLE -> {
                        for (int j = 0; j < u; j++) {
                            dz[r + j] = dhNew[o + j] * s.activation.slope(g[r + j]);
                            direct[o + j] = 0f;
                        }
                    }
                    case LSTM -> {
                        for (int j = 0; j < u; j++) {
                            float i = g[r + j], f = g[r + u + j], cc = g[r + 2 * u + j], og = g[r + 3 * u + j];
                            float ac = sv.actC[t * bu + o + j], cPrev = cs[hPrev + o + j], dhj = dhNew[o + j];
                            float dct = dc[o + j] + dhj * og * s.activation.slope(ac);
                            dz[r + j] = dct * cc * s.recurrentActivation.slope(i);
                            dz[r + u + j] = dct * cPrev * s.recurrentActivation.slope(f);
                            dz[r + 2 * u + j] = dct * i * s.activation.slope(cc);
                            dz[r + 3 * u + j] = dhj * ac * s.recurrentActivation.slope(og);
                            dc[o + j] = dct * f;
                            direct[o + j] = 0f;
                        }
                    }
                    case GRU -> {
                        for (int j = 0; j < u; j++) {
                            float z = g[r + j], rr = g[r + u + j], hh = g[r + 2 * u + j], hp = hs[hPrev + o + j], dhj = dhNew[o + j];
                            float dah = dhj * (1f - z) * s.activation.slope(hh);
                            dz[r + 2 * u + j] = dah;
                            dz[r + j] = dhj * (hp - hh) * s.recurrentActivation.slope(z);
                            direct[o + j] = dhj * z;
                            if (resetAfter) {
                                float rhv = sv.rh[t * bu + o + j];
                                dRh[t * bu + o + j] = dah * rr;
                                dz[r + u + j] = dah * rhv * s.recurrentActivation.slope(rr);
                            }
                        }
                    }
                }
            }
            if (gru && !resetAfter) {
                // d(r * h_h) = dz_h U_h^T, then the reset gate and the state's share of it
                be.gemm(false, true, batch, u, u, dz, g0 + 2 * u, n, w, 2 * u, n, 0f, tmp, 0, u);
                for (int b = 0; b < batch; b++) {
                    if (!real[b]) continue;
                    int r = g0 + b * n, o = b * u;
                    for (int j = 0; j < u; j++) {
                        float keep = recDrop == null ? 1f : recDrop[2 * bu + o + j];
                        float rr = g[r + u + j], drh = tmp[o + j];
                        dz[r + u + j] = drh * hs[hPrev + o + j] * keep * s.recurrentActivation.slope(rr);
                        direct[o + j] += drh * rr * keep;
                    }
                }
            }
            // dh_prev = direct + sum over gates of (dz_gate U_gate^T) * recDrop[gate]
            System.arraycopy(direct, 0, dh, 0, bu);
            int count = gru && !resetAfter ? 2 : s.cell.gates;
            int first = 0;
            if (recDrop == null) {
                // the gates that read dz, in one product: dh += dz[:, :k u] U[:, :k u]^T
                int k = resetAfter ? 2 : count;
                be.gemm(false, true, batch, u, k * u, dz, g0, n, w, 0, n, 1f, dh, 0, u);
                first = k;
            }
            for (int gate = first; gate < count; gate++) {
                boolean fromRh = resetAfter && gate == 2;
                float[] src = fromRh ? dRh : dz;
                int srcOff = fromRh ? t * bu : g0 + gate * u, ld = fromRh ? u : n;
                if (recDrop == null) {
                    be.gemm(false, true, batch, u, u, src, srcOff, ld, w, gate * u, n, 1f, dh, 0, u);
                } else {
                    be.gemm(false, true, batch, u, u, src, srcOff, ld, w, gate * u, n, 0f, tmp, 0, u);
                    for (int i = 0; i < bu; i++) dh[i] += tmp[i] * recDrop[gate * bu + i];
                }
            }
        }

        Tensor xp = inputs[0], kernel = inputs[1], recBias = inputs[2], h0 = inputs[3], c0 = inputs[4];
        Tensor dxp = null, dKernel = null, dRecBias = null;
        if (xp.requiresGrad()) {
            float[] d = new float[batch * time * n];
            for (int t = 0; t < time; t++) {
                int tau = s.goBackwards ? time - 1 - t : t;
                for (int b = 0; b < batch; b++) System.arraycopy(dz, (t * batch + b) * n, d, (b * time + tau) * n, n);
            }
            dxp = Tensor.wrap(d, batch, time, n);
        }
        if (kernel.requiresGrad()) dKernel = Tensor.wrap(kernelGrad(sv, dz, dRh, be), u, n);
        if (recBias != null && recBias.requiresGrad()) {
            // d b_r = column sums of [dz_z, dz_r, d(rh)]
            float[] d = new float[n];
            for (int row = 0; row < time * batch; row++) {
                for (int j = 0; j < 2 * u; j++) d[j] += dz[row * n + j];
                for (int j = 0; j < u; j++) d[2 * u + j] += dRh[row * u + j];
            }
            dRecBias = Tensor.wrap(d, recBias.shape());
        }
        Tensor dh0 = h0 != null && h0.requiresGrad() ? Tensor.wrap(dh, batch, u) : null;
        Tensor dc0 = c0 != null && c0.requiresGrad() ? Tensor.wrap(dc, batch, u) : null;
        return new Tensor[]{dxp, dKernel, dRecBias, dh0, dc0};
    }

    /** dU[:, gate] = sum over steps of (h_prev * recDrop[gate])^T dz_gate, as (u, T B) x (T B, u) products. */
    private static float[] kernelGrad(Saved sv, float[] dz, float[] dRh, Backend be) {
        Spec s = sv.s;
        int u = s.units, n = s.cell.gates * u, m = sv.time * sv.batch, bu = sv.batch * u;
        boolean gru = s.cell == Cell.GRU, resetAfter = gru && s.resetAfter;
        float[] hs = sv.hs, recDrop = sv.recDrop, g = sv.g;
        float[] dk = new float[u * n];
        int count = gru && !resetAfter ? 2 : s.cell.gates;
        float[] left = recDrop == null ? null : new float[m * u];
        if (recDrop == null && !resetAfter) {
            be.gemm(true, false, u, count * u, m, hs, 0, u, dz, 0, n, 0f, dk, 0, n);
        } else {
            for (int gate = 0; gate < count; gate++) {
                float[] a = hs;
                if (recDrop != null) {
                    for (int row = 0; row < m; row++) {
                        for (int j = 0; j < u; j++) left[row * u + j] = hs[row * u + j] * recDrop[gate * bu + (row % sv.batch) * u + j];
                    }
                    a = left;
                }
                boolean fromRh = resetAfter && gate == 2;
                be.gemm(true, false, u, u, m, a, 0, u, fromRh ? dRh : dz, fromRh ? 0 : gate * u, fromRh ? u : n, 0f, dk, gate * u, n);
            }
        }
        if (gru && !resetAfter) {
            // dU_h = sum over steps of (r * h_prev * recDrop[2])^T dz_h
            float[] rhu = new float[m * u];
            for (int row = 0; row < m; row++) {
                int b = row % sv.batch;
                for (int j = 0; j < u; j++) {
                    float keep = recDrop == null ? 1f : recDrop[2 * bu + b * u + j];
                    rhu[row * u + j] = g[row * n + u + j] * hs[row * u + j] * keep;
                }
            }
            be.gemm(true, false, u, u, m, rhu, 0, u, dz, 2 * u, n, 0f, dk, 2 * u, n);
        }
        return dk;
    }
}
