package dev.myelin.nn.layers;

import dev.myelin.nn.Config;

import java.util.Map;

/**
 * A fully connected recurrent layer, Keras's {@code SimpleRNN}: h_t = activation(x_t W + b + h_{t-1} U),
 * with kernel W (input, units), recurrent_kernel U (units, units) and bias b (units). Options,
 * masking and initial state as in {@link RecurrentLayer}.
 *
 * <pre>{@code new SimpleRNN(32).returnSequences(true)}</pre>
 */
public final class SimpleRNN extends RecurrentLayer<SimpleRNN> {

    public SimpleRNN(int units) {
        super(units);
    }

    /** {@code new SimpleRNN(16, "relu")}. */
    public SimpleRNN(int units, String activation) {
        super(units);
        activation(activation);
    }

    @Override
    RecurrentScan.Cell cell() {
        return RecurrentScan.Cell.SIMPLE;
    }

    public static SimpleRNN fromConfig(Map<String, Object> c) {
        return readCommonConfig(new SimpleRNN(Config.getInt(c, "units")), c);
    }
}
