package dev.myelin.nn.optimizers.schedules;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.myelin.nn.optimizers.schedules.ScheduleConfig.*;

/**
 * Keras's {@code InverseTimeDecay}: {@code initial / (1 + decayRate * step / decaySteps)}, with
 * {@code step / decaySteps} floored when {@code staircase}.
 *
 * <pre>{@code new SGD(0.1f).schedule(new InverseTimeDecay(0.1, 1, 0.5));}</pre>
 */
public record InverseTimeDecay(double initialLearningRate, long decaySteps, double decayRate, boolean staircase)
        implements LearningRateSchedule {

    public InverseTimeDecay {
        finite("InverseTimeDecay", "initial_learning_rate", initialLearningRate);
        positiveSteps("InverseTimeDecay", "decay_steps", decaySteps);
        finite("InverseTimeDecay", "decay_rate", decayRate);
    }

    public InverseTimeDecay(double initialLearningRate, long decaySteps, double decayRate) {
        this(initialLearningRate, decaySteps, decayRate, false);
    }

    @Override
    public double rate(long step) {
        double p = (double) step / decaySteps;
        if (staircase) p = Math.floor(p);
        return initialLearningRate / (1 + decayRate * p);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("initial_learning_rate", initialLearningRate);
        m.put("decay_steps", decaySteps);
        m.put("decay_rate", decayRate);
        m.put("staircase", staircase);
        return m;
    }

    public static InverseTimeDecay fromConfig(Map<String, Object> c) {
        String cls = "InverseTimeDecay";
        checkKeys(cls, c, List.of("initial_learning_rate", "decay_steps", "decay_rate", "staircase"));
        return new InverseTimeDecay(getDouble(cls, c, "initial_learning_rate"), getLong(cls, c, "decay_steps"),
                getDouble(cls, c, "decay_rate"), getBool(cls, c, "staircase", false));
    }
}
