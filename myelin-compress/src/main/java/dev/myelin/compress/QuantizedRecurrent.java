package dev.myelin.compress;

import dev.myelin.core.GradMode;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.layers.GRU;
import dev.myelin.nn.layers.LSTM;
import dev.myelin.nn.layers.RecurrentLayer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link QuantizedLSTM} and {@link QuantizedGRU} share: an LSTM or GRU, for inference, with
 * int8 input and recurrent kernels (one scale per gate unit, {@link QTensor}) and a float bias,
 * under the float layer's names and configuration (kernel (G units, input) and recurrent_kernel
 * (G units, units) as int8 rows, one per gate unit, with their "_scale" weights).
 *
 * <p>The input projection of all steps, x W + b_x, is one int8 product over the rows of x, each
 * quantized with its own scale; each step then quantizes h_{t-1} per sample and takes
 * h_{t-1} U in int8, and the gates run in float exactly as in the float layer:
 * <pre>
 * LSTM: z = x_t W + h U + b;  i, f, c~, o = ra(z_i), ra(z_f), a(z_c), ra(z_o);  c = f c + i c~;  h = o a(c)
 * GRU:  z = ra(x_z + h_z);  r = ra(x_r + h_r);  hh = a(x_h + r (h U_h + b_rh))   (reset_after, the default)
 *                                               hh = a(x_h + (r h) U_h)          (reset before: r h quantized again)
 *       h = z h_prev + (1 - z) hh
 * </pre>
 * Each pre-activation so carries the int8 product error of {@code QTensor} (at most
 * 311 s_a s_w sqrt(K) at six standard deviations, K = input features or units); sigmoid and tanh
 * have slopes of at most 1/4 and 1, and the gates mix old and new state with weights below 1, so
 * the error in h stays of that order instead of growing with time ({@code QuantizedRecurrentTest}
 * checks it). Supported options: return_sequences, return_state, go_backwards, masks (a masked
 * step keeps the state; zero_output_for_mask); initial states as inputs are not: the states start
 * at zero.
 */
public abstract sealed class QuantizedRecurrent extends Layer permits QuantizedLSTM, QuantizedGRU {

    /** The activations the recurrent layers allow, as scalar functions. */
    enum Act {
        LINEAR, TANH, SIGMOID, HARD_SIGMOID, RELU;

        static Act of(String name, String what) {
            String n = name == null ? "linear" : name.toLowerCase(Locale.ROOT);
            for (Act a : values()) if (a.name().toLowerCase(Locale.ROOT).equals(n)) return a;
            throw new IllegalArgumentException(what + " '" + name + "' is not supported by the recurrent layers: expected one of tanh, sigmoid, hard_sigmoid, relu, linear");
        }

        /** x[off .. off+n) = f(x). */
        void apply(float[] x, int off, int n) {
            switch (this) {
                case LINEAR -> { }
                case TANH -> { for (int i = off; i < off + n; i++) x[i] = (float) Math.tanh(x[i]); }
                case SIGMOID -> { for (int i = off; i < off + n; i++) x[i] = (float) (1 / (1 + Math.exp(-x[i]))); }
                case HARD_SIGMOID -> { for (int i = off; i < off + n; i++) x[i] = Math.max(0f, Math.min(1f, x[i] / 6f + 0.5f)); }
                case RELU -> { for (int i = off; i < off + n; i++) x[i] = Math.max(0f, x[i]); }
            }
        }
    }

    final boolean lstm;
    final int units, gates;
    final String activation, recurrentActivation;
    final boolean useBias, returnSequences, returnState, goBackwards, zeroOutputForMask;
    /** GRU only: the reset gate applies after the recurrent product (bias (2, 3 units)). */
    final boolean resetAfter;
    private final Act act, recAct;
    private Int8Weight kernel, recurrentKernel;
    private Parameter bias;
    /** GRU reset before: U split into its z, r gates and its h gate, made from {@code splitFrom}. */
    private QTensor uzr, uh, splitFrom;

    QuantizedRecurrent(boolean lstm, int units, String activation, String recurrentActivation, boolean useBias, boolean returnSequences,
                       boolean returnState, boolean goBackwards, boolean zeroOutputForMask, boolean resetAfter) {
        String owner = getClass().getSimpleName();
        if (units <= 0) throw new IllegalArgumentException(owner + ": units must be positive, got " + units);
        this.lstm = lstm;
        this.units = units;
        this.gates = lstm ? 4 : 3;
        this.act = Act.of(activation, "activation");
        this.recAct = Act.of(recurrentActivation, "recurrent_activation");
        this.activation = activation == null ? "linear" : activation;
        this.recurrentActivation = recurrentActivation == null ? "linear" : recurrentActivation;
        this.useBias = useBias;
        this.returnSequences = returnSequences;
        this.returnState = returnState;
        this.goBackwards = goBackwards;
        this.zeroOutputForMask = zeroOutputForMask;
        this.resetAfter = resetAfter;
    }

    /** A quantized copy of a built LSTM or GRU: same name, configuration and input shape; weights quantized per gate unit. */
    public static QuantizedRecurrent from(RecurrentLayer<?> layer) {
        if (!layer.isBuilt()) throw new IllegalArgumentException("QuantizedRecurrent.from: " + layer.describe() + " is not built yet");
        QuantizedRecurrent q = template(layer);
        q.ensureBuilt(layer.builtInputShapes().subList(0, 1));
        q.setWeights(layer.kernel().value(), layer.recurrentKernel().value(), layer.bias() == null ? null : layer.bias().value());
        return q;
    }

    /** An unbuilt quantized layer with the float layer's name and configuration (dropout, which is training-only, dropped). */
    static QuantizedRecurrent template(RecurrentLayer<?> layer) {
        Map<String, Object> c = layer.config();
        QuantizedRecurrent q = switch (layer) {
            case LSTM l -> QuantizedLSTM.fromConfig(c);
            case GRU g -> QuantizedGRU.fromConfig(c);
            default -> throw new IllegalArgumentException("no quantized form of " + layer.describe() + "; LSTM and GRU have one");
        };
        return q;
    }

    /** Quantizes the float kernels, kernel (input, G units) and recurrent_kernel (units, G units), per gate unit, and copies the bias (or null). */
    public void setWeights(Tensor floatKernel, Tensor floatRecurrent, Tensor floatBias) {
        try (var ignored = GradMode.noGrad()) {
            kernel.set(QTensor.quantize(floatKernel.detach().t()));
            recurrentKernel.set(QTensor.quantize(floatRecurrent.detach().t()));
            if (bias != null) bias.assign(floatBias.detach());
        }
    }

    public int units() { return units; }

    /** The int8 input kernel, (G units, input). */
    public QTensor kernel() { return kernel.qtensor(); }

    /** The int8 recurrent kernel, (G units, units). */
    public QTensor recurrentKernel() { return recurrentKernel.qtensor(); }

    public Parameter bias() { return bias; }

    int stateCount() {
        return lstm ? 2 : 1;
    }

    private int[] biasShape() {
        return resetAfter ? new int[]{2, gates * units} : new int[]{gates * units};
    }

    @Override
    protected void build(List<int[]> inputShapes) {
        if (inputShapes.size() != 1) {
            throw new IllegalArgumentException(describe() + " takes the sequence only (its states start at zero; initial states as inputs are "
                    + "not supported in int8), got " + inputShapes.size() + " inputs");
        }
        int[] x = inputShapes.get(0);
        if (x.length != 2 || x[1] <= 0) {
            throw new IllegalArgumentException(describe() + ": expected input of shape (batch, time, features) with a known feature size, got " + withBatch(x));
        }
        int n = gates * units;
        kernel = new Int8Weight("kernel", n, x[1], addWeight("kernel_scale", new int[]{n}, Initializer.ones(), null, false));
        recurrentKernel = new Int8Weight("recurrent_kernel", n, units, addWeight("recurrent_kernel_scale", new int[]{n}, Initializer.ones(), null, false));
        if (useBias) bias = addWeight("bias", biasShape(), Initializer.zeros(), null, false);
    }

    @Override
    public List<Parameter> weights() {
        List<Parameter> own = super.weights();
        if (kernel == null) return own;
        List<Parameter> all = new ArrayList<>(own.size() + 2);
        all.add(kernel.values());
        all.add(recurrentKernel.values());
        all.addAll(own);
        return all;
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        return computeOutputShapes(List.of(inputShape)).get(0);
    }

    @Override
    public List<int[]> computeOutputShapes(List<int[]> inputShapes) {
        int[] x = inputShapes.get(0);
        if (x.length != 2) throw new IllegalArgumentException(describe() + ": expected input of shape (batch, time, features), got " + withBatch(x));
        List<int[]> out = new ArrayList<>();
        out.add(returnSequences ? new int[]{x[0], units} : new int[]{units});
        if (returnState) for (int i = 0; i < stateCount(); i++) out.add(new int[]{units});
        return out;
    }

    @Override
    public Tensor computeMask(List<Tensor> inputs, Tensor mask) {
        return returnSequences ? mask : null;
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        List<Tensor> out = run(x, ctx);
        if (out.size() != 1) {
            throw new IllegalStateException(describe() + " has return_state set and returns " + out.size() + " tensors; call it with applyAll");
        }
        return out.getFirst();
    }

    @Override
    protected List<Tensor> call(List<Tensor> inputs, Context ctx) {
        if (inputs.size() != 1) {
            throw new IllegalArgumentException(describe() + ": initial states are not supported by the int8 recurrent layers (they start at zero); got "
                    + inputs.size() + " inputs");
        }
        return run(inputs.getFirst(), ctx);
    }

    private List<Tensor> run(Tensor x, Context ctx) {
        QuantizedLayers.requireInference(this, ctx);
        if (x.rank() != 3) throw new IllegalArgumentException(describe() + ": expected input of shape (batch, time, features), got " + Shape.format(x.shape()));
        int batch = x.size(0), time = x.size(1), in = x.size(2), u = units, n = gates * u, bu = batch * u;
        QTensor w = kernel.qtensor(), rec = recurrentKernel.qtensor();
        if (in != w.cols()) throw new IllegalArgumentException(describe() + ": built for " + w.cols() + " input features, got input " + Shape.format(x.shape()));
        if (time == 0) throw new IllegalArgumentException(describe() + ": the sequence has no time steps, shape " + Shape.format(x.shape()));
        float[] mask = null;
        if (ctx.mask() != null) {
            Tensor m = ctx.mask();
            if (m.rank() != 2 || m.size(0) != batch || m.size(1) != time) {
                throw new IllegalArgumentException(describe() + ": mask must have shape (" + batch + ", " + time + "), got " + Shape.format(m.shape()));
            }
            mask = m.toFloatArray();
        }
        float[] b = bias == null ? null : bias.value().toFloatArray();
        float[] inputBias = b == null ? null : Arrays.copyOf(b, n);
        float[] recBias = b != null && resetAfter ? Arrays.copyOfRange(b, n, 2 * n) : null;
        if (!lstm && !resetAfter && splitFrom != rec) {
            // rows are gate units: z and r are rows [0, 2u), h rows [2u, 3u)
            byte[] q = recurrentKernel.values().value().byteData();
            float[] s = new float[n];
            for (int r = 0; r < n; r++) s[r] = rec.scale(r);
            uzr = QTensor.trusted(q, 0, Arrays.copyOf(s, 2 * u), 2 * u, u);
            uh = QTensor.trusted(q, 2 * u * u, Arrays.copyOfRange(s, 2 * u, 3 * u), u, u);
            splitFrom = rec;
        }

        // every step's input projection in one product: xp[(b time + t) n + j] = x[b][t] W^T + b_x
        Tensor xc = x.toFloat().contiguous();
        float[] xp = new float[batch * time * n];
        QTensor.quantizeRows(xc.floatData(), xc.offset(), batch * time, in).matmulTransposed(w, inputBias, xp, 0);

        float[] h = new float[bu], hNext = new float[bu], c = lstm ? new float[bu] : null, cNext = lstm ? new float[bu] : null;
        float[] g = new float[batch * n], hu = new float[batch * n], rh = new float[bu], rhq = new float[bu];
        float[] seq = returnSequences ? new float[batch * time * u] : null;
        float[] last = new float[bu];
        for (int t = 0; t < time; t++) {
            int tau = goBackwards ? time - 1 - t : t;
            for (int bb = 0; bb < batch; bb++) System.arraycopy(xp, (bb * time + tau) * n, g, bb * n, n);
            QTensor hq = QTensor.quantizeRows(h, 0, batch, u);
            if (lstm || resetAfter) {
                hq.matmulTransposed(rec, recBias, hu, 0);   // h U (+ b_rh): (batch, G u)
                for (int bb = 0; bb < batch; bb++) {
                    int r = bb * n;
                    int upto = lstm ? n : 2 * u;              // a reset-after GRU keeps h U_h + b_rh apart for the reset gate
                    for (int j = 0; j < upto; j++) g[r + j] += hu[r + j];
                    if (!lstm) System.arraycopy(hu, r + 2 * u, rh, bb * u, u);
                }
            } else {
                hq.matmulTransposed(uzr, null, hu, 0);      // (batch, 2u)
                for (int bb = 0; bb < batch; bb++) for (int j = 0; j < 2 * u; j++) g[bb * n + j] += hu[bb * 2 * u + j];
            }
            for (int bb = 0; bb < batch; bb++) {
                int r = bb * n, o = bb * u;
                if (lstm) {
                    recAct.apply(g, r, 2 * u);
                    act.apply(g, r + 2 * u, u);
                    recAct.apply(g, r + 3 * u, u);
                    for (int j = 0; j < u; j++) cNext[o + j] = g[r + u + j] * c[o + j] + g[r + j] * g[r + 2 * u + j];
                    for (int j = 0; j < u; j++) hNext[o + j] = cNext[o + j];
                    act.apply(hNext, o, u);
                    for (int j = 0; j < u; j++) hNext[o + j] *= g[r + 3 * u + j];
                } else {
                    recAct.apply(g, r, 2 * u);
                    if (resetAfter) {
                        for (int j = 0; j < u; j++) g[r + 2 * u + j] += g[r + u + j] * rh[o + j];
                        act.apply(g, r + 2 * u, u);
                    }
                }
            }
            if (!lstm) {
                if (!resetAfter) {
                    for (int bb = 0; bb < batch; bb++) for (int j = 0; j < u; j++) rhq[bb * u + j] = g[bb * n + u + j] * h[bb * u + j];   // r h
                    QTensor.quantizeRows(rhq, 0, batch, u).matmulTransposed(uh, null, hu, 0);                                        // (r h) U_h
                    for (int bb = 0; bb < batch; bb++) {
                        for (int j = 0; j < u; j++) g[bb * n + 2 * u + j] += hu[bb * u + j];
                        act.apply(g, bb * n + 2 * u, u);
                    }
                }
                for (int bb = 0; bb < batch; bb++) {
                    int r = bb * n, o = bb * u;
                    for (int j = 0; j < u; j++) {
                        float z = g[r + j];
                        hNext[o + j] = z * h[o + j] + (1f - z) * g[r + 2 * u + j];
                    }
                }
            }
            for (int bb = 0; bb < batch; bb++) {
                int o = bb * u;
                boolean real = mask == null || mask[bb * time + tau] != 0f;
                if (!real) {
                    System.arraycopy(h, o, hNext, o, u);
                    if (lstm) System.arraycopy(c, o, cNext, o, u);
                }
                if (seq != null && (real || !zeroOutputForMask)) System.arraycopy(hNext, o, seq, (bb * time + t) * u, u);
                if (real || !zeroOutputForMask) System.arraycopy(hNext, o, last, o, u);
                else Arrays.fill(last, o, o + u, 0f);
            }
            float[] sw = h;
            h = hNext;
            hNext = sw;
            if (lstm) {
                sw = c;
                c = cNext;
                cNext = sw;
            }
        }
        List<Tensor> out = new ArrayList<>();
        out.add(returnSequences ? Tensor.wrap(seq, batch, time, u) : Tensor.wrap(last, batch, u));
        if (returnState) {
            out.add(Tensor.wrap(h, batch, u));
            if (lstm) out.add(Tensor.wrap(c, batch, u));
        }
        return out;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("units", units);
        m.put("activation", activation);
        m.put("recurrent_activation", recurrentActivation);
        m.put("use_bias", useBias);
        m.put("return_sequences", returnSequences);
        m.put("return_state", returnState);
        m.put("go_backwards", goBackwards);
        m.put("zero_output_for_mask", zeroOutputForMask);
        m.put("quantization", QuantizedLayers.DYNAMIC_INT8);
        return m;
    }

    /** The shared keys of a saved config (the float layer's, whose training-only ones are ignored). */
    record Settings(int units, String activation, String recurrentActivation, boolean useBias, boolean returnSequences, boolean returnState,
                    boolean goBackwards, boolean zeroOutputForMask) {
        static Settings read(String owner, Map<String, Object> c) {
            QuantizedLayers.checkScheme(owner, c);
            return new Settings(Config.getInt(c, "units"), Config.getString(c, "activation", "tanh"), Config.getString(c, "recurrent_activation", "sigmoid"),
                    Config.getBool(c, "use_bias", true), Config.getBool(c, "return_sequences", false), Config.getBool(c, "return_state", false),
                    Config.getBool(c, "go_backwards", false), Config.getBool(c, "zero_output_for_mask", false));
        }
    }
}
