package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;

import java.util.Map;

/**
 * Gated recurrent unit, Keras's {@code GRU}. Kernels hold the gates in Keras's order z (update),
 * r (reset), h (candidate): kernel W (input, 3 units), recurrent_kernel U (units, 3 units). With
 * reset_after (Keras 3's default, cuDNN's convention) the bias has two rows (2, 3 units), b_x
 * for the input and b_h for the recurrent product, and per step
 * <pre>
 * x_z, x_r, x_h = x_t W + b_x;         h_z, h_r, h_h = h_{t-1} U + b_h
 * z = ra(x_z + h_z);  r = ra(x_r + h_r);  hh = a(x_h + r * h_h)
 * h_t = z h_{t-1} + (1 - z) hh
 * </pre>
 * Without reset_after the bias is (3 units) and hh = a(x_h + (r * h_{t-1}) U_h).
 *
 * <pre>{@code new GRU(32).returnSequences(true)}</pre>
 */
public final class GRU extends RecurrentLayer<GRU> {
    private boolean resetAfter = true;

    public GRU(int units) {
        super(units);
    }

    /** The gates' activation (sigmoid by default). Returns this. */
    public GRU recurrentActivation(String name) {
        recurrentActivation = checkedActivation(name);
        return this;
    }

    /** Apply the reset gate after the recurrent product (default true, with two bias rows) or before it. Returns this. */
    public GRU resetAfter(boolean value) {
        resetAfter = value;
        return this;
    }

    @Override
    RecurrentScan.Cell cell() {
        return RecurrentScan.Cell.GRU;
    }

    @Override
    boolean resetAfter() {
        return resetAfter;
    }

    @Override
    int[] biasShape() {
        return resetAfter ? new int[]{2, 3 * units} : new int[]{3 * units};
    }

    @Override
    Tensor[] inputAndRecurrentBias() {
        if (bias == null || !resetAfter) return super.inputAndRecurrentBias();
        Tensor b = bias.value();
        return new Tensor[]{b.select(0, 0), b.select(0, 1)};
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("reset_after", resetAfter);
        return m;
    }

    public static GRU fromConfig(Map<String, Object> c) {
        GRU l = new GRU(Config.getInt(c, "units"));
        l.resetAfter(Config.getBool(c, "reset_after", true));
        return readCommonConfig(l, c);
    }
}
