package dev.myelin.nn.layers;

import dev.myelin.core.Rng;
import dev.myelin.core.Shape;
import dev.myelin.core.ShapeOps;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.regularizers.Regularizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What {@link SimpleRNN}, {@link LSTM} and {@link GRU} share, as Keras's {@code RNN} base: the
 * weights (kernel (input, G units), recurrent_kernel (units, G units), bias), the options
 * (return_sequences, return_state, go_backwards, dropout, recurrent_dropout, zero_output_for_mask)
 * and the call.
 *
 * <p>Inputs: x (batch, time, features), optionally followed by initial states (batch, units): h
 * (and c for an LSTM), as {@code layer.applyAll(List.of(x, h0, c0), ctx)} or, in the functional
 * API, {@code lstm.applyAll(x, h0, c0)}. Outputs: the last output (batch, units), or every
 * step's (batch, time, units) with return_sequences; with return_state, then the final states.
 * A mask in the context (batch, time) skips padded steps: the states keep their values and the
 * output repeats the previous state. Dropout masks (on x for the kernel, on h for the recurrent
 * kernel) are drawn once per call from the context's generator, in training only; with
 * recurrent_dropout, gated cells draw one mask per gate, as Keras's implementation 1.
 *
 * <p>The input projection x W + b of all steps is one matrix product; the loop is one autograd op
 * ({@link RecurrentScan}), so a step costs one (batch, units) x (units, G units) product each way.
 *
 * <pre>{@code
 * new LSTM(64).returnSequences(true).dropout(0.1f).recurrentDropout(0.1f)
 * }</pre>
 *
 * @param <L> the concrete layer, so that the option setters chain
 */
public abstract class RecurrentLayer<L extends RecurrentLayer<L>> extends Layer {
    protected final int units;
    protected String activation = "tanh";
    protected String recurrentActivation = "sigmoid";
    protected boolean useBias = true;
    protected boolean returnSequences, returnState, goBackwards, zeroOutputForMask;
    protected float dropout, recurrentDropout;
    protected Initializer kernelInit = Initializer.glorotUniform();
    protected Initializer recurrentInit = Initializer.orthogonal(1f);
    protected Initializer biasInit = Initializer.zeros();
    protected Regularizer kernelReg, recurrentReg, biasReg;
    protected Parameter kernel, recurrentKernel, bias;

    protected RecurrentLayer(int units) {
        if (units <= 0) throw new IllegalArgumentException(getClass().getSimpleName() + ": units must be positive, got " + units);
        this.units = units;
    }

    /** The cell this layer runs. */
    abstract RecurrentScan.Cell cell();

    @SuppressWarnings("unchecked")
    private L self() {
        return (L) this;
    }

    // ------------------------------------------------------------------ options

    /** Return the output of every step (batch, time, units) rather than the last (batch, units). Returns this. */
    public L returnSequences(boolean value) { returnSequences = value; return self(); }

    /** Also return the final states: [output, h] (SimpleRNN, GRU) or [output, h, c] (LSTM). Returns this. */
    public L returnState(boolean value) { returnState = value; return self(); }

    /** Process the sequence from its end; the returned sequence is then in reversed time, as Keras. Returns this. */
    public L goBackwards(boolean value) { goBackwards = value; return self(); }

    /** Output zeros, not the previous state, at masked steps. Returns this. */
    public L zeroOutputForMask(boolean value) { zeroOutputForMask = value; return self(); }

    /** Fraction of the input features dropped (for the kernel) in training. Returns this. */
    public L dropout(float rate) { dropout = checkRate("dropout", rate); return self(); }

    /** Fraction of the state's units dropped (for the recurrent kernel) in training. Returns this. */
    public L recurrentDropout(float rate) { recurrentDropout = checkRate("recurrent_dropout", rate); return self(); }

    /** The activation of the state (tanh by default): tanh, sigmoid, hard_sigmoid, relu or linear. Returns this. */
    public L activation(String name) {
        RecurrentScan.Act.of(name, "activation");
        activation = name == null ? "linear" : name;
        return self();
    }

    public L useBias(boolean value) { useBias = value; return self(); }

    public L kernelInitializer(Initializer init) { kernelInit = init; return self(); }

    public L recurrentInitializer(Initializer init) { recurrentInit = init; return self(); }

    public L biasInitializer(Initializer init) { biasInit = init; return self(); }

    public L kernelRegularizer(Regularizer r) { kernelReg = r; return self(); }

    public L recurrentRegularizer(Regularizer r) { recurrentReg = r; return self(); }

    public L biasRegularizer(Regularizer r) { biasReg = r; return self(); }

    private float checkRate(String what, float rate) {
        if (!(rate >= 0f && rate < 1f)) throw new IllegalArgumentException(className() + ": " + what + " must be in [0, 1), got " + rate);
        return rate;
    }

    public int units() { return units; }

    public boolean returnSequences() { return returnSequences; }

    public boolean returnState() { return returnState; }

    public boolean goBackwards() { return goBackwards; }

    public boolean zeroOutputForMask() { return zeroOutputForMask; }

    /** The input kernel (input, G units), once built. */
    public Parameter kernel() { return kernel; }

    /** The recurrent kernel (units, G units), once built. */
    public Parameter recurrentKernel() { return recurrentKernel; }

    /** The bias, or null without one. */
    public Parameter bias() { return bias; }

    /** Number of state tensors: 2 for an LSTM (h, c), else 1. */
    public int stateCount() {
        return cell().states;
    }

    // ------------------------------------------------------------------ build and shapes

    @Override
    protected void build(List<int[]> inputShapes) {
        int[] x = inputShapes.get(0);
        if (x.length != 2) {
            throw new IllegalArgumentException(describe() + ": expected input of shape (batch, time, features), got " + withBatch(x));
        }
        if (x[1] < 0) throw new IllegalArgumentException(describe() + ": the feature size of the input must be known, got " + withBatch(x));
        checkStateCount(inputShapes.size());
        int g = cell().gates;
        kernel = addWeight("kernel", new int[]{x[1], g * units}, kernelInit, kernelReg, true);
        recurrentKernel = addWeight("recurrent_kernel", new int[]{units, g * units}, recurrentInit, recurrentReg, true);
        if (useBias) bias = addWeight("bias", biasShape(), biasInit, biasReg, true);
    }

    /** The bias's shape: (G units) unless a subclass keeps more than one bias row. */
    int[] biasShape() {
        return new int[]{cell().gates * units};
    }

    private void checkStateCount(int inputs) {
        if (inputs != 1 && inputs != 1 + stateCount()) {
            throw new IllegalArgumentException(describe() + " takes the sequence and optionally " + stateCount()
                    + " initial state(s), got " + inputs + " inputs");
        }
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        return computeOutputShapes(List.of(inputShape)).get(0);
    }

    @Override
    public List<int[]> computeOutputShapes(List<int[]> inputShapes) {
        int[] x = inputShapes.get(0);
        if (x.length != 2) throw new IllegalArgumentException("expected input of shape (batch, time, features), got " + withBatch(x));
        checkStateCount(inputShapes.size());
        List<int[]> out = new ArrayList<>();
        out.add(returnSequences ? new int[]{x[0], units} : new int[]{units});
        if (returnState) for (int i = 0; i < stateCount(); i++) out.add(new int[]{units});
        return out;
    }

    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        List<int[]> built = builtInputShapes();
        if (built == null) return;
        int[] expected = index == 0 ? built.get(0) : new int[]{units};
        int[] got = Arrays.copyOfRange(shapeWithBatch, 1, shapeWithBatch.length);
        // any number of time steps, as Keras (its input spec fixes only the rank)
        boolean ok = got.length == expected.length && got[got.length - 1] == expected[expected.length - 1];
        if (!ok) {
            throw new IllegalArgumentException(describe() + ": expected " + (index == 0 ? "input" : "initial state " + index) + " of shape "
                    + withBatch(expected) + ", got " + Shape.format(shapeWithBatch));
        }
    }

    // ------------------------------------------------------------------ call

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        List<Tensor> out = run(List.of(x), ctx);
        if (out.size() != 1) {
            throw new IllegalStateException(describe() + " has return_state set and returns " + out.size()
                    + " tensors; call it with applyAll (give the initial states as inputs too, or set returnState(false))");
        }
        return out.get(0);
    }

    @Override
    protected List<Tensor> call(List<Tensor> inputs, Context ctx) {
        return run(inputs, ctx);
    }

    @Override
    public Tensor computeMask(List<Tensor> inputs, Tensor mask) {
        return returnSequences ? mask : null;
    }

    /** The whole forward pass: [output] or [output, states...]. {@link Bidirectional} calls it on its two layers. */
    List<Tensor> run(List<Tensor> inputs, Context ctx) {
        checkStateCount(inputs.size());
        Tensor x = inputs.get(0);
        if (x.rank() != 3) throw new IllegalArgumentException(describe() + ": expected input of shape (batch, time, features), got " + Shape.format(x.shape()));
        int batch = x.size(0), time = x.size(1), in = x.size(2), g = cell().gates;
        if (time == 0) throw new IllegalArgumentException(describe() + ": the sequence has no time steps, shape " + Shape.format(x.shape()));
        Tensor h0 = inputs.size() > 1 ? checkState(inputs.get(1), batch, "h") : null;
        Tensor c0 = inputs.size() > 2 ? checkState(inputs.get(2), batch, "c") : null;

        boolean training = ctx.training();
        boolean perGate = recurrentDropout > 0f && g > 1; // Keras's implementation 1: one mask per gate
        Tensor w = kernel.value();
        Tensor xp;
        if (training && dropout > 0f) {
            Rng rng = ctx.rng();
            if (perGate) {
                Tensor[] parts = new Tensor[g];
                for (int k = 0; k < g; k++) {
                    Tensor m = Tensor.dropoutMask(rng, dropout, batch, 1, in);
                    parts[k] = x.mul(m).matmul(w.slice(1, k * units, (k + 1) * units));
                }
                xp = ShapeOps.concat(-1, parts);
            } else {
                xp = x.mul(Tensor.dropoutMask(rng, dropout, batch, 1, in)).matmul(w);
            }
        } else {
            xp = x.matmul(w); // (batch, time, G units): every step's input projection in one product
        }
        Tensor[] biases = inputAndRecurrentBias();
        if (biases[0] != null) xp = xp.add(biases[0]);
        float[] recDrop = null;
        if (training && recurrentDropout > 0f) {
            recDrop = new float[g * batch * units];
            Rng rng = ctx.rng();
            for (int k = 0; k < g; k++) {
                float[] m = Tensor.dropoutMask(rng, recurrentDropout, batch, units).toFloatArray();
                System.arraycopy(m, 0, recDrop, k * batch * units, m.length);
            }
        }
        float[] mask = maskArray(ctx.mask(), batch, time);

        RecurrentScan.Spec spec = new RecurrentScan.Spec(cell(), units, RecurrentScan.Act.of(activation, "activation"),
                RecurrentScan.Act.of(recurrentActivation, "recurrent_activation"), resetAfter(), goBackwards, zeroOutputForMask);
        Tensor y = RecurrentScan.run(spec, xp, recurrentKernel.value(), biases[1], h0, c0, mask, recDrop);

        List<Tensor> out = new ArrayList<>();
        out.add(returnSequences ? y.slice(1, 0, time).contiguous() : y.select(1, time - 1).contiguous());
        if (returnState) for (int i = 0; i < stateCount(); i++) out.add(y.select(1, time + i).contiguous());
        return out;
    }

    /** {input bias or null, recurrent bias or null}: GRU with reset_after keeps the second. */
    Tensor[] inputAndRecurrentBias() {
        return new Tensor[]{bias == null ? null : bias.value(), null};
    }

    boolean resetAfter() {
        return false;
    }

    private Tensor checkState(Tensor s, int batch, String what) {
        if (s.rank() != 2 || s.size(0) != batch || s.size(1) != units) {
            throw new IllegalArgumentException(describe() + ": initial state " + what + " must have shape (" + batch + ", " + units
                    + "), got " + Shape.format(s.shape()));
        }
        return s;
    }

    private float[] maskArray(Tensor mask, int batch, int time) {
        if (mask == null) return null;
        if (mask.rank() != 2 || mask.size(0) != batch || mask.size(1) != time) {
            throw new IllegalArgumentException(describe() + ": mask must have shape (" + batch + ", " + time + "), got " + Shape.format(mask.shape()));
        }
        return mask.toFloatArray();
    }

    // ------------------------------------------------------------------ config

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("units", units);
        m.put("activation", activation);
        if (cell() != RecurrentScan.Cell.SIMPLE) m.put("recurrent_activation", recurrentActivation);
        m.put("use_bias", useBias);
        m.put("kernel_initializer", kernelInit.config());
        m.put("recurrent_initializer", recurrentInit.config());
        m.put("bias_initializer", biasInit.config());
        if (kernelReg != null) m.put("kernel_regularizer", kernelReg.config());
        if (recurrentReg != null) m.put("recurrent_regularizer", recurrentReg.config());
        if (biasReg != null) m.put("bias_regularizer", biasReg.config());
        m.put("dropout", (double) dropout);
        m.put("recurrent_dropout", (double) recurrentDropout);
        m.put("return_sequences", returnSequences);
        m.put("return_state", returnState);
        m.put("go_backwards", goBackwards);
        m.put("zero_output_for_mask", zeroOutputForMask);
        return m;
    }

    /** Reads the keys every recurrent layer shares into {@code layer}; the subclass's fromConfig adds its own. Returns it. */
    static <L extends RecurrentLayer<L>> L readCommonConfig(L layer, Map<String, Object> c) {
        layer.activation(Config.getString(c, "activation", "tanh"));
        if (c.get("recurrent_activation") != null) layer.recurrentActivation = checkedActivation(Config.getString(c, "recurrent_activation"));
        layer.useBias(Config.getBool(c, "use_bias", true));
        if (c.get("kernel_initializer") != null) layer.kernelInitializer(Initializer.fromConfig(c.get("kernel_initializer")));
        if (c.get("recurrent_initializer") != null) layer.recurrentInitializer(Initializer.fromConfig(c.get("recurrent_initializer")));
        if (c.get("bias_initializer") != null) layer.biasInitializer(Initializer.fromConfig(c.get("bias_initializer")));
        layer.kernelRegularizer(Regularizer.fromConfig(c.get("kernel_regularizer")));
        layer.recurrentRegularizer(Regularizer.fromConfig(c.get("recurrent_regularizer")));
        layer.biasRegularizer(Regularizer.fromConfig(c.get("bias_regularizer")));
        layer.dropout(Config.getFloat(c, "dropout", 0f));
        layer.recurrentDropout(Config.getFloat(c, "recurrent_dropout", 0f));
        layer.returnSequences(Config.getBool(c, "return_sequences", false));
        layer.returnState(Config.getBool(c, "return_state", false));
        layer.goBackwards(Config.getBool(c, "go_backwards", false));
        layer.zeroOutputForMask(Config.getBool(c, "zero_output_for_mask", false));
        return withBaseConfig(layer, c);
    }

    static String checkedActivation(String name) {
        RecurrentScan.Act.of(name, "recurrent_activation");
        return name == null ? "linear" : name;
    }
}
