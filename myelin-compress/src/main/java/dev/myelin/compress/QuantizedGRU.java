package dev.myelin.compress;

import dev.myelin.nn.Config;
import dev.myelin.nn.layers.GRU;

import java.util.Map;

/**
 * {@link GRU} with int8 input and recurrent kernels, for inference (see {@link QuantizedRecurrent}
 * for the scheme and what it supports), reset_after (bias (2, 3 units)) or not (bias (3 units)).
 *
 * <pre>{@code QuantizedRecurrent q = QuantizedRecurrent.from(gru);}</pre>
 */
public final class QuantizedGRU extends QuantizedRecurrent {

    public QuantizedGRU(int units, String activation, String recurrentActivation, boolean useBias, boolean returnSequences, boolean returnState,
                        boolean goBackwards, boolean zeroOutputForMask, boolean resetAfter) {
        super(false, units, activation, recurrentActivation, useBias, returnSequences, returnState, goBackwards, zeroOutputForMask, resetAfter);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("reset_after", resetAfter);
        return m;
    }

    public static QuantizedGRU fromConfig(Map<String, Object> c) {
        Settings s = Settings.read("QuantizedGRU", c);
        return withBaseConfig(new QuantizedGRU(s.units(), s.activation(), s.recurrentActivation(), s.useBias(), s.returnSequences(), s.returnState(),
                s.goBackwards(), s.zeroOutputForMask(), Config.getBool(c, "reset_after", true)), c);
    }
}
