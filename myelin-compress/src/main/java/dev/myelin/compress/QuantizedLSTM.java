package dev.myelin.compress;

import dev.myelin.nn.layers.LSTM;

import java.util.Map;

/**
 * {@link LSTM} with int8 input and recurrent kernels, for inference (see {@link QuantizedRecurrent}
 * for the scheme and what it supports): input (batch, time, features), output (batch, units), or
 * (batch, time, units) with return_sequences, then h and c with return_state.
 *
 * <pre>{@code QuantizedRecurrent q = QuantizedRecurrent.from(lstm);}</pre>
 */
public final class QuantizedLSTM extends QuantizedRecurrent {

    public QuantizedLSTM(int units, String activation, String recurrentActivation, boolean useBias, boolean returnSequences, boolean returnState,
                         boolean goBackwards, boolean zeroOutputForMask) {
        super(true, units, activation, recurrentActivation, useBias, returnSequences, returnState, goBackwards, zeroOutputForMask, false);
    }

    public static QuantizedLSTM fromConfig(Map<String, Object> c) {
        Settings s = Settings.read("QuantizedLSTM", c);
        return withBaseConfig(new QuantizedLSTM(s.units(), s.activation(), s.recurrentActivation(), s.useBias(), s.returnSequences(), s.returnState(),
                s.goBackwards(), s.zeroOutputForMask()), c);
    }
}
