package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;

import java.util.Map;

/**
 * Long short-term memory, Keras's {@code LSTM}. Kernels hold the four gates side by side in Keras's
 * order i (input), f (forget), c (cell candidate), o (output): kernel W (input, 4 units),
 * recurrent_kernel U (units, 4 units), bias b (4 units). Per step, with ra the recurrent activation
 * (sigmoid) and a the activation (tanh):
 * <pre>
 * z = x_t W + h_{t-1} U + b;   i, f, c~, o = ra(z_i), ra(z_f), a(z_c), ra(z_o)
 * c_t = f c_{t-1} + i c~;      h_t = o a(c_t)
 * </pre>
 * With unit_forget_bias (the default) the forget gate's bias starts at 1. The states are [h, c].
 *
 * <pre>{@code new LSTM(64).returnSequences(true).returnState(true)}</pre>
 */
public final class LSTM extends RecurrentLayer<LSTM> {
    private boolean unitForgetBias = true;

    public LSTM(int units) {
        super(units);
    }

    /** The gates' activation (sigmoid by default). Returns this. */
    public LSTM recurrentActivation(String name) {
        recurrentActivation = checkedActivation(name);
        return this;
    }

    /** Start the forget gate's bias at 1 (default true). Returns this. */
    public LSTM unitForgetBias(boolean value) {
        unitForgetBias = value;
        return this;
    }

    @Override
    RecurrentScan.Cell cell() {
        return RecurrentScan.Cell.LSTM;
    }

    @Override
    protected void build(java.util.List<int[]> inputShapes) {
        super.build(inputShapes);
        if (bias != null && unitForgetBias) {
            // bias = [init(units), ones(units), init(2 units)], as Keras
            float[] b = bias.value().toFloatArray();
            java.util.Arrays.fill(b, units, 2 * units, 1f);
            bias.assign(Tensor.wrap(b, 4 * units));
        }
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("unit_forget_bias", unitForgetBias);
        return m;
    }

    public static LSTM fromConfig(Map<String, Object> c) {
        LSTM l = new LSTM(Config.getInt(c, "units"));
        l.unitForgetBias(Config.getBool(c, "unit_forget_bias", true));
        return readCommonConfig(l, c);
    }
}
